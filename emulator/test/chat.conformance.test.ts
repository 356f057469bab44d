import type { ChatClient, ChatMessage, ChatThreadClient } from '@azure/communication-chat';
import type { CommunicationIdentifier } from '@azure/communication-common';
import { getIdentifierRawId } from '@azure/communication-common';
import type { CommunicationIdentityClient } from '@azure/communication-identity';
import type { TestUser } from './support/clients';
import { all, API_VERSIONS, chatClient, identityClient, newUser, statusOf } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import { bearerRequest } from './support/http';

// Every chat operation through the unmodified @azure/communication-chat SDK, once on the SDK's default api-version
// (2025-03-15) and once with `apiVersion: "2021-09-07"` (reference §1, §5, §6, §7).

const EPOCH = new Date(0);
const THREAD_ID = /^19:[A-Za-z0-9_-]+@thread\.v2$/;
const rawId = (id: CommunicationIdentifier | undefined): string | undefined =>
  id ? getIdentifierRawId(id) : undefined;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let emu: TestEmulator;
let identity: CommunicationIdentityClient;

beforeAll(async () => {
  emu = await startTestEmulator();
  identity = identityClient(emu);
});
afterAll(async () => {
  await emu?.close();
});

describe.each(API_VERSIONS)('chat conformance, api-version $label', ({ apiVersion, modern }) => {
  const wireVersion = apiVersion ?? '2025-03-15';
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceChat: ChatClient;
  let bobChat: ChatClient;

  const clientFor = (u: TestUser): ChatClient => chatClient(emu, u.token, apiVersion ? { apiVersion } : {});

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([newUser(identity), newUser(identity), newUser(identity)]);
    aliceChat = clientFor(alice);
    bobChat = clientFor(bob);
  });

  async function newThread(topic = 'conformance'): Promise<ChatThreadClient> {
    const res = await aliceChat.createChatThread({ topic }, { participants: [{ id: bob.user, displayName: 'Bob' }] });
    return aliceChat.getChatThreadClient(res.chatThread?.id ?? '');
  }

  test('createChatThread with participants returns the thread (and only 2025-03-15 fields on that version)', async () => {
    const before = Date.now();
    const options = modern
      ? {
          participants: [{ id: bob.user, displayName: 'Bob', metadata: { role: 'agent' } }],
          metadata: { team: 'blue', tier: 'gold' },
          retentionPolicy: { kind: 'threadCreationDate' as const, deleteThreadAfterDays: 40 },
        }
      : { participants: [{ id: bob.user, displayName: 'Bob' }] };
    const res = await aliceChat.createChatThread({ topic: 'Hello' }, options);
    expect(res.invalidParticipants ?? []).toEqual([]);
    const t = res.chatThread;
    expect(t?.id).toMatch(THREAD_ID);
    expect(t?.topic).toBe('Hello');
    expect(t?.createdOn).toBeInstanceOf(Date);
    // second-precision timestamps are allowed, so compare with one second of slack
    expect(t?.createdOn.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(rawId(t?.createdBy)).toBe(alice.id);
    expect(t?.deletedOn).toBeUndefined();
    if (modern) {
      expect(t?.metadata).toEqual({ team: 'blue', tier: 'gold' });
      expect(t?.retentionPolicy).toEqual({ kind: 'threadCreationDate', deleteThreadAfterDays: 40 });
      const participants = await all(aliceChat.getChatThreadClient(t?.id ?? '').listParticipants());
      const b = participants.find((p) => rawId(p.id) === bob.id);
      expect(b?.metadata).toEqual({ role: 'agent' });
    } else {
      expect(t?.metadata).toBeUndefined();
      expect(t?.retentionPolicy).toBeUndefined();
    }
  });

  test('createChatThread wire: 201 + Location header naming the thread', async () => {
    const res = await bearerRequest({
      method: 'POST',
      url: `/chat/threads?api-version=${wireVersion}`,
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
      headers: { 'repeatability-request-id': crypto.randomUUID() },
      body: { topic: 'wire' },
    });
    expect(res.status).toBe(201);
    const body = res.json as { chatThread: { id: string; topic: string; createdOn: string } };
    expect(body.chatThread.id).toMatch(THREAD_ID);
    expect(body).not.toHaveProperty('invalidParticipants');
    const location = String(res.headers.location ?? '');
    expect(decodeURIComponent(location)).toContain(`/chat/threads/${body.chatThread.id}`);
    if (!modern) expect(body.chatThread).not.toHaveProperty('metadata');
  });

  test('createChatThread with the same idempotencyToken returns the same thread, not a second one', async () => {
    const token = crypto.randomUUID();
    const a = await aliceChat.createChatThread({ topic: 'idem' }, { idempotencyToken: token });
    const b = await aliceChat.createChatThread({ topic: 'idem' }, { idempotencyToken: token });
    expect(b.chatThread?.id).toBe(a.chatThread?.id);
    const threads = await all(aliceChat.listChatThreads());
    expect(threads.filter((t) => t.id === a.chatThread?.id)).toHaveLength(1);
  });

  test('listChatThreads pages with maxPageSize, lists every thread once, and filters by startTime', async () => {
    const dave = await newUser(identity);
    const daveChat = clientFor(dave);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await daveChat.createChatThread({ topic: `t${i}` })).chatThread?.id ?? '');
    const pages: string[][] = [];
    for await (const page of daveChat.listChatThreads({ maxPageSize: 2 }).byPage()) pages.push(page.map((t) => t.id));
    expect(pages.length).toBe(3);
    for (const p of pages) expect(p.length).toBeLessThanOrEqual(2);
    const listed = pages.flat();
    expect([...listed].sort()).toEqual([...ids].sort());
    const items = await all(daveChat.listChatThreads());
    const item = items.find((t) => t.id === ids[0]);
    expect(item?.topic).toBe('t0');
    // startTime in the future: nothing changed since then
    const future = await all(daveChat.listChatThreads({ startTime: new Date(Date.now() + 3_600_000) }));
    expect(future).toEqual([]);
    const past = await all(daveChat.listChatThreads({ startTime: new Date(Date.now() - 3_600_000) }));
    expect(past.map((t) => t.id).sort()).toEqual([...ids].sort());
    // threads Dave is not in are not listed
    expect(listed).not.toContain((await aliceChat.createChatThread({ topic: 'not dave' })).chatThread?.id);
  });

  test('listChatThreads nextLink is absolute-or-relative on the same endpoint and carries api-version', async () => {
    const erin = await newUser(identity);
    const erinChat = clientFor(erin);
    for (let i = 0; i < 3; i++) await erinChat.createChatThread({ topic: `e${i}` });
    const res = await bearerRequest({
      method: 'GET',
      url: `/chat/threads?maxPageSize=1&api-version=${wireVersion}`,
      base: emu.endpoint,
      ca: emu.ca,
      token: erin.token,
    });
    expect(res.status).toBe(200);
    const body = res.json as { value: unknown[]; nextLink?: string };
    expect(body.value).toHaveLength(1);
    const next = new URL(body.nextLink ?? '', emu.endpoint);
    expect(next.origin).toBe(new URL(emu.endpoint).origin);
    expect(next.searchParams.get('api-version')).toBe(wireVersion);
  });

  test('getProperties returns id, topic, createdOn, createdBy', async () => {
    const thread = await newThread('props');
    const p = await thread.getProperties();
    expect(p.id).toBe(thread.threadId);
    expect(p.topic).toBe('props');
    expect(p.createdOn).toBeInstanceOf(Date);
    expect(rawId(p.createdBy)).toBe(alice.id);
    // a member other than the creator may read it too
    expect((await bobChat.getChatThreadClient(thread.threadId).getProperties()).topic).toBe('props');
  });

  test('updateTopic changes the topic and posts a topicUpdated message with the initiator', async () => {
    const thread = await newThread('old topic');
    await thread.updateTopic('new topic');
    expect((await thread.getProperties()).topic).toBe('new topic');
    const msgs = await all(thread.listMessages());
    const latest = msgs[0];
    expect(latest?.type).toBe('topicUpdated');
    expect(latest?.content?.topic).toBe('new topic');
    expect(rawId(latest?.content?.initiator)).toBe(alice.id);
    expect(latest?.sender).toBeUndefined();
  });

  if (modern) {
    test('updateProperties merges metadata (keys not sent are kept) and updates retention', async () => {
      const res = await aliceChat.createChatThread({ topic: 'meta' }, { metadata: { a: '1', b: '2' } });
      const thread = aliceChat.getChatThreadClient(res.chatThread?.id ?? '');
      await thread.updateProperties({ metadata: { b: '3', c: '4' } });
      let p = await thread.getProperties();
      expect(p.metadata).toEqual({ a: '1', b: '3', c: '4' });
      expect(p.topic).toBe('meta');
      await thread.updateProperties({ topic: 'meta2', retentionPolicy: { kind: 'none' } });
      p = await thread.getProperties();
      expect(p.topic).toBe('meta2');
      expect(p.metadata).toEqual({ a: '1', b: '3', c: '4' });
      expect(p.retentionPolicy).toEqual({ kind: 'none' });
    });

    test('updateProperties wire: PATCH merge-patch+json -> 204', async () => {
      const thread = await newThread('patch');
      const res = await bearerRequest({
        method: 'PATCH',
        url: `/chat/threads/${encodeURIComponent(thread.threadId)}?api-version=${wireVersion}`,
        base: emu.endpoint,
        ca: emu.ca,
        token: alice.token,
        headers: { 'content-type': 'application/merge-patch+json' },
        body: { metadata: { k: 'v' } },
      });
      expect(res.status).toBe(204);
      expect((await thread.getProperties()).metadata).toEqual({ k: 'v' });
    });
  } else {
    test('2021-09-07 responses do not expose 2025-03-15 fields (thread metadata, retention, participant metadata)', async () => {
      const modernAlice = chatClient(emu, alice.token);
      const res = await modernAlice.createChatThread(
        { topic: 'versions' },
        {
          participants: [{ id: bob.user, metadata: { m: '1' } }],
          metadata: { x: 'y' },
          retentionPolicy: { kind: 'none' },
        },
      );
      const id = encodeURIComponent(res.chatThread?.id ?? '');
      const props = await bearerRequest({
        method: 'GET',
        url: `/chat/threads/${id}?api-version=2021-09-07`,
        base: emu.endpoint,
        ca: emu.ca,
        token: alice.token,
      });
      expect(props.status).toBe(200);
      expect(props.json).not.toHaveProperty('metadata');
      expect(props.json).not.toHaveProperty('retentionPolicy');
      const parts = await bearerRequest({
        method: 'GET',
        url: `/chat/threads/${id}/participants?api-version=2021-09-07`,
        base: emu.endpoint,
        ca: emu.ca,
        token: alice.token,
      });
      for (const p of (parts.json as { value: object[] }).value) expect(p).not.toHaveProperty('metadata');
    });
  }

  test('sendMessage (text, metadata, senderDisplayName) then getMessage returns every field', async () => {
    const thread = await newThread();
    const before = Date.now();
    const sent = await thread.sendMessage(
      { content: 'hello world' },
      { senderDisplayName: 'Alice', metadata: { tag: 'greeting' } },
    );
    expect(typeof sent.id).toBe('string');
    const m = await thread.getMessage(sent.id);
    expect(m.id).toBe(sent.id);
    expect(m.type).toBe('text');
    expect(m.content?.message).toBe('hello world');
    expect(m.senderDisplayName).toBe('Alice');
    expect(rawId(m.sender)).toBe(alice.id);
    expect(m.metadata).toEqual({ tag: 'greeting' });
    expect(m.version).toBe(m.id);
    expect(m.sequenceId).toMatch(/^\d+$/);
    expect(m.createdOn).toBeInstanceOf(Date);
    expect(m.createdOn.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(m.editedOn).toBeUndefined();
    expect(m.deletedOn).toBeUndefined();
  });

  test('sendMessage html, and a message without display name has senderDisplayName ""', async () => {
    const thread = await newThread();
    const html = await thread.sendMessage({ content: '<b>bold</b>' }, { type: 'html' });
    const m = await thread.getMessage(html.id);
    expect(m.type).toBe('html');
    expect(m.content?.message).toBe('<b>bold</b>');
    // reference §7: a user message sent without a display name returns senderDisplayName ""
    const raw = await bearerRequest({
      method: 'GET',
      url: `/chat/threads/${encodeURIComponent(thread.threadId)}/messages/${html.id}?api-version=${wireVersion}`,
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
    });
    expect((raw.json as { senderDisplayName?: string }).senderDisplayName).toBe('');
  });

  test('sendMessage wire: 201 {id} + Location header naming the message', async () => {
    const thread = await newThread();
    const res = await bearerRequest({
      method: 'POST',
      url: `/chat/threads/${encodeURIComponent(thread.threadId)}/messages?api-version=${wireVersion}`,
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
      body: { content: 'wire' },
    });
    expect(res.status).toBe(201);
    const { id } = res.json as { id: string };
    expect(id).toMatch(/^\d+$/);
    expect(decodeURIComponent(String(res.headers.location ?? ''))).toContain(
      `/chat/threads/${thread.threadId}/messages/${id}`,
    );
  });

  test('listMessages: newest first; participantAdded (seq 1) and topicUpdated (seq 2) system messages at creation', async () => {
    const res = await aliceChat.createChatThread(
      { topic: 'sys' },
      { participants: [{ id: bob.user, displayName: 'Bob' }] },
    );
    const thread = aliceChat.getChatThreadClient(res.chatThread?.id ?? '');
    const m1 = await thread.sendMessage({ content: 'one' });
    await sleep(2); // distinct ms ids even on a fast machine
    const m2 = await bobChat.getChatThreadClient(thread.threadId).sendMessage({ content: 'two' });
    const msgs = await all(thread.listMessages());
    expect(msgs.map((m) => m.type)).toEqual(['text', 'text', 'topicUpdated', 'participantAdded']);
    expect(msgs.map((m) => m.sequenceId)).toEqual(['4', '3', '2', '1']);
    expect(msgs[0]?.id).toBe(m2.id);
    expect(msgs[1]?.id).toBe(m1.id);
    for (const m of msgs) {
      expect(m.version).toBe(m.id);
      expect(m.id).toMatch(/^\d+$/);
    }
    const [added, topic] = [msgs[3] as ChatMessage, msgs[2] as ChatMessage];
    expect(rawId(added.content?.initiator)).toBe(alice.id);
    expect(added.sender).toBeUndefined();
    const addedIds = (added.content?.participants ?? []).map((p) => rawId(p.id)).sort();
    expect(addedIds).toEqual([alice.id, bob.id].sort());
    for (const p of added.content?.participants ?? []) expect(p.shareHistoryTime).toEqual(EPOCH);
    expect(added.content?.participants?.find((p) => rawId(p.id) === bob.id)?.displayName).toBe('Bob');
    expect(topic.content?.topic).toBe('sys');
    expect(rawId(topic.content?.initiator)).toBe(alice.id);
    expect(topic.sender).toBeUndefined();
    // system messages: no sender fields on the wire
    const raw = await bearerRequest({
      method: 'GET',
      url: `/chat/threads/${encodeURIComponent(thread.threadId)}/messages?api-version=${wireVersion}`,
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
    });
    const wire = (raw.json as { value: Record<string, unknown>[] }).value;
    const sys = wire.filter((m) => m.type === 'topicUpdated' || m.type === 'participantAdded');
    expect(sys).toHaveLength(2);
    for (const m of sys) {
      expect(m).not.toHaveProperty('senderCommunicationIdentifier');
      expect(m).not.toHaveProperty('senderDisplayName');
    }
  });

  test('listMessages honours maxPageSize and startTime', async () => {
    const thread = await newThread();
    for (let i = 0; i < 5; i++) await thread.sendMessage({ content: `m${i}` });
    const pages: ChatMessage[][] = [];
    for await (const page of thread.listMessages({ maxPageSize: 3 }).byPage()) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]); // 5 + 2 system messages
    const future = await all(thread.listMessages({ startTime: new Date(Date.now() + 3_600_000) }));
    expect(future).toEqual([]);
  });

  test('updateMessage changes content and metadata and sets editedOn', async () => {
    const thread = await newThread();
    const { id } = await thread.sendMessage({ content: 'draft' }, { metadata: { v: '1' } });
    await thread.updateMessage(id, { content: 'final', metadata: { v: '2' } });
    const m = await thread.getMessage(id);
    expect(m.content?.message).toBe('final');
    expect(m.metadata).toEqual({ v: '2' });
    expect(m.editedOn).toBeInstanceOf(Date);
    expect(m.id).toBe(id);
  });

  test('updateMessage gives the message a new version and the next sequenceId (it lists first)', async () => {
    // live recordings (azure-sdk-for-android canUpdateExistingMessage, 2021-09-07): sequenceId 3 -> 4 on edit
    const thread = await newThread();
    const a = await thread.sendMessage({ content: 'a' });
    await sleep(2);
    const b = await thread.sendMessage({ content: 'b' });
    await sleep(2);
    await thread.updateMessage(a.id, { content: 'a2' });
    const m = await thread.getMessage(a.id);
    expect(m.sequenceId).toBe('5'); // 1, 2 system; a 3, b 4; the edit 5
    expect(BigInt(m.version) > BigInt(b.id)).toBe(true);
    const listed = await all(thread.listMessages());
    expect(listed.map((x) => [x.id, x.sequenceId])).toEqual([
      [a.id, '5'],
      [b.id, '4'],
      [listed[2]?.id, '2'],
      [listed[3]?.id, '1'],
    ]);
  });

  test('a deleted message lists and gets cleanly: deletedOn, empty content, new version, next sequenceId', async () => {
    // live recordings (azure-sdk-for-net ThreadCGUD_ParticipantAUR_MessageGSU_NotificationT*): after a delete the
    // message is still listed with its id, type, sender and createdOn, `deletedOn`, a new version, a higher
    // sequenceId and content {"message": ""}; an earlier edit's editedOn is no longer shown.
    const thread = await newThread();
    const gone = await thread.sendMessage(
      { content: 'oops' },
      { senderDisplayName: 'Alice', metadata: { k: 'v' }, type: 'html' },
    );
    await sleep(2);
    const kept = await thread.sendMessage({ content: 'kept' });
    await thread.updateMessage(gone.id, { content: 'oops, edited' });
    const edited = await thread.getMessage(gone.id);
    await sleep(2);
    await thread.deleteMessage(gone.id);
    const listed = await all(thread.listMessages());
    expect(listed.map((x) => x.sequenceId)).toEqual(['6', '4', '2', '1']); // sent 3, edited 5, deleted 6
    const [first, second] = listed;
    expect(first?.id).toBe(gone.id);
    expect(second?.id).toBe(kept.id);
    for (const m of [first, await thread.getMessage(gone.id)]) {
      expect(m?.type).toBe('html');
      expect(m?.sequenceId).toBe('6');
      expect(BigInt(m?.version ?? '0') > BigInt(edited.version)).toBe(true);
      expect(m?.deletedOn).toBeInstanceOf(Date);
      expect(m?.content?.message).toBe('');
      expect(m?.senderDisplayName).toBe('Alice');
      expect(rawId(m?.sender)).toBe(alice.id);
      expect(m?.createdOn.getTime()).toBe(edited.createdOn.getTime());
      expect(m?.editedOn).toBeUndefined();
      expect(m?.metadata).toBeUndefined();
    }
    // the other member sees the same
    expect((await bobChat.getChatThreadClient(thread.threadId).getMessage(gone.id)).content?.message).toBe('');
    // on the wire: content is present as {"message": ""}, never absent
    const path = `/chat/threads/${encodeURIComponent(thread.threadId)}/messages`;
    for (const url of [`${path}?api-version=${wireVersion}`, `${path}/${gone.id}?api-version=${wireVersion}`]) {
      const res = await bearerRequest({ method: 'GET', url, base: emu.endpoint, ca: emu.ca, token: alice.token });
      expect(res.status).toBe(200);
      const body = res.json as Record<string, unknown> & { value?: Record<string, unknown>[] };
      const wire = body.value ? body.value[0] : body;
      expect(Object.keys(wire ?? {})).toEqual([
        'id',
        'type',
        'sequenceId',
        'version',
        'content',
        'senderDisplayName',
        'createdOn',
        'senderCommunicationIdentifier',
        'deletedOn',
      ]);
      expect(wire?.['content']).toEqual({ message: '' });
    }
    // deleting again is idempotent and changes nothing
    await thread.deleteMessage(gone.id);
    expect((await thread.getMessage(gone.id)).sequenceId).toBe('6');
  });

  test('addParticipants: 201 without invalidParticipants, participantAdded message with initiator', async () => {
    const thread = await newThread();
    const res = await thread.addParticipants({
      participants: [{ id: carol.user, displayName: 'Carol', ...(modern ? { metadata: { dept: 'ops' } } : {}) }],
    });
    expect(res.invalidParticipants ?? []).toEqual([]);
    const latest = (await all(thread.listMessages({ maxPageSize: 1 })))[0];
    expect(latest?.type).toBe('participantAdded');
    expect(rawId(latest?.content?.initiator)).toBe(alice.id);
    expect((latest?.content?.participants ?? []).map((p) => rawId(p.id))).toEqual([carol.id]);
    const parts = await all(thread.listParticipants());
    const c = parts.find((p) => rawId(p.id) === carol.id);
    expect(c?.displayName).toBe('Carol');
    if (modern) expect(c?.metadata).toEqual({ dept: 'ops' });
    // adding an existing participant changes nothing
    await thread.addParticipants({ participants: [{ id: carol.user, displayName: 'Carol' }] });
    expect(await all(thread.listParticipants())).toHaveLength(3);
  });

  test('addParticipants wire: 201 with body {}', async () => {
    const thread = await newThread();
    const dave = await newUser(identity);
    const res = await bearerRequest({
      method: 'POST',
      url: `/chat/threads/${encodeURIComponent(thread.threadId)}/participants/:add?api-version=${wireVersion}`,
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
      body: { participants: [{ communicationIdentifier: { rawId: dave.id, communicationUser: { id: dave.id } } }] },
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({});
  });

  test('listParticipants: shareHistoryTime defaults to epoch, skip and maxPageSize page through all', async () => {
    const thread = await newThread();
    const extra = await Promise.all([newUser(identity), newUser(identity), newUser(identity)]);
    await thread.addParticipants({ participants: extra.map((u) => ({ id: u.user })) });
    const everyone = await all(thread.listParticipants());
    expect(everyone.map((p) => rawId(p.id)).sort()).toEqual([alice.id, bob.id, ...extra.map((u) => u.id)].sort());
    for (const p of everyone) expect(p.shareHistoryTime).toEqual(EPOCH);
    expect(everyone.find((p) => rawId(p.id) === extra[0]?.id)?.displayName).toBeUndefined();

    const pages: string[][] = [];
    for await (const page of thread.listParticipants({ maxPageSize: 2 }).byPage()) {
      pages.push(page.map((p) => rawId(p.id) ?? ''));
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().sort()).toEqual(everyone.map((p) => rawId(p.id)).sort());

    const skipped = await all(thread.listParticipants({ skip: 2 }));
    expect(skipped).toHaveLength(3);
    expect(skipped.map((p) => rawId(p.id))).toEqual(everyone.slice(2).map((p) => rawId(p.id)));
  });

  test('removeParticipant removes the member and posts participantRemoved with initiator', async () => {
    const thread = await newThread();
    await thread.addParticipants({ participants: [{ id: carol.user }] });
    await thread.removeParticipant(carol.user);
    const ids = (await all(thread.listParticipants())).map((p) => rawId(p.id));
    expect(ids).not.toContain(carol.id);
    const latest = (await all(thread.listMessages({ maxPageSize: 1 })))[0];
    expect(latest?.type).toBe('participantRemoved');
    expect((latest?.content?.participants ?? []).map((p) => rawId(p.id))).toEqual([carol.id]);
    expect(rawId(latest?.content?.initiator)).toBe(alice.id);
  });

  test('sendReadReceipt / listReadReceipts (with skip)', async () => {
    const thread = await newThread();
    const { id } = await thread.sendMessage({ content: 'read me' });
    const bobThread = bobChat.getChatThreadClient(thread.threadId);
    await bobThread.sendReadReceipt({ chatMessageId: id });
    await thread.sendReadReceipt({ chatMessageId: id });
    const receipts = await all(thread.listReadReceipts());
    expect(receipts.map((r) => rawId(r.sender)).sort()).toEqual([alice.id, bob.id].sort());
    for (const r of receipts) {
      expect(r.chatMessageId).toBe(id);
      expect(r.readOn).toBeInstanceOf(Date);
    }
    const skipped = await all(thread.listReadReceipts({ skip: 1 }));
    expect(skipped).toHaveLength(1);
    expect(rawId(skipped[0]?.sender)).toBe(rawId(receipts[1]?.sender));
  });

  test('sendTypingNotification (with and without senderDisplayName) -> 200', async () => {
    const thread = await newThread();
    expect(await thread.sendTypingNotification()).toBe(true);
    // a fresh client: the SDK suppresses repeats within 8 s per client
    const again = bobChat.getChatThreadClient(thread.threadId);
    expect(await again.sendTypingNotification({ senderDisplayName: 'Bob' })).toBe(true);
    const raw = await bearerRequest({
      method: 'POST',
      url: `/chat/threads/${encodeURIComponent(thread.threadId)}/typing?api-version=${wireVersion}`,
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
      body: {},
    });
    expect(raw.status).toBe(200);
    expect(raw.text).toBe('');
  });

  test('deleteChatThread -> 204; the thread is gone for its members', async () => {
    const thread = await newThread();
    await aliceChat.deleteChatThread(thread.threadId);
    const status = await statusOf(thread.getProperties());
    expect(status).toBe(404); // reference §7 leaves 403 vs 404 open; the emulator README documents 404
    expect(await statusOf(thread.sendMessage({ content: 'late' }))).toBe(status);
  });
});
