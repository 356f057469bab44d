import type { ChatClient } from '@azure/communication-chat';
import type { CommunicationIdentityClient } from '@azure/communication-identity';
import { Admin } from './support/admin';
import type { TestUser } from './support/clients';
import { all, chatClient, identityClient, newUser, pool, statusOf } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import { expectChatError, expectIdentityError } from './support/errors';
import type { RawResponse } from './support/http';
import { bearerRequest, hmacHeaders, rawRequest, signedRequest, threadPath as tpath } from './support/http';
import { decodeJwt, otherKey, signJwt, tokenSigningKey } from './support/jwt';

// Failure cases with their exact status and error shape (reference §3, §8, §9; emulator contract).

const API = 'api-version=2025-03-15';
const ID_API = 'api-version=2023-10-01';
const OTHER_KEY_B64 = Buffer.from('not-the-emulator-key-not-the-emulator-key').toString('base64');
const CONTENT_LIMIT = 28 * 1024; // "28 KB" (reference §9), taken as 28 KiB of UTF-8

let emu: TestEmulator;
let identity: CommunicationIdentityClient;
let admin: Admin;
let alice: TestUser;
let bob: TestUser;
let aliceChat: ChatClient;
let threadId: string;

/** `POST /identities` signed with the emulator's key, to send what the SDK would refuse to. */
const createIdentityRaw = (body: object | string): Promise<RawResponse> =>
  signedRequest({
    method: 'POST',
    url: `/identities?${ID_API}`,
    base: emu.endpoint,
    ca: emu.ca,
    keyB64: emu.accessKey,
    body,
  });
const chat = (method: string, url: string, token: string, body?: object | string): Promise<RawResponse> =>
  bearerRequest({ method, url, base: emu.endpoint, ca: emu.ca, token, body });

beforeAll(async () => {
  emu = await startTestEmulator();
  identity = identityClient(emu);
  admin = new Admin(emu);
  [alice, bob] = await Promise.all([newUser(identity), newUser(identity)]);
  aliceChat = chatClient(emu, alice.token);
  const res = await aliceChat.createChatThread({ topic: 'negatives' }, { participants: [{ id: bob.user }] });
  threadId = res.chatThread?.id ?? '';
});
afterAll(async () => {
  await emu?.close();
});

describe('identity authentication (HMAC)', () => {
  test('wrong access key -> 401 through the SDK and on the wire', async () => {
    const wrong = identityClient({ ...emu, connectionString: `endpoint=${emu.endpoint};accesskey=${OTHER_KEY_B64}` });
    expect(await statusOf(wrong.createUser())).toBe(401);
    const res = await signedRequest({
      method: 'POST',
      url: `/identities?${ID_API}`,
      base: emu.endpoint,
      ca: emu.ca,
      keyB64: OTHER_KEY_B64,
    });
    expectIdentityError(res, 401);
    expect((res.json as { error: { code: string } }).error.code).toBe('Unauthorized');
  });

  test('missing Authorization header -> 401', async () => {
    const res = await rawRequest({ method: 'POST', url: `/identities?${ID_API}`, base: emu.endpoint, ca: emu.ca });
    expectIdentityError(res, 401, /Authorization/);
  });

  test('body tampered after signing (content hash mismatch) -> 401', async () => {
    const url = new URL(`/identities?${ID_API}`, emu.endpoint);
    const headers = hmacHeaders('POST', url, '{"createTokenWithScopes":["chat"]}', emu.accessKey);
    const res = await rawRequest({
      method: 'POST',
      url: url.toString(),
      ca: emu.ca,
      headers,
      body: '{"createTokenWithScopes":["voip"]}',
    });
    expectIdentityError(res, 401);
  });

  test('malformed JSON -> 400', async () => {
    const res = await createIdentityRaw('{"createTokenWithScopes": [');
    expectIdentityError(res, 400, /JSON/);
  });

  test.each([59, 1441])('expiresInMinutes %i -> 400 naming the field', async (m) => {
    const res = await createIdentityRaw({ createTokenWithScopes: ['chat'], expiresInMinutes: m });
    expectIdentityError(res, 400, /expiresInMinutes/);
  });
});

