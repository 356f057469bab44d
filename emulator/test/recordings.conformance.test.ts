import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyPaths, locationShape, wireError, type Fact, type FactsFile } from './recordings/shape';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import type { RawResponse } from './support/http';
import { bearerRequest, signedRequest, threadPath } from './support/http';

// Conformance with the live service: every fact extracted from the Azure SDKs' live recordings
// (recordings/live-service-facts.json, made by recordings/extract-facts.ts) is replayed against the emulator with
// the same operation, case and api-version. A status, Content-Type or Location shape that differs, or a key path
// (with its type) that the live service returned and the emulator does not, fails the test.

const FACTS = (JSON.parse(readFileSync(join(__dirname, 'recordings', 'live-service-facts.json'), 'utf8')) as FactsFile)
  .facts;
const IDENTITY_API = '2023-10-01';
/** The id the SDK tests use for "an identity that is not ours": a well-formed id of another resource. */
const OTHER_RESOURCE_USER = '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000';
/** The inputs the recorded tests sent. */
const MALFORMED_USER = '8:acs:invalidUserId';
const MALFORMED_MESSAGE = 'invalid_chat_message_id';
const MALFORMED_THREAD = 'invalid_chat_thread_id';
const UNKNOWN_THREAD = '19:00000000000000000000000000000000@thread.v2';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const identity = (method: string, path: string, v: string, body?: object): Promise<RawResponse> =>
  signedRequest({
    method,
    url: `${path}?api-version=${v}`,
    base: emu.endpoint,
    ca: emu.ca,
    keyB64: emu.accessKey,
    ...(body ? { body } : {}),
  });
const chat = (method: string, url: string, token: string, body?: object): Promise<RawResponse> =>
  bearerRequest({ method, url, base: emu.endpoint, ca: emu.ca, token, ...(body ? { body } : {}) });
const idPath = (id: string, rest = ''): string => `/identities/${encodeURIComponent(id)}${rest}`;

interface User {
  id: string;
  token: string;
}

async function newUser(): Promise<User> {
  const res = await identity('POST', '/identities', IDENTITY_API, { createTokenWithScopes: ['chat'] });
  const body = res.json as { identity: { id: string }; accessToken: { token: string } };
  return { id: body.identity.id, token: body.accessToken.token };
}

const ident = (id: string): object => ({ rawId: id, communicationUser: { id } });

function ok(res: RawResponse): RawResponse {
  if (res.status >= 300) throw new Error(`setup request failed: ${res.status} ${res.text}`);
  return res;
}

/**
 * What the recorded tests had built before the recorded call, made at the fact's api-version: a thread with a
 * second member (display names, participant metadata), thread metadata and a retention policy, a topic change, a
 * message with metadata and one edited, a read receipt, and a deleted thread in the creator's list.
 */
interface World {
  v: string;
  alice: User;
  bob: User;
  threadId: string;
  messageId: string;
  editedId: string;
}

const worlds = new Map<string, Promise<World>>();
const worldAt = (v: string): Promise<World> => {
  let w = worlds.get(v);
  if (!w) {
    w = buildWorld(v);
    worlds.set(v, w);
  }
  return w;
};

async function createThread(v: string, alice: User, bob: User): Promise<string> {
  const res = ok(
    await chat('POST', `/chat/threads?api-version=${v}`, alice.token, {
      topic: 'test topic',
      participants: [
        { communicationIdentifier: ident(alice.id), displayName: 'Alice' },
        { communicationIdentifier: ident(bob.id), displayName: 'Bob', metadata: { userType: 'C2' } },
      ],
      metadata: { threadType: 'primary' },
      retentionPolicy: { kind: 'threadCreationDate', deleteThreadAfterDays: 90 },
    }),
  );
  return (res.json as { chatThread: { id: string } }).chatThread.id;
}

async function sendMessage(v: string, threadId: string, user: User): Promise<string> {
  const res = ok(
    await chat('POST', threadPath(threadId, '/messages', v), user.token, {
      content: 'content',
      senderDisplayName: 'Alice',
      metadata: { tags: 'sometag' },
    }),
  );
  return (res.json as { id: string }).id;
}

