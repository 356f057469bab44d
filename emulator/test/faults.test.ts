import type { ChatClient, ChatThreadClient } from '@azure/communication-chat';
import { getIdentifierRawId } from '@azure/communication-common';
import type { CommunicationIdentityClient } from '@azure/communication-identity';
import type { FaultRule } from './support/admin';
import { Admin } from './support/admin';
import type { TestUser } from './support/clients';
import { all, chatClient, identityClient, newUser, statusOf } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import { expectChatError, expectIdentityError } from './support/errors';
import { bearerRequest, rawRequest, signedRequest } from './support/http';

// Fault injection observed through the SDK (contract: admin API, FaultSpec) and the SDK retry rules (reference §8).

let emu: TestEmulator;
let admin: Admin;
let identity: CommunicationIdentityClient;
let alice: TestUser;
let bob: TestUser;
let aliceChat: ChatClient;
let thread: ChatThreadClient;

beforeAll(async () => {
  emu = await startTestEmulator();
  admin = new Admin(emu);
});
afterAll(async () => {
  await emu?.close();
});

beforeEach(async () => {
  await admin.reset();
  identity = identityClient(emu);
  [alice, bob] = await Promise.all([newUser(identity), newUser(identity)]);
  aliceChat = chatClient(emu, alice.token);
  const res = await aliceChat.createChatThread({ topic: 'faults' }, { participants: [{ id: bob.user }] });
  thread = aliceChat.getChatThreadClient(res.chatThread?.id ?? '');
});

/** A one-shot rule is consumed when it is gone or has nothing remaining. */
async function consumed(rule: FaultRule): Promise<boolean> {
  const now = await admin.fault(rule.id);
  return now === undefined || now.remaining === 0;
}

async function userMessages(): Promise<number> {
  return (await all(thread.listMessages())).filter((m) => m.type === 'text').length;
}

