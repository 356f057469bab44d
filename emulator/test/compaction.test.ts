import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatClient, ChatThreadClient } from '@azure/communication-chat';
import { getIdentifierRawId } from '@azure/communication-common';
import { FileJournal } from '../src/persistence/Journal';
import { snapshotLines } from '../src/persistence/snapshot';
import { COMPACT_BYTES_ENV, JOURNAL_FILE, replay } from '../src/persistence/Store';
import { Admin } from './support/admin';
import type { TestUser } from './support/clients';
import { all, chatClient, identityClient, newUser } from './support/clients';
import type { CliEmulator } from './support/cli';
import { killHard, spawnCli, stop, cliFixture } from './support/cli';

// Journal compaction (contract: persistence): a restart or an online rewrite of the journal changes nothing the API
// shows, and a kill -9 at any moment of it loses no acknowledged write and duplicates none.

const KEY = Buffer.from('compaction-test-key-0123456789abcdef').toString('base64');
const fixture = cliFixture('acs-emu-compact-');

async function start(location: string, env: NodeJS.ProcessEnv = {}): Promise<CliEmulator> {
  const emu = await spawnCli(['--port', '0', '--location', location, '--access-key', KEY, '--silent'], 20_000, {
    ...process.env,
    ...env,
  });
  fixture.track(emu);
  return emu;
}

/** The state a journal file replays to, as snapshot lines (every field, every Map in order). */
async function replayed(file: string): Promise<string[]> {
  const copy = `${file}.replay-copy`;
  copyFileSync(file, copy);
  const journal = new FileJournal(copy);
  try {
    return snapshotLines(replay(await journal.load()));
  } finally {
    await journal.close();
    rmSync(copy, { force: true });
  }
}

/** Everything a user can see through the chat SDK, with dates as numbers. */
async function apiView(chat: ChatClient): Promise<unknown> {
  const threads = await all(chat.listChatThreads());
  const out: unknown[] = [];
  for (const t of threads) {
    const item: Record<string, unknown> = { id: t.id, topic: t.topic, deletedOn: t.deletedOn?.getTime() };
    if (t.deletedOn === undefined) {
      const thread = chat.getChatThreadClient(t.id);
      const props = await thread.getProperties();
      item['props'] = { topic: props.topic, createdOn: props.createdOn.getTime(), metadata: props.metadata };
      item['participants'] = (await all(thread.listParticipants({ maxPageSize: 2 }))).map((p) => ({
        id: getIdentifierRawId(p.id),
        name: p.displayName,
        share: p.shareHistoryTime?.getTime(),
      }));
      item['messages'] = (await all(thread.listMessages({ maxPageSize: 7 }))).map((m) => ({
        id: m.id,
        seq: m.sequenceId,
        type: m.type,
        version: m.version,
        content: m.content?.message ?? m.content?.topic,
        members: m.content?.participants?.map((p) => getIdentifierRawId(p.id)),
        sender: m.sender ? getIdentifierRawId(m.sender) : undefined,
        name: m.senderDisplayName,
        createdOn: m.createdOn.getTime(),
        editedOn: m.editedOn?.getTime(),
        deletedOn: m.deletedOn?.getTime(),
        metadata: m.metadata,
      }));
      item['receipts'] = (await all(thread.listReadReceipts({ maxPageSize: 1 }))).map((r) => ({
        by: getIdentifierRawId(r.sender),
        message: r.chatMessageId,
        readOn: r.readOn.getTime(),
      }));
    }
    out.push(item);
  }
  return out;
}

async function sendSome(thread: ChatThreadClient, n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await thread.sendMessage({ content: `${prefix}${i}` }, { metadata: { i: String(i) } })).id);
  }
  return ids;
}

