import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { getIdentifierRawId } from '@azure/communication-common';
import { Admin } from './support/admin';
import type { TestUser } from './support/clients';
import { all, chatClient, identityClient, newUser } from './support/clients';
import type { CliEmulator } from './support/cli';
import { CLI_PATH, killHard, spawnCli, stop, cliFixture } from './support/cli';

// Durability (contract: persistence): with --location every acknowledged write survives kill -9, and a restart on the
// same location serves the same users, tokens, threads, messages and certificate.

const KEY = Buffer.from('persistence-test-key-0123456789abcdef').toString('base64');
const fixture = cliFixture('acs-emu-persist-');

async function start(location: string): Promise<CliEmulator> {
  const emu = await spawnCli(['--port', '0', '--location', location, '--access-key', KEY, '--silent']);
  fixture.track(emu);
  return emu;
}

/** The certificate the server actually presents, as DER. */
function presentedCert(endpoint: string, ca: Buffer): Promise<Buffer> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca, servername: 'localhost' }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(raw);
    });
    socket.on('error', reject);
  });
}

test('start lines follow the contract and SIGTERM exits 0', async () => {
  const loc = join(fixture.dir, 'clean');
  const emu = await start(loc);
  expect(emu.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
  expect(emu.accessKey).toBe(KEY);
  expect(emu.caCertPath.startsWith(loc)).toBe(true);
  expect(await stop(emu.child, 'SIGTERM')).toBe(0);
});

test('SIGINT also exits 0', async () => {
  const emu = await start(join(fixture.dir, 'sigint'));
  expect(await stop(emu.child, 'SIGINT')).toBe(0);
});

test('kill -9 during a burst of concurrent sends loses no acknowledged message', async () => {
  const loc = join(fixture.dir, 'burst');
  const first = await start(loc);
  const identity = identityClient(first);
  const alice: TestUser = await newUser(identity);
  const bob: TestUser = await newUser(identity);
  const threadRes = await chatClient(first, alice.token).createChatThread(
    { topic: 'durable' },
    { participants: [{ id: bob.user, displayName: 'Bob' }] },
  );
  const threadId = threadRes.chatThread?.id ?? '';
  const certBefore = readFileSync(first.caCertPath);
  const derBefore = await presentedCert(first.endpoint, first.ca);

  // No SDK retries: a retry after the kill would only slow the test down.
  const sender = chatClient(first, alice.token, { retryOptions: { maxRetries: 0 } }).getChatThreadClient(threadId);
  const acked: string[] = [];
  let killed = false;
  const loops = Array.from({ length: 24 }, async (_, w) => {
    for (let i = 0; !killed; i++) {
      try {
        const { id } = await sender.sendMessage(
          { content: `w${w}-${i}` },
          { metadata: { w: String(w), i: String(i) } },
        );
        acked.push(id);
      } catch (err) {
        if (killed) return; // in flight at the kill: not acknowledged, so not counted
        throw err;
      }
    }
  });
  // kill in the middle of the burst, with requests in flight
  const deadline = Date.now() + 20_000;
  while (acked.length < 300) {
    if (Date.now() > deadline) throw new Error(`burst stalled at ${acked.length} acknowledged sends`);
    await new Promise((r) => setTimeout(r, 5));
  }
  process.kill(first.pid, 'SIGKILL');
  killed = true;
  await killHard(first.child);
  await Promise.all(loops);
  const ackedAtKill = [...acked];
  expect(ackedAtKill.length).toBeGreaterThanOrEqual(300);

  const second = await start(loc);
  expect(readFileSync(second.caCertPath).equals(certBefore)).toBe(true);
  expect((await presentedCert(second.endpoint, second.ca)).equals(derBefore)).toBe(true);

  // the old token still works (same key, same user) and the thread is there with its members
  const reader = chatClient(second, alice.token).getChatThreadClient(threadId);
  const props = await reader.getProperties();
  expect(props.topic).toBe('durable');
  const members = await all(reader.listParticipants());
  expect(members.map((p) => p.displayName).filter(Boolean)).toEqual(['Bob']);
  expect(members).toHaveLength(2);

  const listed = await all(reader.listMessages({ maxPageSize: 200 }));
  const ids = new Set(listed.map((m) => m.id));
  expect(ackedAtKill.filter((id) => !ids.has(id))).toEqual([]);
  expect(ids.size).toBe(listed.length);
  // every listed user message is intact
  for (const m of listed.filter((x) => x.type === 'text')) {
    expect(m.content?.message).toBe(`w${m.metadata?.w}-${m.metadata?.i}`);
  }
  // sequence ids still dense (no gap or duplicate after replay)
  const seqs = listed.map((m) => Number(m.sequenceId)).sort((a, b) => a - b);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));

  // users survive: bob can still get a token through the identity API and post
  const identity2 = identityClient(second);
  const bobToken = await identity2.getToken(bob.user, ['chat']);
  const bobThread = chatClient(second, bobToken.token).getChatThreadClient(threadId);
  const after = await bobThread.sendMessage({ content: 'after restart' });
  // ids keep increasing after a restart
  expect(BigInt(after.id) > BigInt(ackedAtKill.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b)))).toBe(true);
  const admin = new Admin(second);
  const state = await admin.state();
  expect(state.users).toBe(2);
  expect(state.threads).toBe(1);
  expect(await stop(second.child)).toBe(0);
}, 90_000);