describe('status faults', () => {
  test('429 with Retry-After: the SDK waits and retries, then succeeds', async () => {
    const rule = await admin.addFault({
      kind: 'status',
      operation: 'SendChatMessage',
      status: 429,
      retryAfterSeconds: 1,
      count: 2,
    });
    expect(rule.remaining).toBe(2);
    const res = await thread.sendMessage({ content: 'after throttling' });
    expect(res.id).toBeTruthy();
    expect(await consumed(rule)).toBe(true); // two 429s were answered, so the SDK sent three requests
    expect(await userMessages()).toBe(1); // the rejected attempts changed nothing
  });

  test('429 with Retry-After: wire carries the header and the ACS error body', async () => {
    await admin.addFault({
      kind: 'status',
      operation: 'GetChatThreadProperties',
      status: 429,
      retryAfterSeconds: 7,
      count: 1,
    });
    const res = await bearerRequest({
      method: 'GET',
      url: `/chat/threads/${encodeURIComponent(thread.threadId)}?api-version=2025-03-15`,
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
    });
    expectChatError(res, 429, 'TooManyRequests');
    expect(res.headers['retry-after']).toBe('7');
  });

  test('429 without Retry-After: the SDK throws 429 at once (no retry)', async () => {
    const rule = await admin.addFault({ kind: 'status', operation: 'SendChatMessage', status: 429, count: 2 });
    expect(await statusOf(thread.sendMessage({ content: 'x' }))).toBe(429);
    // exactly one attempt: one of the two shots is left
    expect((await admin.fault(rule.id))?.remaining).toBe(1);
    expect(await userMessages()).toBe(0);
  });

  test('429 without Retry-After has no Retry-After header on the wire', async () => {
    await admin.addFault({ kind: 'status', operation: 'ListChatThreads', status: 429, count: 1 });
    const res = await bearerRequest({
      method: 'GET',
      url: '/chat/threads?api-version=2025-03-15',
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
    });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeUndefined();
  });

  test.each([500, 503])('%i once: the SDK retries and succeeds', async (status) => {
    const rule = await admin.addFault({ kind: 'status', operation: 'SendChatMessage', status, count: 1 });
    await expect(thread.sendMessage({ content: 'eventually' })).resolves.toHaveProperty('id');
    expect(await consumed(rule)).toBe(true);
    expect(await userMessages()).toBe(1);
  });

  test.each([500, 503])('%i on every attempt: the SDK gives up after 4 attempts with that status', async (status) => {
    // 5 shots: the SDK's default policy makes 4 attempts (1 + 3 retries), leaving exactly one
    const rule = await admin.addFault({ kind: 'status', operation: 'SendChatMessage', status, count: 5 });
    expect(await statusOf(thread.sendMessage({ content: 'never' }))).toBe(status);
    expect((await admin.fault(rule.id))?.remaining).toBe(1);
    expect(await userMessages()).toBe(0);
  });

  test('an operation-scoped rule leaves other operations alone; "*" hits them all', async () => {
    await admin.addFault({ kind: 'status', operation: 'SendChatMessage', status: 500 });
    await expect(thread.getProperties()).resolves.toHaveProperty('topic', 'faults');
    await admin.clearFaults();
    await admin.addFault({ kind: 'status', operation: '*', status: 500 });
    expect(await statusOf(thread.getProperties())).toBe(500);
    expect(await statusOf(identity.createUser())).toBe(500);
    await admin.clearFaults();
    await expect(thread.getProperties()).resolves.toHaveProperty('topic', 'faults');
  });

  test('a thread-scoped rule hits only calls on that thread, and is consumed by them alone', async () => {
    const other = await aliceChat.createChatThread({ topic: 'untouched' });
    const otherThread = aliceChat.getChatThreadClient(other.chatThread?.id ?? '');
    const rule = await admin.addFault({
      kind: 'status',
      operation: 'SendChatMessage',
      threadId: thread.threadId,
      status: 400,
      count: 1,
    });
    await expect(otherThread.sendMessage({ content: 'elsewhere' })).resolves.toHaveProperty('id');
    expect(await consumed(rule)).toBe(false);
    expect(await statusOf(thread.sendMessage({ content: 'here' }))).toBe(400);
    expect(await consumed(rule)).toBe(true);
    await expect(thread.sendMessage({ content: 'here again' })).resolves.toHaveProperty('id');
    // Calls that name no thread are never hit by a thread-scoped rule.
    await admin.addFault({ kind: 'status', operation: '*', threadId: thread.threadId, status: 500 });
    await expect(identity.createUser()).resolves.toHaveProperty('communicationUserId');
  });

  test('rate 0 never fires; a rule without count stays until deleted', async () => {
    const never = await admin.addFault({ kind: 'status', operation: 'GetChatThreadProperties', status: 500, rate: 0 });
    for (let i = 0; i < 5; i++) await thread.getProperties();
    const res = await admin.request('DELETE', `/admin/faults/${never.id}`);
    expect(res.status).toBe(204);
    const sticky = await admin.addFault({ kind: 'status', operation: 'GetChatThreadProperties', status: 503 });
    expect(await statusOf(thread.getProperties())).toBe(503);
    expect(await statusOf(thread.getProperties())).toBe(503);
    expect(await admin.fault(sticky.id)).toBeDefined();
    await admin.request('DELETE', `/admin/faults/${sticky.id}`);
    expect(await admin.fault(sticky.id)).toBeUndefined();
    await expect(thread.getProperties()).resolves.toHaveProperty('id');
  });

  test('faults apply after authentication: a bad token still gets 401', async () => {
    await admin.addFault({ kind: 'status', operation: '*', status: 503 });
    const res = await bearerRequest({
      method: 'GET',
      url: '/chat/threads?api-version=2025-03-15',
      base: emu.endpoint,
      ca: emu.ca,
      token: 'not-a-token',
    });
    expect(res.status).toBe(401);
  });

  test('identity operations can be faulted too (CreateUser 503 once -> retried)', async () => {
    const rule = await admin.addFault({ kind: 'status', operation: 'CreateUser', status: 503, count: 1 });
    await expect(identity.createUser()).resolves.toHaveProperty('communicationUserId');
    expect(await consumed(rule)).toBe(true);
  });
});

