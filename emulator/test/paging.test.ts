import type { ChatThreadClient } from '@azure/communication-chat';
import type { TestUser } from './support/clients';
import { API_VERSIONS, chatClient, identityClient, newUser, pool } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import { expectChatError } from './support/errors';
import { bearerRequest } from './support/http';

// Paging under concurrent writes (reference §5.1): 1,000 messages listed by pages of 7 and of 200 while other messages
// keep arriving. Every message that existed when the listing started appears exactly once.

const EXISTING = 1000;

let emu: TestEmulator;
let alice: TestUser;
let bob: TestUser;
let threadId: string;
let existingIds: Set<string>;

beforeAll(async () => {
  emu = await startTestEmulator();
  const identity = identityClient(emu);
  [alice, bob] = await Promise.all([newUser(identity), newUser(identity)]);
  const res = await chatClient(emu, alice.token).createChatThread(
    { topic: 'paging' },
    { participants: [{ id: bob.user }] },
  );
  threadId = res.chatThread?.id ?? '';
  const thread = chatClient(emu, alice.token).getChatThreadClient(threadId);
  const sent = await pool(
    Array.from({ length: EXISTING }),
    32,
    async (_, i) => (await thread.sendMessage({ content: `m${i}` })).id,
  );
  existingIds = new Set(sent);
  expect(existingIds.size).toBe(EXISTING);
}, 120_000);
afterAll(async () => {
  await emu?.close();
});

/** Keeps sending from Bob until stopped; returns the ids it got a 201 for. */
function keepSending(thread: ChatThreadClient): { stop: () => Promise<string[]> } {
  let running = true;
  const ids: string[] = [];
  const loops = Array.from({ length: 4 }, async () => {
    while (running) ids.push((await thread.sendMessage({ content: 'concurrent' })).id);
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return ids;
    },
  };
}

describe.each(API_VERSIONS)('listMessages paging under concurrent sends, api-version $label', ({ apiVersion }) => {
  test.each([7, 200])(
    'pages of %i: nothing lost or repeated',
    async (pageSize) => {
      const opts = apiVersion ? { apiVersion } : {};
      const reader = chatClient(emu, alice.token, opts).getChatThreadClient(threadId);
      const writer = keepSending(chatClient(emu, bob.token, opts).getChatThreadClient(threadId));
      const seen: string[] = [];
      const seqs: number[] = [];
      let pages = 0;
      try {
        for await (const page of reader.listMessages({ maxPageSize: pageSize }).byPage()) {
          pages++;
          expect(page.length).toBeLessThanOrEqual(pageSize);
          for (const m of page) {
            seen.push(m.id);
            seqs.push(Number(m.sequenceId));
          }
        }
      } finally {
        const concurrent = await writer.stop();
        expect(concurrent.length).toBeGreaterThan(0);
      }
      expect(new Set(seen).size).toBe(seen.length); // no repeats
      const seenSet = new Set(seen);
      expect([...existingIds].filter((id) => !seenSet.has(id))).toEqual([]); // nothing lost
      // newest first: sequence ids strictly decrease across the whole listing
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeLessThan(seqs[i - 1] as number);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil((EXISTING + 2) / pageSize));
    },
    120_000,
  );

  test('nextLink carries the request api-version and is followed verbatim', async () => {
    const wireVersion = apiVersion ?? '2025-03-15';
    let url: string | undefined =
      `/chat/threads/${encodeURIComponent(threadId)}/messages?maxPageSize=200&api-version=${wireVersion}`;
    let count = 0;
    const seen = new Set<string>();
    while (url) {
      const res = await bearerRequest({ method: 'GET', url, base: emu.endpoint, ca: emu.ca, token: alice.token });
      expect(res.status).toBe(200);
      const body = res.json as { value: { id: string }[]; nextLink?: string };
      for (const m of body.value) seen.add(m.id);
      count += body.value.length;
      if (body.nextLink) {
        const next = new URL(body.nextLink, emu.endpoint);
        expect(next.origin).toBe(new URL(emu.endpoint).origin);
        expect(next.protocol).toBe('https:');
        expect(next.searchParams.get('api-version')).toBe(wireVersion);
      }
      url = body.nextLink;
    }
    expect(seen.size).toBe(count);
    expect([...existingIds].filter((id) => !seen.has(id))).toEqual([]);
  });
});

test('maxPageSize above 200 (the service maximum, reference §9) -> 400 naming maxPageSize', async () => {
  const res = await bearerRequest({
    method: 'GET',
    url: `/chat/threads/${encodeURIComponent(threadId)}/messages?maxPageSize=500&api-version=2025-03-15`,
    base: emu.endpoint,
    ca: emu.ca,
    token: alice.token,
  });
  expectChatError(res, 400, 'BadRequest', /maxPageSize/);
});

test('a tampered continuation token -> 400, not 500', async () => {
  const first = await bearerRequest({
    method: 'GET',
    url: `/chat/threads/${encodeURIComponent(threadId)}/messages?maxPageSize=5&api-version=2025-03-15`,
    base: emu.endpoint,
    ca: emu.ca,
    token: alice.token,
  });
  const next = new URL((first.json as { nextLink: string }).nextLink, emu.endpoint);
  for (const [k, v] of next.searchParams) {
    if (k !== 'api-version' && k !== 'maxPageSize') next.searchParams.set(k, `${v.slice(0, -3)}!!!`);
  }
  const res = await bearerRequest({ method: 'GET', url: next.toString(), ca: emu.ca, token: alice.token });
  expect(res.status).toBe(400);
});