test.each([
  { label: 'compacted at restart', env: {}, online: false },
  { label: 'compacted online every few KiB, then at restart', env: { [COMPACT_BYTES_ENV]: '2048' }, online: true },
])(
  'the API shows exactly the same state after a restart ($label)',
  async ({ env, online }) => {
    const loc = join(fixture.dir, `equivalence-${online ? 'online' : 'restart'}`);
    const journalPath = join(loc, JOURNAL_FILE);
    const first = await start(loc, env);
    const identity = identityClient(first);

    // history that a reset makes dead weight
    const ghost = await newUser(identity);
    const ghostThread = await chatClient(first, ghost.token).createChatThread({ topic: 'before reset' });
    await sendSome(chatClient(first, ghost.token).getChatThreadClient(ghostThread.chatThread?.id ?? ''), 150, 'old');
    await new Admin(first).reset();

    const [alice, bob, carol, dave, erin] = (await Promise.all(Array.from({ length: 5 }, () => newUser(identity)))) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    await identity.revokeTokens(dave.user);
    await identity.deleteUser(erin.user);
    const aliceChat = chatClient(first, alice.token);
    const idemToken = crypto.randomUUID();
    const created = await aliceChat.createChatThread(
      { topic: 'main' },
      {
        participants: [{ id: bob.user, displayName: 'Bob' }, { id: carol.user }],
        metadata: { team: 'blue', drop: 'me' },
        idempotencyToken: idemToken,
      },
    );
    const mainId = created.chatThread?.id ?? '';
    const main = aliceChat.getChatThreadClient(mainId);
    const sent = await sendSome(main, 20, 'm');
    await main.updateMessage(sent[3] ?? '', { content: 'edited', metadata: { i: 'e' } });
    await main.deleteMessage(sent[5] ?? '');
    await main.removeParticipant(bob.user);
    await main.addParticipants({ participants: [{ id: dave.user, displayName: 'Dave', metadata: { role: 'x' } }] });
    await main.addParticipants({ participants: [{ id: bob.user, displayName: 'Bob again' }] });
    await main.updateProperties({ topic: 'main v2', metadata: { team: 'red' } });
    await main.sendReadReceipt({ chatMessageId: sent[10] ?? '' });
    const carolMain = chatClient(first, carol.token).getChatThreadClient(mainId);
    await carolMain.sendMessage({ content: 'from carol' }, { senderDisplayName: 'Carol' });
    await carolMain.sendReadReceipt({ chatMessageId: sent[2] ?? '' });
    await main.sendReadReceipt({ chatMessageId: sent[12] ?? '' });

    const doomed = await aliceChat.createChatThread({ topic: 'doomed' }, { participants: [{ id: carol.user }] });
    await sendSome(aliceChat.getChatThreadClient(doomed.chatThread?.id ?? ''), 30, 'd');
    await aliceChat.deleteChatThread(doomed.chatThread?.id ?? '');
    const side = await aliceChat.createChatThread({ topic: 'side' }, { participants: [{ id: bob.user }] });
    const sideSent = await sendSome(aliceChat.getChatThreadClient(side.chatThread?.id ?? ''), 5, 's');

    const before = { alice: await apiView(aliceChat), carol: await apiView(chatClient(first, carol.token)) };
    const stateBefore = await new Admin(first).state();
    expect(await stop(first.child)).toBe(0);
    const sizeBefore = statSync(journalPath).size;
    const replayedBefore = await replayed(journalPath);
    // online: the journal was already rewritten while the workload ran (it starts with a snapshot)
    expect(readFileSync(journalPath, 'utf8').startsWith('{"t":"snap"')).toBe(online);
    const hadReset = readFileSync(journalPath, 'utf8').includes('"t":"reset"');
    expect(hadReset || online).toBe(true);

    const second = await start(loc);
    // the start-up rewrite replays to exactly the state the whole history replays to
    if (hadReset) expect(statSync(journalPath).size).toBeLessThan(sizeBefore);
    else expect(statSync(journalPath).size).toBe(sizeBefore); // online compaction already dropped the reset
    expect(await replayed(journalPath)).toEqual(replayedBefore);
    expect(readFileSync(journalPath, 'utf8')).not.toContain('"t":"reset"');
    expect(existsSync(`${journalPath}.compacting`)).toBe(false);

    const aliceChat2 = chatClient(second, alice.token);
    expect(await apiView(aliceChat2)).toEqual(before.alice);
    expect(await apiView(chatClient(second, carol.token))).toEqual(before.carol);
    const stateAfter = await new Admin(second).state();
    // Delivery and call counts are per process: only the stored state must match.
    expect({ ...stateAfter, eventDelivery: undefined, calls: undefined }).toEqual({
      ...stateBefore,
      eventDelivery: undefined,
      calls: undefined,
    });

    // the idempotent create replays the same thread, the revoked token stays refused
    const again = await aliceChat2.createChatThread(
      { topic: 'main' },
      {
        participants: [{ id: bob.user, displayName: 'Bob' }, { id: carol.user }],
        metadata: { team: 'blue', drop: 'me' },
        idempotencyToken: idemToken,
      },
    );
    expect(again.chatThread?.id).toBe(mainId);
    const daveChat = chatClient(second, dave.token, { retryOptions: { maxRetries: 0 } });
    await expect(daveChat.createChatThread({ topic: 'x' })).rejects.toMatchObject({ statusCode: 401 });
    await expect(identityClient(second).getToken(erin.user, ['chat'])).rejects.toMatchObject({ statusCode: 404 });

    // ids and sequence ids continue after the snapshot without colliding
    const maxId = [...sent, ...sideSent].reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));
    const main2 = aliceChat2.getChatThreadClient(mainId);
    const next = await main2.sendMessage({ content: 'after compaction' });
    expect(BigInt(next.id) > BigInt(maxId)).toBe(true);
    const messages = await all(main2.listMessages());
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
    // distinct sequence ids, newest first; the edit and the delete each took a new one and left a gap behind
    const seqs = messages.map((m) => Number(m.sequenceId));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.max(...seqs)).toBe(seqs.length + 2);
    expect(await stop(second.child)).toBe(0);

    // snapshot + appended changes replay too, and a journal without dead history is not rewritten again
    const sizeCompacted = statSync(journalPath).size;
    const third = await start(loc);
    expect(statSync(journalPath).size).toBe(sizeCompacted);
    expect(
      (await chatClient(third, alice.token).getChatThreadClient(mainId).getMessage(next.id)).content?.message,
    ).toBe('after compaction');
    expect(await stop(third.child)).toBe(0);
  },
  120_000,
);

