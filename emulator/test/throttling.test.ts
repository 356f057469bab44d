import type { ChatClient } from '@azure/communication-chat';
import { Admin } from './support/admin';
import type { TestUser } from './support/clients';
import { chatClient, identityClient, newUser, statusOf } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import { expectChatError } from './support/errors';
import type { RawResponse } from './support/http';
import { bearerRequest, threadPath as tpath } from './support/http';

// Rate limits (reference §9) with throttling on: the call past the budget is 429 + Retry-After, scoped as the table
// says (per user, per thread, per user per thread), and other scopes keep their own budget.

let emu: TestEmulator;
let admin: Admin;
let alice: TestUser;
let bob: TestUser;
let aliceChat: ChatClient;
let startedThrottled: boolean | undefined;

const call = (method: string, url: string, token: string, body?: object, headers?: Record<string, string>) =>
  bearerRequest({ method, url, base: emu.endpoint, ca: emu.ca, token, body, headers });

function expectThrottled(res: RawResponse, windowSec: number): void {
  expectChatError(res, 429, 'TooManyRequests');
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSec);
}

beforeAll(async () => {
  // throttling from the start option, as `--throttling` would
  emu = await startTestEmulator({ throttling: true });
  admin = new Admin(emu);
  startedThrottled = (await admin.state()).throttling;
});
afterAll(async () => {
  await emu?.close();
});
beforeEach(async () => {
  await admin.reset();
  await admin.setThrottling(true);
  const identity = identityClient(emu);
  [alice, bob] = await Promise.all([newUser(identity), newUser(identity)]);
  aliceChat = chatClient(emu, alice.token, { retryOptions: { maxRetries: 0 } });
});

async function thread(): Promise<string> {
  return (
    (await aliceChat.createChatThread({ topic: 'throttle' }, { participants: [{ id: bob.user }] })).chatThread?.id ?? ''
  );
}

test('the start option turns throttling on', () => {
  expect(startedThrottled).toBe(true);
});

test('send message: 10 per thread per 10 s, shared by all senders; another thread is unaffected', async () => {
  const a = await thread();
  const b = await thread();
  for (let i = 0; i < 5; i++)
    expect((await call('POST', tpath(a, '/messages'), alice.token, { content: 'x' })).status).toBe(201);
  for (let i = 0; i < 5; i++)
    expect((await call('POST', tpath(a, '/messages'), bob.token, { content: 'y' })).status).toBe(201);
  expectThrottled(await call('POST', tpath(a, '/messages'), bob.token, { content: 'z' }), 10);
  expect((await call('POST', tpath(b, '/messages'), alice.token, { content: 'other thread' })).status).toBe(201);
  // the SDK without Retry-After handling budget: a 429 surfaces as statusCode 429
  expect(await statusOf(aliceChat.getChatThreadClient(a).sendMessage({ content: 'sdk' }))).toBe(429);
});

test('update thread: 5 per thread per 10 s', async () => {
  const a = await thread();
  const patch = (topic: string) =>
    call('PATCH', tpath(a), alice.token, { topic }, { 'content-type': 'application/merge-patch+json' });
  for (let i = 0; i < 5; i++) expect((await patch(`t${i}`)).status).toBe(204);
  expectThrottled(await patch('one too many'), 10);
});

test('typing: 5 per user per thread per 10 s; another user in the same thread still has budget', async () => {
  const a = await thread();
  for (let i = 0; i < 5; i++) expect((await call('POST', tpath(a, '/typing'), alice.token, {})).status).toBe(200);
  expectThrottled(await call('POST', tpath(a, '/typing'), alice.token, {}), 10);
  expect((await call('POST', tpath(a, '/typing'), bob.token, {})).status).toBe(200);
});

test('list read receipts: 5 per user per thread per 10 s', async () => {
  const a = await thread();
  for (let i = 0; i < 5; i++) expect((await call('GET', tpath(a, '/readReceipts'), alice.token)).status).toBe(200);
  expectThrottled(await call('GET', tpath(a, '/readReceipts'), alice.token), 10);
  expect((await call('GET', tpath(a, '/readReceipts'), bob.token)).status).toBe(200);
});

test('turning throttling off lifts the limit at once', async () => {
  const a = await thread();
  for (let i = 0; i < 10; i++) await call('POST', tpath(a, '/messages'), alice.token, { content: 'x' });
  expect((await call('POST', tpath(a, '/messages'), alice.token, { content: 'x' })).status).toBe(429);
  await admin.setThrottling(false);
  expect((await call('POST', tpath(a, '/messages'), alice.token, { content: 'x' })).status).toBe(201);
});

test('PUT /admin/throttling with a non-boolean -> 400 naming enabled', async () => {
  const res = await admin.request('PUT', '/admin/throttling', { enabled: 'yes' });
  expect(res.status).toBe(400);
  expect(res.text).toMatch(/enabled/);
});