test('a restart after a clean stop keeps edits, deletions, receipts and revocations', async () => {
  const loc = join(fixture.dir, 'edits');
  const first = await start(loc);
  const identity = identityClient(first);
  const alice = await newUser(identity);
  const revoked = await newUser(identity);
  const chat = chatClient(first, alice.token);
  const res = await chat.createChatThread({ topic: 'before' });
  const thread = chat.getChatThreadClient(res.chatThread?.id ?? '');
  const a = await thread.sendMessage({ content: 'edit me' });
  const b = await thread.sendMessage({ content: 'delete me' });
  await thread.updateMessage(a.id, { content: 'edited' });
  await thread.deleteMessage(b.id);
  await thread.updateTopic('after');
  await thread.sendReadReceipt({ chatMessageId: a.id });
  await identity.revokeTokens(revoked.user);
  process.kill(first.pid, 'SIGKILL');
  await killHard(first.child);

  const second = await start(loc);
  const t2 = chatClient(second, alice.token).getChatThreadClient(thread.threadId);
  expect((await t2.getProperties()).topic).toBe('after');
  const ma = await t2.getMessage(a.id);
  expect(ma.content?.message).toBe('edited');
  expect(ma.editedOn).toBeInstanceOf(Date);
  const mb = (await all(t2.listMessages())).find((m) => m.id === b.id);
  expect(mb?.deletedOn).toBeInstanceOf(Date);
  expect((await all(t2.listReadReceipts())).map((r) => r.chatMessageId)).toEqual([a.id]);
  // revoked token stays revoked
  const revokedChat = chatClient(second, revoked.token, { retryOptions: { maxRetries: 0 } });
  await expect(revokedChat.createChatThread({ topic: 'x' })).rejects.toMatchObject({ statusCode: 401 });
  expect(await stop(second.child)).toBe(0);
}, 60_000);

test('a createChatThread retried after kill -9 with the same repeatability-request-id returns the same thread', async () => {
  const loc = join(fixture.dir, 'idempotency');
  const first = await start(loc);
  const alice = await newUser(identityClient(first));
  const token = crypto.randomUUID();
  const a = await chatClient(first, alice.token).createChatThread({ topic: 'once only' }, { idempotencyToken: token });
  process.kill(first.pid, 'SIGKILL');
  await killHard(first.child);

  const second = await start(loc);
  const b = await chatClient(second, alice.token).createChatThread({ topic: 'once only' }, { idempotencyToken: token });
  expect(b.chatThread?.id).toBe(a.chatThread?.id);
  expect((await new Admin(second).state()).threads).toBe(1);
  expect(await stop(second.child)).toBe(0);
}, 30_000);

test('admin reset is durable: a restart after reset does not bring old state back', async () => {
  const loc = join(fixture.dir, 'reset');
  const first = await start(loc);
  const alice = await newUser(identityClient(first));
  await chatClient(first, alice.token).createChatThread({ topic: 'to be reset' });
  await new Admin(first).reset();
  process.kill(first.pid, 'SIGKILL');
  await killHard(first.child);
  const second = await start(loc);
  const state = await new Admin(second).state();
  expect({ users: state.users, threads: state.threads, messages: state.messages }).toEqual({
    users: 0,
    threads: 0,
    messages: 0,
  });
  expect(await stop(second.child)).toBe(0);
}, 30_000);