async function buildWorld(v: string): Promise<World> {
  const [alice, bob] = await Promise.all([newUser(), newUser()]);
  const deleted = await createThread(v, alice, bob);
  ok(await chat('DELETE', threadPath(deleted, '', v), alice.token));
  const threadId = await createThread(v, alice, bob);
  ok(await chat('PATCH', threadPath(threadId, '', v), alice.token, { topic: 'new topic' }));
  const messageId = await sendMessage(v, threadId, alice);
  const editedId = await sendMessage(v, threadId, alice);
  ok(await chat('PATCH', threadPath(threadId, `/messages/${editedId}`, v), alice.token, { content: 'edited' }));
  ok(await chat('POST', threadPath(threadId, '/readReceipts', v), alice.token, { chatMessageId: messageId }));
  return { v, alice, bob, threadId, messageId, editedId };
}

/** Follows nextLink from a first page of `maxPageSize` entries; returns every page. */
async function allPages(first: string, token: string): Promise<RawResponse[]> {
  const pages = [ok(await chat('GET', first, token))];
  for (;;) {
    const next = (pages[pages.length - 1]?.json as { nextLink?: string } | undefined)?.nextLink;
    if (next === undefined) return pages;
    pages.push(ok(await chat('GET', next, token)));
  }
}

type Driver = (w: World) => Promise<RawResponse[]>;

/** One driver per operation and case the recordings show: the emulator's answers to compare with the fact. */
const IDENTITY_DRIVERS: Record<string, (v: string) => Promise<RawResponse[]>> = {
  'CreateUser|ok': async (v) => [await identity('POST', '/identities', v)],
  'CreateUser|withToken': async (v) => [await identity('POST', '/identities', v, { createTokenWithScopes: ['chat'] })],
  'IssueAccessToken|ok': async (v) => {
    const { id } = await newUser();
    return [await identity('POST', idPath(id, '/:issueAccessToken'), v, { scopes: ['chat'] })];
  },
  'IssueAccessToken|noScopes': async (v) => {
    const { id } = await newUser();
    return [await identity('POST', idPath(id, '/:issueAccessToken'), v, { scopes: [] })];
  },
  'IssueAccessToken|identityOfAnotherResource': async (v) => [
    await identity('POST', idPath(OTHER_RESOURCE_USER, '/:issueAccessToken'), v, { scopes: ['chat', 'voip'] }),
  ],
  'RevokeAccessTokens|ok': async (v) => {
    const { id } = await newUser();
    return [await identity('POST', idPath(id, '/:revokeAccessTokens'), v)];
  },
  'RevokeAccessTokens|identityOfAnotherResource': async (v) => [
    await identity('POST', idPath(OTHER_RESOURCE_USER, '/:revokeAccessTokens'), v),
  ],
  'DeleteUser|ok': async (v) => {
    const { id } = await newUser();
    return [await identity('DELETE', idPath(id), v)];
  },
  'DeleteUser|identityOfAnotherResource': async (v) => [await identity('DELETE', idPath(OTHER_RESOURCE_USER), v)],
};

