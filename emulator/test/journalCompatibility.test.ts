import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getIdentifierRawId } from '@azure/communication-common';
import { renderMessage } from '../src/model/wire';
import type { Change } from '../src/persistence/changes';
import type { SnapshotRecord } from '../src/persistence/snapshot';
import { snapshotLines } from '../src/persistence/snapshot';
import type { JournalRecord } from '../src/persistence/Journal';
import { JOURNAL_FILE, replay } from '../src/persistence/Store';
import { all, chatClient, identityClient } from './support/clients';
import type { CliEmulator } from './support/cli';
import { cliFixture, spawnCli, stop } from './support/cli';

// Journals and snapshots written before edits and deletes took a new sequenceId (and before deleted messages were
// served with empty content) still load: replay applies today's rules to old change lines, and old snapshot lines
// keep the sequence ids they were written with.

const KEY = Buffer.from('journal-compat-test-key-0123456789ab').toString('base64');
const fixture = cliFixture('acs-emu-compat-');
const RESOURCE = '1b5cc06b-f352-4571-b1e6-d9b259b7c776';
const ALICE = `8:acs:${RESOURCE}_00000007-daa3-db02-7679-5b3a0d00001c`;
const THREAD = '19:uvjH9s8mRgyvRvIJIV74qA_mQNSVlGk_eWJrlyXDajg1AAAAAAAAAAAAAAAAAAA@thread.v2';
const T = 1_700_000_000_000;
const F = {
  threadMetadata: false,
  participantMetadata: false,
  retentionPolicy: false,
  messageAttachments: false,
  messagingPolicy: false,
};

/** What the previous release wrote for: create a thread, send a, b, c, edit a, delete b. */
function oldChangeLines(): Change[] {
  const text = (id: number, content: string): Change => ({
    t: 'messageAdded',
    threadId: THREAD,
    id: String(id),
    type: 'text',
    at: id,
    sender: ALICE,
    name: 'Alice',
    content,
  });
  return [
    { t: 'init', resourceId: RESOURCE },
    { t: 'userCreated', id: ALICE, at: T },
    {
      t: 'threadCreated',
      id: THREAD,
      topic: 'old',
      at: T + 1,
      by: ALICE,
      participants: [{ id: ALICE, shareHistoryTime: 0 }],
      invalid: [],
    },
    {
      t: 'messageAdded',
      threadId: THREAD,
      id: String(T + 2),
      type: 'participantAdded',
      at: T + 2,
      participants: [{ id: ALICE, shareHistoryTime: 0 }],
      initiator: ALICE,
    },
    {
      t: 'messageAdded',
      threadId: THREAD,
      id: String(T + 3),
      type: 'topicUpdated',
      at: T + 3,
      content: 'old',
      initiator: ALICE,
    },
    text(T + 4, 'a'),
    text(T + 5, 'b'),
    text(T + 6, 'c'),
    { t: 'messageEdited', threadId: THREAD, messageId: String(T + 4), at: T + 7, content: 'a2', metadata: { k: 'v' } },
    { t: 'messageDeleted', threadId: THREAD, messageId: String(T + 5), at: T + 8 },
  ];
}

/** The same history as the previous release's snapshot wrote it: every message at its creation sequenceId. */
function oldSnapshotLines(): SnapshotRecord[] {
  const msg = (
    id: number,
    content: string,
    version: number,
    edited: number | null,
    deleted: number | null,
  ): SnapshotRecord => ({
    t: 'sMsg',
    o: 0,
    m: [String(id), 'text', id, version, ALICE, 'Alice', content, null, null, null, edited, deleted],
  });
  return [
    { t: 'snap', v: 1, resourceId: RESOURCE, clock: T + 8, messages: 5 },
    { t: 'sUser', id: ALICE, at: T, rev: 0 },
    {
      t: 'sThread',
      id: THREAD,
      topic: 'old',
      at: T + 1,
      by: ALICE,
      p: [[{ id: ALICE, shareHistoryTime: 0 }, 1]],
      n: 1,
      rc: [],
      fm: [],
      last: T + 6,
    },
    {
      t: 'sMsg',
      o: 0,
      m: [
        String(T + 2),
        'participantAdded',
        T + 2,
        T + 2,
        null,
        null,
        null,
        [{ id: ALICE, shareHistoryTime: 0 }],
        ALICE,
        null,
        null,
        null,
      ],
    },
    {
      t: 'sMsg',
      o: 0,
      m: [String(T + 3), 'topicUpdated', T + 3, T + 3, null, null, 'old', null, ALICE, null, null, null],
    },
    msg(T + 4, 'a2', T + 7, T + 7, null),
    msg(T + 5, 'b', T + 8, null, T + 8),
    msg(T + 6, 'c', T + 6, null, null),
    { t: 'sUserThreads', id: ALICE, o: [0] },
  ];
}