test('kill -9 during a burst of mixed writes (threads, adds, edits, sends) loses no acknowledged effect', async () => {
  const loc = join(fixture.dir, 'mixed');
  const first = await start(loc);
  const identity = identityClient(first);
  const alice = await newUser(identity);
  const pool = await Promise.all(Array.from({ length: 40 }, () => newUser(identity)));
  const chat = chatClient(first, alice.token, { retryOptions: { maxRetries: 0 } });
  const base = (await chat.createChatThread({ topic: 'base' })).chatThread?.id ?? '';
  const baseThread = chat.getChatThreadClient(base);
  const seed = await baseThread.sendMessage({ content: 'seed' });

  const ackedThreads: { id: string; topic: string }[] = [];
  const ackedAdds: string[] = [];
  const ackedEdits: string[] = [];
  const ackedSends: string[] = [];
  let killed = false;
  /** Runs `op` until the kill; an error before the kill is a test failure, after it the loop just ends. */
  const until = async (op: (i: number) => Promise<void>, limit = Infinity): Promise<void> => {
    for (let i = 0; !killed && i < limit; i++) {
      try {
        await op(i);
      } catch (err) {
        if (killed) return;
        throw err;
      }
    }
  };
  const loops = [
    until(async (i) => {
      const topic = `t${i}`;
      const res = await chat.createChatThread({ topic });
      ackedThreads.push({ id: res.chatThread?.id ?? '', topic });
    }),
    until(async (i) => {
      const u = pool[i] as TestUser;
      await baseThread.addParticipants({ participants: [{ id: u.user }] });
      ackedAdds.push(u.id);
    }, pool.length),
    until(async (i) => {
      const content = `edit ${i}`;
      await baseThread.updateMessage(seed.id, { content });
      ackedEdits.push(content);
    }),
    ...Array.from({ length: 8 }, () =>
      until(async () => {
        ackedSends.push((await baseThread.sendMessage({ content: 's' })).id);
      }),
    ),
  ];
  const deadline = Date.now() + 20_000;
  while (ackedSends.length < 150 || ackedThreads.length < 10) {
    if (Date.now() > deadline)
      throw new Error(`burst stalled: ${ackedSends.length} sends, ${ackedThreads.length} threads`);
    await new Promise((r) => setTimeout(r, 5));
  }
  process.kill(first.pid, 'SIGKILL');
  killed = true;
  await killHard(first.child);
  await Promise.all(loops);
  const [threads, adds, edits, sends] = [[...ackedThreads], [...ackedAdds], [...ackedEdits], [...ackedSends]];

  const second = await start(loc);
  const chat2 = chatClient(second, alice.token);
  const listed = new Map((await all(chat2.listChatThreads())).map((t) => [t.id, t.topic]));
  expect(threads.filter((t) => listed.get(t.id) !== t.topic)).toEqual([]);
  const t2 = chat2.getChatThreadClient(base);
  const members = new Set((await all(t2.listParticipants())).map((p) => getIdentifierRawId(p.id)));
  expect(adds.filter((id) => !members.has(id))).toEqual([]);
  const ids = new Set((await all(t2.listMessages({ maxPageSize: 200 }))).map((m) => m.id));
  expect(sends.filter((id) => !ids.has(id))).toEqual([]);
  // the last acknowledged edit, or a later unacknowledged one, is what the message says now
  const content = (await t2.getMessage(seed.id)).content?.message ?? '';
  const lastAcked = edits.length > 0 ? Number(edits[edits.length - 1]?.split(' ')[1]) : -1;
  expect(content === 'seed' ? -1 : Number(content.split(' ')[1])).toBeGreaterThanOrEqual(lastAcked);
  expect(await stop(second.child)).toBe(0);
}, 60_000);

test('a torn last journal line (kill -9 mid-write) is dropped and the rest is served', async () => {
  const loc = join(fixture.dir, 'torn');
  const first = await start(loc);
  const alice = await newUser(identityClient(first));
  const chat = chatClient(first, alice.token);
  const tid = (await chat.createChatThread({ topic: 'torn' })).chatThread?.id ?? '';
  const { id } = await chat.getChatThreadClient(tid).sendMessage({ content: 'kept' });
  expect(await stop(first.child)).toBe(0);
  // simulate a write cut short: half a JSON record without its newline, in the state file(s)
  const journals = readdirSync(loc).filter((n) => n.endsWith('.jsonl')); // README: acs-emulator-state.jsonl
  expect(journals.length).toBeGreaterThan(0);
  for (const f of journals) {
    appendFileSync(join(loc, f), '{"t":"messageAdded","threadId":"19:x@thread.v2","id":"99');
  }
  const second = await start(loc);
  const t2 = chatClient(second, alice.token).getChatThreadClient(tid);
  expect((await t2.getMessage(id)).content?.message).toBe('kept');
  const next = await t2.sendMessage({ content: 'after repair' });
  expect((await t2.getMessage(next.id)).content?.message).toBe('after repair');
  expect(await stop(second.child)).toBe(0);
  // and the repaired file replays cleanly again
  const third = await start(loc);
  const t3 = chatClient(third, alice.token).getChatThreadClient(tid);
  expect((await t3.getMessage(next.id)).content?.message).toBe('after repair');
  expect(await stop(third.child)).toBe(0);
}, 30_000);

test('a second emulator on the same --location is refused while the first runs; the first keeps working', async () => {
  const loc = join(fixture.dir, 'locked');
  const first = await start(loc);
  const res = spawnSync(
    process.execPath,
    [CLI_PATH, '--port', '0', '--location', loc, '--access-key', KEY, '--silent'],
    {
      encoding: 'utf8',
      timeout: 15_000,
    },
  );
  expect(res.status).not.toBe(0);
  expect(res.status).not.toBeNull();
  expect(res.stderr).toContain(loc);
  const alice = await newUser(identityClient(first));
  await expect(chatClient(first, alice.token).createChatThread({ topic: 'still mine' })).resolves.toHaveProperty(
    'chatThread',
  );
  expect(await stop(first.child)).toBe(0);
  // a clean stop releases the directory
  const again = await start(loc);
  expect(await stop(again.child)).toBe(0);
}, 30_000);