test('past 1 MiB, a journal holding over twice what the live state needs is rewritten at start; a smaller one is not', async () => {
  const loc = join(fixture.dir, 'size-rule');
  const journalPath = join(loc, JOURNAL_FILE);
  const first = await start(loc);
  const alice = await newUser(identityClient(first));
  const chat = chatClient(first, alice.token);
  const tid = (await chat.createChatThread({ topic: 'edits' })).chatThread?.id ?? '';
  const { id } = await chat.getChatThreadClient(tid).sendMessage({ content: 'v0' });
  expect(await stop(first.child)).toBe(0);

  // history an edit-heavy client would leave: many edits of one message (written as the emulator writes them)
  const at = Number(id) + 1;
  const edits = (from: number, count: number): string =>
    Array.from({ length: count }, (_, i) =>
      JSON.stringify({
        t: 'messageEdited',
        threadId: tid,
        messageId: id,
        at: at + from + i,
        content: `v${from + i + 1}`,
      }),
    ).join('\n') + '\n';
  appendFileSync(journalPath, edits(0, 1000));
  const small = statSync(journalPath).size;
  expect(small).toBeLessThan(1024 * 1024);
  const second = await start(loc);
  expect(statSync(journalPath).size).toBe(small); // under 1 MiB: left alone
  expect(await stop(second.child)).toBe(0);

  let count = 1000;
  while (statSync(journalPath).size <= 1024 * 1024) {
    appendFileSync(journalPath, edits(count, 1000));
    count += 1000;
  }
  const big = statSync(journalPath).size;
  const replayedBig = await replayed(journalPath);
  const third = await start(loc);
  expect(statSync(journalPath).size).toBeLessThan(big / 100);
  expect(await replayed(journalPath)).toEqual(replayedBig);
  const m = await chatClient(third, alice.token).getChatThreadClient(tid).getMessage(id);
  expect(m.content?.message).toBe(`v${count}`);
  expect(m.editedOn?.getTime()).toBe(Math.floor((at + count - 1) / 1000) * 1000); // rendered in whole seconds
  expect(await stop(third.child)).toBe(0);
}, 60_000);

type KillMoment = 'while the temp file is being written' | 'right after a swap' | 'after the third swap';