const CHAT_DRIVERS: Record<string, Driver> = {
  'CreateChatThread|ok': async ({ v, alice, bob }) => {
    const res = await chat('POST', `/chat/threads?api-version=${v}`, alice.token, {
      topic: 'test topic',
      participants: [{ communicationIdentifier: ident(alice.id) }, { communicationIdentifier: ident(bob.id) }],
      metadata: { threadType: 'primary' },
      retentionPolicy: { kind: 'threadCreationDate', deleteThreadAfterDays: 90 },
    });
    return [res];
  },
  'CreateChatThread|malformedParticipantId': async ({ v, alice }) => [
    await chat('POST', `/chat/threads?api-version=${v}`, alice.token, {
      topic: 'Test',
      participants: [{ communicationIdentifier: ident(MALFORMED_USER), displayName: 'Tester' }],
    }),
  ],
  'ListChatThreads|ok': async ({ v, alice }) => allPages(`/chat/threads?maxPageSize=1&api-version=${v}`, alice.token),
  'GetChatThreadProperties|ok': async ({ v, alice, threadId }) => [
    await chat('GET', threadPath(threadId, '', v), alice.token),
  ],
  'GetChatThreadProperties|unknownThread': async ({ v, alice }) => [
    await chat('GET', threadPath(UNKNOWN_THREAD, '', v), alice.token),
  ],
  'UpdateChatThreadProperties|ok': async ({ v, alice, threadId }) => [
    await chat('PATCH', threadPath(threadId, '', v), alice.token, { topic: 'new topic' }),
  ],
  'UpdateChatThreadProperties|clearRetentionPolicy': async ({ v, alice, threadId }) => [
    await chat('PATCH', threadPath(threadId, '', v), alice.token, { retentionPolicy: null }),
  ],
  'DeleteChatThread|ok': async ({ v, alice, bob }) => [
    await chat('DELETE', threadPath(await createThread(v, alice, bob), '', v), alice.token),
  ],
  'DeleteChatThread|malformedThreadId': async ({ v, alice }) => [
    await chat('DELETE', threadPath(MALFORMED_THREAD, '', v), alice.token),
  ],
  'SendChatMessage|ok': async ({ v, alice, threadId }) => [
    await chat('POST', threadPath(threadId, '/messages', v), alice.token, {
      content: 'Content',
      senderDisplayName: 'Tester',
      metadata: { key: 'value' },
    }),
  ],
  'GetChatMessage|ok': async ({ v, alice, threadId, messageId, editedId }) => [
    await chat('GET', threadPath(threadId, `/messages/${messageId}`, v), alice.token),
    await chat('GET', threadPath(threadId, `/messages/${editedId}`, v), alice.token),
  ],
  'ListChatMessages|ok': async ({ v, alice, threadId }) =>
    allPages(threadPath(threadId, '/messages', v).replace('?', '?maxPageSize=3&'), alice.token),
  'UpdateChatMessage|ok': async ({ v, alice, threadId }) => {
    const id = await sendMessage(v, threadId, alice);
    return [await chat('PATCH', threadPath(threadId, `/messages/${id}`, v), alice.token, { content: 'Update Test' })];
  },
  'DeleteChatMessage|ok': async ({ v, alice, threadId }) => {
    const id = await sendMessage(v, threadId, alice);
    return [await chat('DELETE', threadPath(threadId, `/messages/${id}`, v), alice.token)];
  },
  'AddChatParticipants|ok': async ({ v, alice, threadId }) => {
    const carol = await newUser();
    return [
      await chat('POST', threadPath(threadId, '/participants/:add', v), alice.token, {
        participants: [{ communicationIdentifier: ident(carol.id), displayName: 'Tester 2' }],
      }),
    ];
  },
  'RemoveChatParticipant|ok': async ({ v, alice, threadId }) => {
    const carol = await newUser();
    ok(
      await chat('POST', threadPath(threadId, '/participants/:add', v), alice.token, {
        participants: [{ communicationIdentifier: ident(carol.id) }],
      }),
    );
    return [await chat('POST', threadPath(threadId, '/participants/:remove', v), alice.token, ident(carol.id))];
  },
  'ListChatParticipants|ok': async ({ v, alice, threadId }) =>
    allPages(threadPath(threadId, '/participants', v).replace('?', '?maxPageSize=1&'), alice.token),
  'SendTypingNotification|ok': async ({ v, alice, threadId }) => [
    await chat('POST', threadPath(threadId, '/typing', v), alice.token, {}),
  ],
  'SendChatReadReceipt|ok': async ({ v, bob, threadId, messageId }) => [
    await chat('POST', threadPath(threadId, '/readReceipts', v), bob.token, { chatMessageId: messageId }),
  ],
  'ListChatReadReceipts|ok': async ({ v, alice, threadId }) => [
    await chat('GET', threadPath(threadId, '/readReceipts', v), alice.token),
  ],
};
for (const op of ['AddChatParticipants', 'RemoveChatParticipant']) {
  const rest = op === 'AddChatParticipants' ? '/participants/:add' : '/participants/:remove';
  CHAT_DRIVERS[`${op}|malformedParticipantId`] = async ({ v, alice, threadId }) => [
    await chat(
      'POST',
      threadPath(threadId, rest, v),
      alice.token,
      op === 'AddChatParticipants'
        ? { participants: [{ communicationIdentifier: ident(MALFORMED_USER), displayName: 'Tester' }] }
        : ident(MALFORMED_USER),
    ),
  ];
}
for (const [op, method] of [
  ['GetChatMessage', 'GET'],
  ['UpdateChatMessage', 'PATCH'],
  ['DeleteChatMessage', 'DELETE'],
] as const) {
  CHAT_DRIVERS[`${op}|malformedMessageId`] = async ({ v, alice, threadId }) => [
    await chat(
      method,
      threadPath(threadId, `/messages/${MALFORMED_MESSAGE}`, v),
      alice.token,
      method === 'PATCH' ? { content: 'x' } : undefined,
    ),
  ];
}

