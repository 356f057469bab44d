import type { ChatClient, UpdateChatThreadPropertiesOptions } from '@azure/communication-chat';
import { getIdentifierRawId } from '@azure/communication-common';
import type { CommunicationIdentityClient } from '@azure/communication-identity';
import { Admin } from './support/admin';
import type { TestUser } from './support/clients';
import { all, chatClient, identityClient, newUser, pool, statusOf } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import { expectChatError, expectIdentityError } from './support/errors';
import type { RawResponse } from './support/http';
import { bearerRequest, hmacHeaders, rawRequest, threadPath as tpath } from './support/http';

// Service behaviour beyond the operation list (reference §3.1, §6, §7, §9) and races the SDK cannot provoke alone.

const API = 'api-version=2025-03-15';
let emu: TestEmulator;
let identity: CommunicationIdentityClient;
let admin: Admin;
let alice: TestUser;
let bob: TestUser;
let aliceChat: ChatClient;

const chat = (method: string, url: string, token: string, body?: object | string, headers?: Record<string, string>) =>
  bearerRequest({ method, url, base: emu.endpoint, ca: emu.ca, token, body, headers });
const participant = (id: string, extra: object = {}): object => ({
  communicationIdentifier: { rawId: id, communicationUser: { id } },
  ...extra,
});

beforeAll(async () => {
  emu = await startTestEmulator();
  identity = identityClient(emu);
  admin = new Admin(emu);
  [alice, bob] = await Promise.all([newUser(identity), newUser(identity)]);
  aliceChat = chatClient(emu, alice.token);
});
afterAll(async () => {
  await emu?.close();
});

async function newThread(members: TestUser[] = [bob]): Promise<string> {
  const res = await aliceChat.createChatThread(
    { topic: 'behaviour' },
    { participants: members.map((u) => ({ id: u.user })) },
  );
  return res.chatThread?.id ?? '';
}

describe('HMAC details (reference §3.1)', () => {
  /** POST `path` signed with `date`; `decodedPath` signs the percent-decoded path as Python's async client may. */
  function signed(path: string, date: Date, decodedPath = false): Promise<RawResponse> {
    const url = new URL(path, emu.endpoint);
    const signedPath = decodedPath ? decodeURIComponent(url.pathname + url.search) : undefined;
    const headers = hmacHeaders('POST', url, '', emu.accessKey, date, signedPath);
    return rawRequest({ method: 'POST', url: url.toString(), ca: emu.ca, headers });
  }

  test('a signature over the percent-decoded path (Python async) is accepted', async () => {
    const u = await identity.createUser();
    const path = `/identities/${encodeURIComponent(u.communicationUserId)}/:revokeAccessTokens?api-version=2023-10-01`;
    expect(path).toContain('%3A'); // the id really is percent-encoded on the wire
    expect((await signed(path, new Date(), true)).status).toBe(204);
  });

  test('x-ms-date within a few minutes is accepted; an hour off -> 401', async () => {
    expect((await signed(`/identities?api-version=2023-10-01`, new Date(Date.now() - 5 * 60_000))).status).toBe(201);
    expectIdentityError(await signed(`/identities?api-version=2023-10-01`, new Date(Date.now() - 3_600_000)), 401);
    expectIdentityError(await signed(`/identities?api-version=2023-10-01`, new Date(Date.now() + 3_600_000)), 401);
  });
});