/** Polls the directory until `moment` is seen (or `deadline`), as fast as the event loop allows. */
async function waitFor(moment: KillMoment, journalPath: string, deadline: number): Promise<void> {
  const ino = (): number | undefined => {
    try {
      return statSync(journalPath).ino;
    } catch {
      return undefined;
    }
  };
  let last = ino();
  let swaps = 0;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`never saw the moment: ${moment}`);
    if (moment === 'while the temp file is being written') {
      if (existsSync(`${journalPath}.compacting`)) return;
    } else {
      const now = ino();
      if (now !== undefined && now !== last) {
        swaps++;
        last = now;
        if (moment === 'right after a swap' || swaps >= 3) return;
      }
    }
    await new Promise((r) => setImmediate(r));
  }
}

test.each<KillMoment>(['while the temp file is being written', 'right after a swap', 'after the third swap'])(
  'kill -9 during online compaction (%s) under concurrent sends: every acknowledged message once',
  async (moment) => {
    const loc = join(fixture.dir, `online-${moment.replace(/\W+/g, '-')}`);
    const journalPath = join(loc, JOURNAL_FILE);
    const first = await start(loc, { [COMPACT_BYTES_ENV]: '2048' });
    const alice = await newUser(identityClient(first));
    const chat = chatClient(first, alice.token, { retryOptions: { maxRetries: 0 } });
    const threadId = (await chat.createChatThread({ topic: 'online' })).chatThread?.id ?? '';
    const sender = chat.getChatThreadClient(threadId);
    const acked: string[] = [];
    let killed = false;
    const loops = Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; !killed; i++) {
        try {
          acked.push((await sender.sendMessage({ content: `w${w}-${i}` }, { metadata: { w: String(w) } })).id);
        } catch (err) {
          if (killed) return; // in flight at the kill: never acknowledged
          throw err;
        }
      }
    });
    try {
      await waitFor(moment, journalPath, Date.now() + 30_000);
    } finally {
      process.kill(first.pid, 'SIGKILL');
      killed = true;
      await killHard(first.child);
      await Promise.all(loops);
    }
    const ackedAtKill = [...acked];
    expect(ackedAtKill.length).toBeGreaterThan(0);

    const second = await start(loc);
    expect(existsSync(`${journalPath}.compacting`)).toBe(false);
    const listed = await all(chatClient(second, alice.token).getChatThreadClient(threadId).listMessages());
    const texts = listed.filter((m) => m.type === 'text');
    const ids = texts.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length); // nothing twice
    const present = new Set(ids);
    expect(ackedAtKill.filter((id) => !present.has(id))).toEqual([]); // nothing acknowledged lost
    const contents = texts.map((m) => m.content?.message);
    expect(new Set(contents).size).toBe(contents.length);
    const seqs = listed.map((m) => Number(m.sequenceId)).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(await stop(second.child)).toBe(0);
  },
  90_000,
);

test('a torn temp file from a compaction cut short is ignored and removed at start', async () => {
  const loc = join(fixture.dir, 'torn-temp');
  const journalPath = join(loc, JOURNAL_FILE);
  const first = await start(loc);
  const alice = await newUser(identityClient(first));
  const chat = chatClient(first, alice.token);
  const tid = (await chat.createChatThread({ topic: 'kept' })).chatThread?.id ?? '';
  const { id } = await chat.getChatThreadClient(tid).sendMessage({ content: 'kept' });
  process.kill(first.pid, 'SIGKILL');
  await killHard(first.child);
  const journalBefore = readFileSync(journalPath);
  // a snapshot interrupted half-way: an empty state and half a record, never renamed over the journal
  writeFileSync(
    `${journalPath}.compacting`,
    '{"t":"snap","v":1,"resourceId":"00000000-0000-0000-0000-000000000000","clock":0,"messages":0}\n{"t":"sUs',
  );

  const second = await start(loc);
  expect(existsSync(`${journalPath}.compacting`)).toBe(false);
  expect(readFileSync(journalPath).equals(journalBefore)).toBe(true);
  const t2 = chatClient(second, alice.token).getChatThreadClient(tid);
  expect((await t2.getProperties()).topic).toBe('kept');
  expect((await t2.getMessage(id)).content?.message).toBe('kept');
  expect((await new Admin(second).state()).users).toBe(1);
  expect(await stop(second.child)).toBe(0);
}, 30_000);