describe('chat authentication (bearer tokens)', () => {
  test('missing Authorization header -> 401', async () => {
    const res = await rawRequest({ method: 'GET', url: `/chat/threads?${API}`, base: emu.endpoint, ca: emu.ca });
    expectChatError(res, 401, 'Unauthorized', /Authorization/);
  });

  test('not a JWT -> 401', async () => {
    expectChatError(await chat('GET', `/chat/threads?${API}`, 'garbage'), 401, 'InvalidAuthenticationToken');
  });

  test('expired token (correctly signed) -> 401', async () => {
    const key = tokenSigningKey(alice.token, emu.accessKey);
    const { claims } = decodeJwt(alice.token);
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt({ ...claims, iat: now - 7200, csi: String(now - 7200), exp: now - 3600 }, key);
    const res = await chat('GET', `/chat/threads?${API}`, expired);
    expectChatError(res, 401, 'InvalidAuthenticationToken', /expire/i);
    expect(await statusOf(chatClient(emu, expired).createChatThread({ topic: 'x' }))).toBe(401);
  });

  test('same claims re-signed by the emulator key are accepted (the forging helper is sound)', async () => {
    const key = tokenSigningKey(alice.token, emu.accessKey);
    const { claims } = decodeJwt(alice.token);
    const resigned = signJwt(claims, key);
    expect((await chat('GET', `/chat/threads?${API}`, resigned)).status).toBe(200);
  });

  test('forged token (signed with another key) -> 401', async () => {
    const { claims } = decodeJwt(alice.token);
    const forged = signJwt(claims, otherKey());
    expectChatError(await chat('GET', `/chat/threads?${API}`, forged), 401, 'InvalidAuthenticationToken');
    expect(await statusOf(chatClient(emu, forged).getChatThreadClient(threadId).getProperties())).toBe(401);
  });

  test('alg none token -> 401', async () => {
    const { claims } = decodeJwt(alice.token);
    const head = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expectChatError(await chat('GET', `/chat/threads?${API}`, `${head}.${body}.`), 401, 'InvalidAuthenticationToken');
  });

  test('revoked token -> 401; a token issued right after the revoke works', async () => {
    const u = await newUser(identity);
    expect((await chat('GET', `/chat/threads?${API}`, u.token)).status).toBe(200);
    await identity.revokeTokens(u.user);
    expectChatError(await chat('GET', `/chat/threads?${API}`, u.token), 401, 'InvalidAuthenticationToken');
    const fresh = await identity.getToken(u.user, ['chat']);
    expect((await chat('GET', `/chat/threads?${API}`, fresh.token)).status).toBe(200);
  });

  test("deleted user's token -> 401", async () => {
    const u = await newUser(identity);
    await identity.deleteUser(u.user);
    expectChatError(await chat('GET', `/chat/threads?${API}`, u.token), 401, 'InvalidAuthenticationToken');
  });

  test('voip-only token -> 403 on chat', async () => {
    const u = await newUser(identity, ['voip']);
    expectChatError(await chat('GET', `/chat/threads?${API}`, u.token), 403, 'Forbidden', /chat/);
    expect(await statusOf(chatClient(emu, u.token).createChatThread({ topic: 'x' }))).toBe(403);
  });

  test('an HMAC-signed request is not accepted in place of a user token on chat routes', async () => {
    const res = await signedRequest({
      method: 'GET',
      url: `/chat/threads?${API}`,
      base: emu.endpoint,
      ca: emu.ca,
      keyB64: emu.accessKey,
    });
    expectChatError(res, 401, 'InvalidAuthenticationToken', /Bearer/);
  });
});