describe('participants and history (reference §6, §7)', () => {
  test('shareHistoryTime hides earlier messages from the new participant', async () => {
    const tid = await newThread();
    const thread = aliceChat.getChatThreadClient(tid);
    await thread.sendMessage({ content: 'secret' });
    await new Promise((r) => setTimeout(r, 1100)); // shareHistoryTime is second precision on the wire
    const cut = new Date();
    await new Promise((r) => setTimeout(r, 1100));
    await thread.sendMessage({ content: 'public' });
    const carol = await newUser(identity);
    await thread.addParticipants({ participants: [{ id: carol.user, shareHistoryTime: cut }] });
    const parts = await all(thread.listParticipants());
    const c = parts.find((p) => getIdentifierRawId(p.id) === carol.id);
    expect(c?.shareHistoryTime?.getTime()).toBe(Math.floor(cut.getTime() / 1000) * 1000);
    const seen = (await all(chatClient(emu, carol.token).getChatThreadClient(tid).listMessages())).map(
      (m) => m.content?.message,
    );
    expect(seen).toContain('public');
    expect(seen).not.toContain('secret');
  }, 15_000);

  test('a removed participant keeps history but cannot edit their own message', async () => {
    const carol = await newUser(identity);
    const tid = await newThread([carol]);
    const carolThread = chatClient(emu, carol.token).getChatThreadClient(tid);
    const { id } = await carolThread.sendMessage({ content: 'mine' });
    await aliceChat.getChatThreadClient(tid).removeParticipant(carol.user);
    expect(await statusOf(carolThread.updateMessage(id, { content: 'changed' }))).toBe(403);
    expect((await carolThread.getMessage(id)).content?.message).toBe('mine');
  });

  test('unknown users and non-ACS identifiers are reported in invalidParticipants, not added', async () => {
    const tid = await newThread();
    const ghost = '8:acs:00000000-0000-0000-0000-000000000000_ghost';
    const res = await chat('POST', tpath(tid, '/participants/:add'), alice.token, {
      participants: [
        participant(ghost),
        { communicationIdentifier: { rawId: '4:+15551234567', phoneNumber: { value: '+15551234567' } } },
      ],
    });
    expect(res.status).toBe(201);
    const invalid = (res.json as { invalidParticipants: { target: string; code: string; message: string }[] })
      .invalidParticipants;
    expect(invalid.map((e) => e.target).sort()).toEqual([ghost, '4:+15551234567'].sort());
    for (const e of invalid) expect(e.message.length).toBeGreaterThan(0);
    expect(await all(aliceChat.getChatThreadClient(tid).listParticipants())).toHaveLength(2);
  });

  test('participant metadata over 1 KB -> 400', async () => {
    const tid = await newThread();
    const carol = await newUser(identity);
    const res = await chat('POST', tpath(tid, '/participants/:add'), alice.token, {
      participants: [participant(carol.id, { metadata: { big: 'x'.repeat(1100) } })],
    });
    expectChatError(res, 400, 'BadRequest', /metadata/);
  });

  // The live service answers 204 (azure-sdk-assets recordings of the JS SDK suite); nothing changes.
  test('removing a non-member -> 204 through the SDK and on the wire, nothing changes, no system message', async () => {
    const tid = await newThread();
    const carol = await newUser(identity);
    const thread = aliceChat.getChatThreadClient(tid);
    const before = (await all(thread.listMessages())).length;
    await expect(thread.removeParticipant(carol.user)).resolves.toBeUndefined();
    const res = await chat('POST', tpath(tid, '/participants/:remove'), alice.token, {
      rawId: carol.id,
      communicationUser: { id: carol.id },
    });
    expect(res.status).toBe(204);
    expect(await all(thread.listParticipants())).toHaveLength(2);
    expect(await all(thread.listMessages())).toHaveLength(before);
  });

  // Live service (Android session records, 2021-09-07): an ACS id it cannot parse fails the whole request with
  // 400 "Identifier format is invalid (…)"; a well-formed one it cannot add stays in invalidParticipants.
  test('a malformed participant id -> 400 on create thread, add and remove, with the service message', async () => {
    const malformed = '8:acs:invalidUserId';
    const message = /^Identifier format is invalid \(8:acs:invalidUserId\)\.$/;
    const created = await chat('POST', `/chat/threads?${API}`, alice.token, {
      topic: 'Test',
      participants: [participant(malformed)],
    });
    expectChatError(created, 400, 'BadRequest', message);
    expect(created.headers['content-type']).toBe('application/json');
    const tid = await newThread();
    const added = await chat('POST', tpath(tid, '/participants/:add'), alice.token, {
      participants: [participant(malformed)],
    });
    expectChatError(added, 400, 'BadRequest', message);
    const removed = await chat('POST', tpath(tid, '/participants/:remove'), alice.token, {
      rawId: malformed,
      communicationUser: { id: malformed },
    });
    expectChatError(removed, 400, 'BadRequest', message);
    expect(await all(aliceChat.getChatThreadClient(tid).listParticipants())).toHaveLength(2);
  });

  // Reference §7/§9 say receipts and typing are "not supported" above 20 participants without naming an error; the
  // service docs describe it as not delivered, so the emulator accepts and drops them. Assert exactly that.
  test('read receipts on threads with more than 20 participants are accepted but not kept', async () => {
    const users = await pool(Array.from({ length: 20 }), 8, () => identity.createUser());
    const res = await aliceChat.createChatThread({ topic: 'crowd' }, { participants: users.map((u) => ({ id: u })) });
    const tid = res.chatThread?.id ?? '';
    const thread = aliceChat.getChatThreadClient(tid);
    const { id } = await thread.sendMessage({ content: 'x' });
    expect((await chat('POST', tpath(tid, '/readReceipts'), alice.token, { chatMessageId: id })).status).toBe(200);
    expect(await all(thread.listReadReceipts())).toEqual([]);
    expect((await chat('POST', tpath(tid, '/typing'), alice.token, {})).status).toBe(200);
  });

  test('read receipt for an unknown message -> 404', async () => {
    const tid = await newThread();
    expectChatError(
      await chat('POST', tpath(tid, '/readReceipts'), alice.token, { chatMessageId: '42' }),
      404,
      'NotFound',
    );
  });
});