describe('latency faults', () => {
  test('a one-shot latency rule delays one call and is consumed; the call still succeeds', async () => {
    const rule = await admin.addFault({
      kind: 'latency',
      operation: 'GetChatThreadProperties',
      latencyMs: 300,
      count: 1,
    });
    expect(rule.remaining).toBe(1);
    await expect(thread.getProperties()).resolves.toHaveProperty('topic', 'faults');
    expect(await consumed(rule)).toBe(true);
  });

  test('a latency rule for another operation is not consumed', async () => {
    const rule = await admin.addFault({ kind: 'latency', operation: 'DeleteChatThread', latencyMs: 300, count: 1 });
    await thread.getProperties();
    expect((await admin.fault(rule.id))?.remaining).toBe(1);
  });
});

describe('invalidParticipant faults', () => {
  test('addParticipants reports the listed user in invalidParticipants (201) and does not add it', async () => {
    const [carol, dave] = await Promise.all([newUser(identity), newUser(identity)]);
    await admin.addFault({ kind: 'invalidParticipant', userIds: [carol.id], code: 'Forbidden', message: 'nope' });
    const res = await thread.addParticipants({ participants: [{ id: carol.user }, { id: dave.user }] });
    expect(res.invalidParticipants).toHaveLength(1);
    const err = res.invalidParticipants?.[0];
    expect(err?.target).toBe(carol.id);
    expect(err?.code).toBe('Forbidden');
    expect(err?.message).toBe('nope');
    const members = (await all(thread.listParticipants())).map((p) => getIdentifierRawId(p.id));
    expect(members).toContain(dave.id);
    expect(members).not.toContain(carol.id);
    // the participantAdded system message names only the one really added
    const latest = (await all(thread.listMessages({ maxPageSize: 1 })))[0];
    expect(latest?.type).toBe('participantAdded');
    expect((latest?.content?.participants ?? []).map((p) => getIdentifierRawId(p.id))).toEqual([dave.id]);
  });

  test('createChatThread reports the listed user in invalidParticipants and creates the thread without it', async () => {
    const carol = await newUser(identity);
    await admin.addFault({ kind: 'invalidParticipant', userIds: [carol.id] });
    const res = await aliceChat.createChatThread(
      { topic: 'partial' },
      { participants: [{ id: bob.user }, { id: carol.user }] },
    );
    expect(res.chatThread?.id).toBeTruthy();
    expect(res.invalidParticipants?.map((e) => e.target)).toEqual([carol.id]);
    expect(typeof res.invalidParticipants?.[0]?.code).toBe('string');
    const members = await all(aliceChat.getChatThreadClient(res.chatThread?.id ?? '').listParticipants());
    expect(members.map((p) => getIdentifierRawId(p.id)).sort()).toEqual([alice.id, bob.id].sort());
  });
});