describe('chat authorization and existence', () => {
  test('non-member -> 403 for read, send, add, remove, receipts', async () => {
    const eve = await newUser(identity);
    expectChatError(await chat('GET', tpath(threadId), eve.token), 403, 'Forbidden');
    expectChatError(await chat('POST', tpath(threadId, '/messages'), eve.token, { content: 'hi' }), 403, 'Forbidden');
    expectChatError(await chat('GET', tpath(threadId, '/messages'), eve.token), 403, 'Forbidden');
    expectChatError(
      await chat('POST', tpath(threadId, '/participants/:add'), eve.token, {
        participants: [{ communicationIdentifier: { rawId: eve.id, communicationUser: { id: eve.id } } }],
      }),
      403,
      'Forbidden',
    );
    const eveThread = chatClient(emu, eve.token).getChatThreadClient(threadId);
    expect(await statusOf(eveThread.sendMessage({ content: 'x' }))).toBe(403);
    expect(await statusOf(eveThread.removeParticipant(alice.user))).toBe(403);
  });

  test('only the sender may edit or delete a message -> 403', async () => {
    const thread = aliceChat.getChatThreadClient(threadId);
    const { id } = await thread.sendMessage({ content: 'mine' });
    const bobThread = chatClient(emu, bob.token).getChatThreadClient(threadId);
    expect(await statusOf(bobThread.updateMessage(id, { content: 'yours' }))).toBe(403);
    expect(await statusOf(bobThread.deleteMessage(id))).toBe(403);
    expect((await thread.getMessage(id)).content?.message).toBe('mine');
  });

  test('removed member cannot send (403) but keeps read access to history', async () => {
    const carol = await newUser(identity);
    const res = await aliceChat.createChatThread({ topic: 'leavers' }, { participants: [{ id: carol.user }] });
    const id = res.chatThread?.id ?? '';
    await aliceChat.getChatThreadClient(id).sendMessage({ content: 'before removal' });
    await aliceChat.getChatThreadClient(id).removeParticipant(carol.user);
    const carolThread = chatClient(emu, carol.token).getChatThreadClient(id);
    expectChatError(
      await chat('POST', tpath(id, '/messages'), carol.token, { content: 'still here?' }),
      403,
      'Forbidden',
    );
    const history = await all(carolThread.listMessages());
    expect(history.some((m) => m.content?.message === 'before removal')).toBe(true);
  });

  test('unknown thread -> 404 NotFound', async () => {
    const ghost = '19:doesnotexistdoesnotexistdoesnotexist0000000@thread.v2';
    expectChatError(await chat('GET', tpath(ghost), alice.token), 404, 'NotFound');
    expectChatError(await chat('POST', tpath(ghost, '/messages'), alice.token, { content: 'x' }), 404, 'NotFound');
    expect(await statusOf(aliceChat.getChatThreadClient(ghost).getProperties())).toBe(404);
  });

  test('unknown message -> 404 NotFound', async () => {
    expectChatError(await chat('GET', tpath(threadId, '/messages/1234'), alice.token), 404, 'NotFound');
    const thread = aliceChat.getChatThreadClient(threadId);
    expect(await statusOf(thread.getMessage('999'))).toBe(404);
    expect(await statusOf(thread.updateMessage('999', { content: 'x' }))).toBe(404);
    expect(await statusOf(thread.deleteMessage('999'))).toBe(404);
  });

  test('deleted thread -> 404 for every operation', async () => {
    const res = await aliceChat.createChatThread({ topic: 'doomed' }, { participants: [{ id: bob.user }] });
    const id = res.chatThread?.id ?? '';
    await aliceChat.deleteChatThread(id);
    expectChatError(await chat('GET', tpath(id), alice.token), 404, 'NotFound');
    expectChatError(await chat('POST', tpath(id, '/messages'), bob.token, { content: 'x' }), 404, 'NotFound');
    expectChatError(await chat('GET', tpath(id, '/messages'), alice.token), 404, 'NotFound');
  });
});