/** [id, sequenceId] of the thread's messages, newest sequenceId first, as listMessages orders them. */
function listed(records: JournalRecord[]): [string, number][] {
  const thread = replay(records).threads.get(THREAD);
  return (thread?.messages ?? [])
    .filter((m) => m !== undefined)
    .map((m): [string, number] => [m.id, m.seq])
    .reverse();
}

test("old change lines replay with today's rules: the edit and the delete take the next sequenceIds", () => {
  const records = oldChangeLines();
  expect(listed(records)).toEqual([
    [String(T + 5), 7],
    [String(T + 4), 6],
    [String(T + 6), 5],
    [String(T + 3), 2],
    [String(T + 2), 1],
  ]);
  const state = replay(records);
  const deleted = state.threads.get(THREAD)?.messages[6];
  expect(deleted && renderMessage(deleted, F)).toEqual({
    id: String(T + 5),
    type: 'text',
    sequenceId: '7',
    version: String(T + 8),
    content: { message: '' },
    senderDisplayName: 'Alice',
    createdOn: new Date(T + 5).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    senderCommunicationIdentifier: { rawId: ALICE, communicationUser: { id: ALICE } },
    deletedOn: new Date(T + 8).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  expect(state.messageCount).toBe(5);
  // a snapshot of it (with the gaps the edit and delete left) loads back to exactly the same state
  const again = replay(snapshotLines(state).map((l) => JSON.parse(l) as JournalRecord));
  expect(snapshotLines(again)).toEqual(snapshotLines(state));
  expect(listed(snapshotLines(state).map((l) => JSON.parse(l) as JournalRecord))).toEqual(listed(records));
});

test('an old snapshot keeps its sequenceIds; changes after it take new ones and survive another snapshot', () => {
  const records: JournalRecord[] = [
    ...oldSnapshotLines(),
    { t: 'messageEdited', threadId: THREAD, messageId: String(T + 6), at: T + 9, content: 'c2' },
  ];
  expect(listed(records)).toEqual([
    [String(T + 6), 6],
    [String(T + 5), 4],
    [String(T + 4), 3],
    [String(T + 3), 2],
    [String(T + 2), 1],
  ]);
  const state = replay(records);
  const b = state.threads.get(THREAD)?.messages[3];
  expect(b && renderMessage(b, F)['content']).toEqual({ message: '' });
  const snap = snapshotLines(state).map((l) => JSON.parse(l) as JournalRecord);
  expect(listed(snap)).toEqual(listed(records));
  expect(snapshotLines(replay(snap))).toEqual(snapshotLines(state));
});

describe.each([
  ['change lines', (): JournalRecord[] => oldChangeLines()],
  ['a snapshot', (): JournalRecord[] => oldSnapshotLines()],
])('an emulator started on an old journal (%s)', (_label, records) => {
  test('serves the deleted message cleanly through the SDK', async () => {
    const loc = join(fixture.dir, _label.replace(/\W+/g, '-'));
    mkdirSync(loc, { recursive: true });
    writeFileSync(
      join(loc, JOURNAL_FILE),
      records()
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    const emu: CliEmulator = fixture.track(
      await spawnCli(['--port', '0', '--location', loc, '--access-key', KEY, '--silent']),
    );
    const token = (await identityClient(emu).getToken({ communicationUserId: ALICE }, ['chat'])).token;
    for (const apiVersion of [undefined, '2021-09-07']) {
      const thread = chatClient(emu, token, apiVersion ? { apiVersion } : {}).getChatThreadClient(THREAD);
      const messages = await all(thread.listMessages({ maxPageSize: 2 }));
      expect(messages.map((m) => m.id)).toEqual(listed(records()).map(([id]) => id));
      const b = await thread.getMessage(String(T + 5));
      expect(b.deletedOn).toEqual(new Date(Math.floor((T + 8) / 1000) * 1000));
      expect(b.content?.message).toBe('');
      expect(getIdentifierRawId(b.sender ?? { communicationUserId: '' })).toBe(ALICE);
      expect((await thread.getMessage(String(T + 4))).content?.message).toBe('a2');
    }
    expect(await stop(emu.child)).toBe(0);
  });
});