describe('thread properties validation (reference §6, §9)', () => {
  test('thread metadata over 1 KB -> 400 naming metadata', async () => {
    const res = await chat(
      'POST',
      `/chat/threads?${API}`,
      alice.token,
      { topic: 't', metadata: { big: 'x'.repeat(1100) } },
      { 'repeatability-request-id': crypto.randomUUID() },
    );
    expectChatError(res, 400, 'BadRequest', /metadata/);
  });

  test.each([29, 91])('retention deleteThreadAfterDays %i -> 400 (30-90)', async (days) => {
    const res = await chat(
      'POST',
      `/chat/threads?${API}`,
      alice.token,
      { topic: 't', retentionPolicy: { kind: 'threadCreationDate', deleteThreadAfterDays: days } },
      { 'repeatability-request-id': crypto.randomUUID() },
    );
    expectChatError(res, 400, 'BadRequest', /deleteThreadAfterDays/);
  });

  // The JS SDK suite's `updateProperties({ retentionPolicy: null })` sends merge-patch `{"retentionPolicy": null}`;
  // the live service then reports `{"kind": "none"}` (azure-sdk-assets, 2024-06-05-preview).
  test('updateProperties({ retentionPolicy: null }) clears the policy to {kind: none}', async () => {
    const created = await aliceChat.createChatThread(
      { topic: 'retention' },
      { retentionPolicy: { kind: 'threadCreationDate', deleteThreadAfterDays: 40 } },
    );
    const thread = aliceChat.getChatThreadClient(created.chatThread?.id ?? '');
    // The public options type has no null; JavaScript callers pass it anyway and the SDK forwards it.
    await thread.updateProperties({ retentionPolicy: null } as unknown as UpdateChatThreadPropertiesOptions);
    expect((await thread.getProperties()).retentionPolicy).toEqual({ kind: 'none' });
    const raw = await chat('GET', tpath(created.chatThread?.id ?? ''), alice.token);
    expect((raw.json as { retentionPolicy?: unknown }).retentionPolicy).toEqual({ kind: 'none' });
  });

  // Android session records (2021-09-07): malformed ids are 400, a well-formed unknown thread is 404.
  test('malformed message id -> 400 on get, update and delete; malformed thread id -> 400; unknown thread -> 404', async () => {
    const tid = await newThread();
    const bad = 'invalid_chat_message_id';
    const message = /^Value for MessageId \(invalid_chat_message_id\) is not valid\.$/;
    expectChatError(await chat('GET', tpath(tid, `/messages/${bad}`), alice.token), 400, 'BadRequest', message);
    const patch = await chat('PATCH', tpath(tid, `/messages/${bad}`), alice.token, { content: 'x' });
    expectChatError(patch, 400, 'BadRequest', message);
    expectChatError(await chat('DELETE', tpath(tid, `/messages/${bad}`), alice.token), 400, 'BadRequest', message);
    const thread = aliceChat.getChatThreadClient(tid);
    expect(await statusOf(thread.getMessage(bad))).toBe(400);
    const malformedThread = await chat('DELETE', tpath('invalid_chat_thread_id'), alice.token);
    expectChatError(malformedThread, 400, 'BadRequest');
    expect(malformedThread.headers['content-type']).toBe('application/json');
    expect(await statusOf(aliceChat.deleteChatThread('invalid_chat_thread_id'))).toBe(400);
    const unknown = await chat('GET', tpath('19:00000000000000000000000000000000@thread.v2'), alice.token);
    expectChatError(unknown, 404, 'NotFound', /^The specified thread id was not found\.$/);
  });

  test('unknown retention kind -> 400', async () => {
    const tid = await newThread();
    const res = await chat(
      'PATCH',
      tpath(tid),
      alice.token,
      { retentionPolicy: { kind: 'forever' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expectChatError(res, 400, 'BadRequest', /kind/);
  });

  test('metadata value that is not a string -> 400', async () => {
    const tid = await newThread();
    const res = await chat(
      'PATCH',
      tpath(tid),
      alice.token,
      { metadata: { n: 5 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expectChatError(res, 400, 'BadRequest', /metadata/);
  });

  test('a metadata-only update posts no system message (reference §7 assumption)', async () => {
    const tid = await newThread();
    const thread = aliceChat.getChatThreadClient(tid);
    const before = (await all(thread.listMessages())).length;
    await thread.updateProperties({ metadata: { a: 'b' } });
    expect((await all(thread.listMessages())).length).toBe(before);
  });
});

describe('races', () => {
  test('concurrent creates with one repeatability-request-id make exactly one thread', async () => {
    const rid = crypto.randomUUID();
    const before = (await admin.state()).threads;
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        chat('POST', `/chat/threads?${API}`, alice.token, { topic: 'race' }, { 'repeatability-request-id': rid }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    const ids = new Set(results.map((r) => (r.json as { chatThread: { id: string } }).chatThread.id));
    expect(ids.size).toBe(1);
    expect((await admin.state()).threads).toBe(before + 1);
  });

  test('the same repeatability-request-id from another user does not return the first user’s thread', async () => {
    const rid = crypto.randomUUID();
    const a = await chat(
      'POST',
      `/chat/threads?${API}`,
      alice.token,
      { topic: 'mine' },
      { 'repeatability-request-id': rid },
    );
    const b = await chat(
      'POST',
      `/chat/threads?${API}`,
      bob.token,
      { topic: 'mine' },
      { 'repeatability-request-id': rid },
    );
    const aid = (a.json as { chatThread: { id: string } }).chatThread.id;
    if (b.status === 201) {
      const bThread = (b.json as { chatThread: { id: string; createdByCommunicationIdentifier: { rawId: string } } })
        .chatThread;
      // Bob must not be handed a thread he is not a member of
      expect(bThread.id).not.toBe(aid);
      expect(bThread.createdByCommunicationIdentifier.rawId).toBe(bob.id);
    } else {
      expect(b.status).toBe(409);
    }
  });

  test('concurrent adds never push a thread over 250 members', async () => {
    const users = await pool(Array.from({ length: 290 }), 16, () => identity.createUser());
    const tid = (await aliceChat.createChatThread({ topic: 'race 250' })).chatThread?.id;
    const thread = aliceChat.getChatThreadClient(tid ?? '');
    await thread.addParticipants({ participants: users.slice(0, 200).map((u) => ({ id: u })) });
    // 201 members now; 3 concurrent adds of 30 = 90 would make 291
    const batches = [users.slice(200, 230), users.slice(230, 260), users.slice(260, 290)];
    await Promise.allSettled(batches.map((b) => thread.addParticipants({ participants: b.map((u) => ({ id: u })) })));
    expect((await all(thread.listParticipants())).length).toBeLessThanOrEqual(250);
  });

  test('concurrent sends get distinct ids and dense sequence ids', async () => {
    const tid = await newThread();
    const thread = aliceChat.getChatThreadClient(tid);
    const ids = await pool(
      Array.from({ length: 200 }),
      32,
      async () => (await thread.sendMessage({ content: 'c' })).id,
    );
    expect(new Set(ids).size).toBe(200);
    const seqs = (await all(thread.listMessages({ maxPageSize: 200 }))).map((m) => Number(m.sequenceId));
    expect(seqs).toEqual(seqs.map((_, i) => seqs.length - i));
  });
});

describe('request hygiene', () => {
  test('a huge body -> 413, never a crash', async () => {
    const tid = await newThread();
    const res = await chat('POST', tpath(tid, '/messages'), alice.token, { content: 'x'.repeat(5 * 1024 * 1024) });
    expectChatError(res, 413, 'RequestEntityTooLarge');
    // still serving
    expect((await chat('GET', tpath(tid), alice.token)).status).toBe(200);
  });

  test('wrong JSON types -> 400 naming the field', async () => {
    const tid = await newThread();
    expectChatError(
      await chat('POST', tpath(tid, '/messages'), alice.token, { content: 42 }),
      400,
      'BadRequest',
      /content/,
    );
    expectChatError(
      await chat('POST', tpath(tid, '/messages'), alice.token, { content: 'x', type: 'video' }),
      400,
      'BadRequest',
      /type/,
    );
    expectChatError(await chat('POST', tpath(tid, '/messages'), alice.token, '[1,2]'), 400, 'BadRequest');
    expectChatError(
      await chat('POST', tpath(tid, '/participants/:add'), alice.token, { participants: 'bob' }),
      400,
      'BadRequest',
      /participants/,
    );
  });

  test('a malformed percent-encoded thread id -> 400 or 404, never 500', async () => {
    const res = await chat('GET', `/chat/threads/%E0%A4%A?${API}`, alice.token);
    expect([400, 404]).toContain(res.status);
  });
});

describe('thread listing stability', () => {
  test('listChatThreads by pages while messages arrive in those threads: every thread exactly once', async () => {
    const dora = await newUser(identity);
    const doraChat = chatClient(emu, dora.token);
    const ids = await pool(Array.from({ length: 30 }), 8, async (_, i) => {
      const res = await doraChat.createChatThread({ topic: `list ${i}` });
      return res.chatThread?.id ?? '';
    });
    let running = true;
    const writers = Array.from({ length: 3 }, async (_, w) => {
      for (let i = 0; running; i++) {
        const target = ids[(i * 7 + w * 11) % ids.length] as string;
        await doraChat.getChatThreadClient(target).sendMessage({ content: 'bump' });
      }
    });
    const seen: string[] = [];
    try {
      for await (const page of doraChat.listChatThreads({ maxPageSize: 4 }).byPage()) {
        seen.push(...page.map((t) => t.id));
        await new Promise((r) => setTimeout(r, 5)); // let the writers reorder activity between pages
      }
    } finally {
      running = false;
      await Promise.all(writers);
    }
    expect(seen.filter((id, i) => seen.indexOf(id) !== i)).toEqual([]); // no repeats
    expect(ids.filter((id) => !seen.includes(id))).toEqual([]); // none lost
  });
});

describe('events hook (contract: RunningEmulator.onEvent)', () => {
  test('a sent message is announced once, after it is stored; unsubscribe stops delivery', async () => {
    const tid = await newThread();
    const thread = aliceChat.getChatThreadClient(tid);
    const events: { eventType: string; data: Record<string, unknown> }[] = [];
    const off = emu.onEvent((e) => events.push(e));
    const { id } = await thread.sendMessage({ content: 'announce me' });
    await new Promise((r) => setImmediate(r));
    const mine = events.filter((e) => JSON.stringify(e.data).includes(id));
    // Event Grid delivery is a later item; here only the hook: exactly one thread-level event for this message.
    expect(mine.filter((e) => e.eventType === 'Microsoft.Communication.ChatMessageReceivedInThread')).toHaveLength(1);
    off();
    await thread.sendMessage({ content: 'silent' });
    await new Promise((r) => setImmediate(r));
    expect(events.filter((e) => JSON.stringify(e.data).includes('silent'))).toEqual([]);
  });
});

describe('startTime survives paging (reference §5.1: nextLink must embed all state)', () => {
  const gap = (): Promise<void> => new Promise((r) => setTimeout(r, 1100)); // wire times are second precision

  test('listMessages({ startTime, maxPageSize: 2 }) returns exactly the messages since startTime', async () => {
    const tid = await newThread();
    const thread = aliceChat.getChatThreadClient(tid);
    for (let i = 0; i < 3; i++) await thread.sendMessage({ content: `old ${i}` });
    await gap();
    const cut = new Date();
    await gap();
    const fresh: string[] = [];
    for (let i = 0; i < 5; i++) fresh.push((await thread.sendMessage({ content: `new ${i}` })).id);
    const pages: string[][] = [];
    for await (const page of thread.listMessages({ startTime: cut, maxPageSize: 2 }).byPage()) {
      pages.push(page.map((m) => m.id));
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...fresh].reverse());
  }, 15_000);

  test('listChatThreads({ startTime, maxPageSize: 1 }) returns exactly the threads active since startTime', async () => {
    const zed = await newUser(identity);
    const zedChat = chatClient(emu, zed.token);
    const before = await pool(
      [0, 1, 2],
      1,
      async (i) => (await zedChat.createChatThread({ topic: `b${i}` })).chatThread?.id ?? '',
    );
    await gap();
    const cut = new Date();
    await gap();
    await zedChat.getChatThreadClient(before[1] as string).sendMessage({ content: 'wake up' });
    const after = await pool(
      [0, 1],
      1,
      async (i) => (await zedChat.createChatThread({ topic: `a${i}` })).chatThread?.id ?? '',
    );
    const listed: string[] = [];
    for await (const page of zedChat.listChatThreads({ startTime: cut, maxPageSize: 1 }).byPage()) {
      expect(page.length).toBeLessThanOrEqual(1);
      listed.push(...page.map((t) => t.id));
    }
    expect(listed.sort()).toEqual([before[1] as string, ...after].sort());
  }, 15_000);
});

describe('identifier model variants on the wire (reference §3.3)', () => {
  test.each([
    ['rawId + communicationUser (JS 1.6)', (id: string) => ({ rawId: id, communicationUser: { id } })],
    ['communicationUser only (older clients)', (id: string) => ({ communicationUser: { id } })],
    [
      'kind + rawId + communicationUser (newer clients)',
      (id: string) => ({ kind: 'communicationUser', rawId: id, communicationUser: { id } }),
    ],
  ])('add participant with %s', async (_label, shape) => {
    const tid = await newThread();
    const carol = await newUser(identity);
    const res = await chat('POST', tpath(tid, '/participants/:add'), alice.token, {
      participants: [{ communicationIdentifier: shape(carol.id) }],
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({});
    const ids = (await all(aliceChat.getChatThreadClient(tid).listParticipants())).map((p) => getIdentifierRawId(p.id));
    expect(ids).toContain(carol.id);
    const removed = await chat('POST', tpath(tid, '/participants/:remove'), alice.token, shape(carol.id));
    expect(removed.status).toBe(204);
  });

  test('rawId and communicationUser.id that disagree -> 400', async () => {
    const tid = await newThread();
    const carol = await newUser(identity);
    const res = await chat('POST', tpath(tid, '/participants/:add'), alice.token, {
      participants: [{ communicationIdentifier: { rawId: carol.id, communicationUser: { id: bob.id } } }],
    });
    expect(res.status).toBe(400);
  });
});

describe('participant paging stability', () => {
  test('listParticipants by pages while members join: every original member exactly once', async () => {
    const users = await pool(Array.from({ length: 60 }), 16, () => identity.createUser());
    const tid =
      (
        await aliceChat.createChatThread(
          { topic: 'roster' },
          { participants: users.slice(0, 30).map((u) => ({ id: u })) },
        )
      ).chatThread?.id ?? '';
    const thread = aliceChat.getChatThreadClient(tid);
    const original = new Set([alice.id, ...users.slice(0, 30).map((u) => u.communicationUserId)]);
    const joiners = users.slice(30);
    let next = 0;
    const seen: string[] = [];
    for await (const page of thread.listParticipants({ maxPageSize: 4 }).byPage()) {
      seen.push(...page.map((p) => getIdentifierRawId(p.id)));
      // two people join between every page
      const batch = joiners.slice(next, next + 2);
      next += 2;
      if (batch.length > 0) await thread.addParticipants({ participants: batch.map((u) => ({ id: u })) });
    }
    expect(seen.filter((id, i) => seen.indexOf(id) !== i)).toEqual([]);
    expect([...original].filter((id) => !seen.includes(id))).toEqual([]);
  });
});