async function emulatorAnswers(f: Fact): Promise<RawResponse[]> {
  const key = `${f.operation}|${f.case}`;
  const identityDriver = IDENTITY_DRIVERS[key];
  if (identityDriver) return identityDriver(f.apiVersion);
  const chatDriver = CHAT_DRIVERS[key];
  if (!chatDriver) throw new Error(`no driver for ${key}: add one that reproduces ${f.sources.join(', ')}`);
  return chatDriver(await worldAt(f.apiVersion));
}

/** Everything in `f` the emulator's answers do not show, one line each. */
function differences(f: Fact, answers: RawResponse[]): string[] {
  const out: string[] = [];
  const keys = new Set<string>();
  for (const res of answers) {
    if (res.status !== f.status) out.push(`status ${res.status}, live ${f.status}: ${res.text}`);
    const ct = res.headers['content-type'];
    const contentType = typeof ct === 'string' ? ct : null;
    if (!f.contentType.includes(contentType)) {
      out.push(`Content-Type ${String(contentType)}, live ${f.contentType.join(' | ')}`);
    }
    const loc = res.headers.location;
    const location = typeof loc === 'string' ? locationShape(loc) : null;
    if (f.location.length > 0 && (location === null || !f.location.includes(location))) {
      out.push(`Location ${String(location)}, live ${f.location.join(' | ')}`);
    }
    if (res.json !== undefined) keyPaths(res.json, '', keys);
  }
  for (const k of f.keys) if (!keys.has(k)) out.push(`missing ${k}`);
  if (f.error) {
    const mine = answers.map((r) => wireError(r.json));
    for (const e of mine) {
      if (e?.code !== f.error.code) out.push(`error code ${String(e?.code)}, live ${String(f.error.code)}`);
      if (f.error.message !== null && e?.message !== f.error.message) {
        out.push(`error message ${JSON.stringify(e?.message)}, live ${JSON.stringify(f.error.message)}`);
      }
      if (f.error.target !== null && e?.target !== f.error.target) {
        out.push(`error target ${String(e?.target)}, live ${f.error.target}`);
      }
    }
  }
  return out;
}

test('the fixture covers every chat and identity operation the recordings show', () => {
  const operations = new Set(FACTS.map((f) => f.operation));
  expect(operations.size).toBeGreaterThanOrEqual(20);
  expect(new Set(FACTS.map((f) => f.apiVersion)).size).toBeGreaterThanOrEqual(5);
});

describe.each(FACTS.map((f) => [`${f.operation} ${f.case} @ ${f.apiVersion} -> ${f.status}`, f] as const))(
  '%s',
  (_name, fact) => {
    test('the emulator answers as the live service did', async () => {
      const answers = await emulatorAnswers(fact);
      expect(answers.length).toBeGreaterThan(0);
      expect({
        fact: `${fact.operation} ${fact.case} @ ${fact.apiVersion}`,
        differences: differences(fact, answers),
      }).toEqual({
        fact: `${fact.operation} ${fact.case} @ ${fact.apiVersion}`,
        differences: [],
      });
    });
  },
);