describe('validation and limits', () => {
  test(`message content of ${CONTENT_LIMIT} bytes is accepted, one more byte -> 400 naming the limit`, async () => {
    const thread = aliceChat.getChatThreadClient(threadId);
    await expect(thread.sendMessage({ content: 'a'.repeat(CONTENT_LIMIT) })).resolves.toHaveProperty('id');
    const res = await chat('POST', tpath(threadId, '/messages'), alice.token, {
      content: 'a'.repeat(CONTENT_LIMIT + 1),
    });
    expectChatError(res, 400, 'BadRequest', /28 ?KB|28672/);
    expect(await statusOf(thread.sendMessage({ content: 'a'.repeat(CONTENT_LIMIT + 1) }))).toBe(400);
  });

  test('content limit counts UTF-8 bytes, not characters', async () => {
    // 'é' is 2 bytes: 14,337 of them are 28,674 bytes but only 14,337 characters
    const res = await chat('POST', tpath(threadId, '/messages'), alice.token, {
      content: 'é'.repeat(CONTENT_LIMIT / 2 + 1),
    });
    expectChatError(res, 400, 'BadRequest');
  });

  test('updateMessage is held to the same content limit', async () => {
    const thread = aliceChat.getChatThreadClient(threadId);
    const { id } = await thread.sendMessage({ content: 'small' });
    const res = await chat('PATCH', tpath(threadId, `/messages/${id}`), alice.token, {
      content: 'a'.repeat(CONTENT_LIMIT + 1),
    });
    expect(res.status).toBe(400);
  });

  test('more than 200 participants in one add -> 400 naming the limit; nobody is added', async () => {
    const users = await pool(Array.from({ length: 201 }), 16, () => identity.createUser());
    const res = await chat('POST', tpath(threadId, '/participants/:add'), alice.token, {
      participants: users.map((u) => ({
        communicationIdentifier: { rawId: u.communicationUserId, communicationUser: { id: u.communicationUserId } },
      })),
    });
    expectChatError(res, 400, 'BadRequest', /200/);
    expect(await all(aliceChat.getChatThreadClient(threadId).listParticipants())).toHaveLength(2);
    // same rule on create
    expect(
      await statusOf(aliceChat.createChatThread({ topic: 'big' }, { participants: users.map((u) => ({ id: u })) })),
    ).toBe(400);
  });

  test('more than 250 members in a thread is refused, naming the limit', async () => {
    const users = await pool(Array.from({ length: 250 }), 16, () => identity.createUser());
    const res = await aliceChat.createChatThread(
      { topic: 'full' },
      { participants: users.slice(0, 199).map((u) => ({ id: u })) },
    );
    const thread = aliceChat.getChatThreadClient(res.chatThread?.id ?? '');
    const second = await thread.addParticipants({ participants: users.slice(199, 249).map((u) => ({ id: u })) });
    expect(second.invalidParticipants ?? []).toEqual([]);
    expect(await all(thread.listParticipants())).toHaveLength(250);
    // the 251st member is refused, never silently added
    const last = users[249]?.communicationUserId ?? '';
    const over = await chat('POST', tpath(thread.threadId, '/participants/:add'), alice.token, {
      participants: [{ communicationIdentifier: { rawId: last, communicationUser: { id: last } } }],
    });
    // ACS reports per-participant failures in invalidParticipants with 201 overall (reference §6 ChatError); the
    // emulator README documents the thread limit that way, with the limit named in the message.
    expect(over.status).toBe(201);
    const invalid = (over.json as { invalidParticipants?: { target?: string; code?: string; message?: string }[] })
      .invalidParticipants;
    expect(invalid?.map((e) => e.target)).toEqual([last]);
    expect(invalid?.[0]?.code).toBe('BadRequest');
    expect(invalid?.[0]?.message).toMatch(/250/);
    expect(await all(thread.listParticipants())).toHaveLength(250);
  });

  test('malformed JSON on chat -> 400', async () => {
    expectChatError(await chat('POST', tpath(threadId, '/messages'), alice.token, '{"content": '), 400, 'BadRequest');
  });

  test('missing required field -> 400 naming it', async () => {
    expectChatError(await chat('POST', tpath(threadId, '/messages'), alice.token, {}), 400, 'BadRequest', /content/);
    expectChatError(
      await chat('POST', `/chat/threads?${API}`, alice.token, { participants: [] }),
      400,
      'BadRequest',
      /topic/,
    );
  });

  test('missing api-version -> 400', async () => {
    const res = await chat('GET', '/chat/threads', alice.token);
    expectChatError(res, 400, 'MissingApiVersionParameter');
  });

  test('repeatability-request-id reused: same body -> same thread; different body -> 409', async () => {
    const rid = crypto.randomUUID();
    const post = (body: object): Promise<RawResponse> =>
      bearerRequest({
        method: 'POST',
        url: `/chat/threads?${API}`,
        base: emu.endpoint,
        ca: emu.ca,
        token: alice.token,
        headers: { 'repeatability-request-id': rid },
        body,
      });
    const before = (await admin.state()).threads;
    const first = await post({ topic: 'once' });
    expect(first.status).toBe(201);
    const again = await post({ topic: 'once' });
    expect(again.status).toBe(201);
    const id = (first.json as { chatThread: { id: string } }).chatThread.id;
    expect((again.json as { chatThread: { id: string } }).chatThread.id).toBe(id);
    expect((await admin.state()).threads).toBe(before + 1);
    expectChatError(await post({ topic: 'different' }), 409, 'Conflict');
    expect((await admin.state()).threads).toBe(before + 1);
  });

  test('unknown route -> 404', async () => {
    expectChatError(await chat('GET', `/chat/nothing-here?${API}`, alice.token), 404, 'NotFound');
    const res = await rawRequest({ method: 'GET', url: `/nowhere?${API}`, base: emu.endpoint, ca: emu.ca });
    expect(res.status).toBe(404);
  });

  test('wrong method -> 405 with Allow', async () => {
    const res = await chat('PUT', tpath(threadId, '/messages'), alice.token, { content: 'x' });
    expectChatError(res, 405, 'MethodNotAllowed');
    expect(String(res.headers.allow)).toMatch(/GET/);
    expect(String(res.headers.allow)).toMatch(/POST/);
    const res2 = await chat('DELETE', `/chat/threads?${API}`, alice.token);
    expectChatError(res2, 405, 'MethodNotAllowed');
  });
});