describe('admin API', () => {
  test('state counts users, threads, messages, participants; reset clears state and faults', async () => {
    await thread.sendMessage({ content: 'count me' });
    await admin.addFault({ kind: 'latency', latencyMs: 1, rate: 0 });
    const s = await admin.state();
    expect(s.users).toBe(2);
    expect(s.threads).toBe(1);
    expect(s.participants).toBe(2);
    // every stored message counts, system ones included: participantAdded + topicUpdated + the user message
    expect(s.messages).toBe(3);
    expect(s.faults).toHaveLength(1);
    expect(s.throttling).toBe(false);
    expect(s.calls).toMatchObject({ CreateChatThread: 1, SendChatMessage: 1 });
    await admin.reset();
    const after = await admin.state();
    expect(after).toEqual({
      users: 0,
      threads: 0,
      messages: 0,
      participants: 0,
      faults: [],
      throttling: false,
      eventDelivery: { delivered: 0, failed: 0, pending: 0 },
      calls: {},
    });
    // after reset the old user is unknown: its token no longer works
    expect(await statusOf(thread.getProperties())).toBe(401);
  });

  test('admin without key or with a wrong key -> 401; with an HMAC signature -> 200', async () => {
    expect((await admin.request('GET', '/admin/state', undefined, null)).status).toBe(401);
    expect((await admin.request('GET', '/admin/state', undefined, 'd3Jvbmc=')).status).toBe(401);
    expect((await admin.request('POST', '/admin/reset', undefined, null)).status).toBe(401);
    expect((await admin.request('POST', '/admin/faults', { kind: 'latency', latencyMs: 1 }, null)).status).toBe(401);
    const signed = await signedRequest({
      method: 'GET',
      url: '/admin/state',
      base: emu.endpoint,
      ca: emu.ca,
      keyB64: emu.accessKey,
    });
    expect(signed.status).toBe(200);
    const wrongSig = await signedRequest({
      method: 'GET',
      url: '/admin/state',
      base: emu.endpoint,
      ca: emu.ca,
      keyB64: Buffer.from('some other key').toString('base64'),
    });
    expectIdentityError(wrongSig, 401);
    const unsigned = await rawRequest({ method: 'GET', url: '/admin/faults', base: emu.endpoint, ca: emu.ca });
    expect(unsigned.status).toBe(401);
  });

  test('GET /admin/faults lists rules; DELETE one and DELETE all', async () => {
    const a = await admin.addFault({ kind: 'status', status: 500, operation: 'DeleteChatThread' });
    const b = await admin.addFault({ kind: 'latency', latencyMs: 5, operation: 'ListChatThreads', count: 3 });
    expect(a.id).not.toBe(b.id);
    expect(b).toMatchObject({ kind: 'latency', latencyMs: 5, operation: 'ListChatThreads', count: 3, remaining: 3 });
    expect((await admin.faults()).map((f) => f.id).sort()).toEqual([a.id, b.id].sort());
    expect((await admin.request('DELETE', `/admin/faults/${a.id}`)).status).toBe(204);
    expect((await admin.faults()).map((f) => f.id)).toEqual([b.id]);
    expect((await admin.request('DELETE', '/admin/faults/no-such-rule')).status).toBe(404);
    await admin.clearFaults();
    expect(await admin.faults()).toEqual([]);
  });

  test('a bad fault spec -> 400 naming the field', async () => {
    const bad = await admin.request('POST', '/admin/faults', { kind: 'status', status: 'teapot' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/status/);
    const unknownOp = await admin.request('POST', '/admin/faults', { kind: 'status', status: 500, operation: 'Nope' });
    expect(unknownOp.status).toBe(400);
    expect(unknownOp.text).toMatch(/operation/);
    const badThread = await admin.request('POST', '/admin/faults', { kind: 'status', status: 500, threadId: 7 });
    expect(badThread.status).toBe(400);
    expect(badThread.text).toMatch(/threadId/);
    const badKind = await admin.request('POST', '/admin/faults', { kind: 'explode' });
    expect(badKind.status).toBe(400);
    expect(badKind.text).toMatch(/kind/);
  });

  test('throttling: enabled via PUT /admin/throttling, the 11th thread creation in 10 s gets 429 + Retry-After', async () => {
    await admin.setThrottling(true);
    expect((await admin.state()).throttling).toBe(true);
    try {
      const noRetry = chatClient(emu, bob.token, { retryOptions: { maxRetries: 0 } });
      for (let i = 0; i < 10; i++) await noRetry.createChatThread({ topic: `t${i}` });
      const res = await bearerRequest({
        method: 'POST',
        url: '/chat/threads?api-version=2025-03-15',
        base: emu.endpoint,
        ca: emu.ca,
        token: bob.token,
        headers: { 'repeatability-request-id': crypto.randomUUID() },
        body: { topic: 'one too many' },
      });
      expectChatError(res, 429, 'TooManyRequests');
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(10);
      // another user has their own budget
      await expect(aliceChat.createChatThread({ topic: 'alice is fine' })).resolves.toHaveProperty('chatThread');
    } finally {
      await admin.setThrottling(false);
    }
    expect((await admin.state()).throttling).toBe(false);
  });
});

describe('injected error shape per surface', () => {
  test('identity operations get the identity error shape, chat operations the chat shape', async () => {
    await admin.addFault({ kind: 'status', operation: '*', status: 500, count: 2 });
    const id = await signedRequest({
      method: 'POST',
      url: '/identities?api-version=2023-10-01',
      base: emu.endpoint,
      ca: emu.ca,
      keyB64: emu.accessKey,
    });
    expectIdentityError(id, 500);
    const chat = await bearerRequest({
      method: 'GET',
      url: '/chat/threads?api-version=2025-03-15',
      base: emu.endpoint,
      ca: emu.ca,
      token: alice.token,
    });
    expectChatError(chat, 500, 'InternalServerError');
  });
});
