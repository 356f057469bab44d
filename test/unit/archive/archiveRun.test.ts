import { DEFAULT_ARCHIVE_SETTINGS, ArchiveRun, type ArchiveSettings } from '../../../src/archive/archiveRun';
import { mergeParts } from '../../../src/archive/partReader';
import type { ArchiveRecord } from '../../../src/archive/records';
import { FakeChat, userId } from '../../support/fakeChat';
import { MemoryBlobs, THREAD, foreverLease, memoryNotes } from './fakes';

const noWait = { budgetMs: 0, sleep: async () => undefined };
const MEMBER = userId(7);

function setup(settings: Partial<ArchiveSettings> = {}) {
  // The service's clock: one message (or edit) a second, from the thread's creation on.
  let serviceClock = Date.parse('2026-01-01T00:00:00Z');
  const chat = new FakeChat({ now: () => (serviceClock += 1000) });
  chat.addThread(THREAD);
  const thread = chat.thread(THREAD);
  thread.info.createdOn = '2026-01-01T00:00:00Z';
  thread.members.set(MEMBER, { id: MEMBER, displayName: 'User' });
  const send = (text: string, type: 'text' | 'html' | 'topicUpdated' = 'text') =>
    chat.post(
      THREAD,
      type === 'topicUpdated'
        ? { type, content: { topic: text, initiatorId: MEMBER } }
        : { type, content: { message: text }, senderId: MEMBER, senderDisplayName: 'User' },
    );
  /** The message at this sequence id now. */
  const at = (seq: number) => chat.atSequence(THREAD, seq);
  const edit = (seq: number, text: string) => chat.editMessage(THREAD, at(seq).id, { content: text });
  const remove = (seq: number) => chat.deleteMessage(THREAD, at(seq).id);
  const blobs = new MemoryBlobs();
  const notes = memoryNotes();
  let clock = Date.parse('2026-03-01T00:00:00Z');
  const run = (runId = `run-${clock}`) =>
    new ArchiveRun(
      {
        chat,
        archive: blobs,
        notes,
        lease: foreverLease,
        settings: { ...DEFAULT_ARCHIVE_SETTINGS, pageRetry: noWait, callRetry: noWait, ...settings },
        now: () => new Date((clock += 1000)),
      },
      { runId, trigger: 'test', startedAt: new Date(clock) },
    );
  const records = async (): Promise<ArchiveRecord[]> => {
    const out: ArchiveRecord[] = [];
    const manifest = blobs.manifest?.manifest;
    if (!manifest) return out;
    for await (const r of mergeParts(manifest.parts, (name) => blobs.downloadPart(name))) out.push(r);
    return out;
  };
  /** Every archived version of one message: [sequenceId, text]. */
  const versions = async (messageId: string) =>
    (await records()).filter((r) => r.id === messageId).map((r) => [r.sequenceId, r.content.message]);
  return { chat, thread, send, at, edit, remove, blobs, notes, run, records, versions };
}

describe('ArchiveRun', () => {
  it('archives everything once, then only what is new or changed in the window', async () => {
    const { chat, send, at, edit, remove, blobs, run, records, versions } = setup({
      partMaxRawBytes: 2_000,
      rescanMessages: 50,
    });
    send('Topic', 'topicUpdated');
    for (let i = 0; i < 120; i++) send(`m${i}`, i % 5 === 0 ? 'html' : 'text');

    const first = await run().execute();
    expect(first).toMatchObject({ outcome: 'succeeded', newMessages: 121, changes: 0 });
    expect(first.parts).toBeGreaterThan(5); // small parts: many of them
    const manifest = blobs.manifest?.manifest;
    expect(manifest?.coverage).toEqual([[1, 121]]);
    expect(manifest?.watermark).toEqual({ sequenceId: 121, messageId: at(121).id, createdOn: at(121).createdOn });
    expect((await records()).map((r) => r.sequenceId)).toEqual(chat.sent(THREAD).map((m) => m.sequenceId));

    const inWindow = edit(100, 'edited in the window'); // moves to 122
    const deleted = remove(110); // 123
    const below = edit(10, 'edited below the window'); // 124, and no event noted it
    for (let i = 0; i < 10; i++) send(`late${i}`);
    chat.listPageCalls = 0;
    const second = await run().execute();
    expect(second).toMatchObject({ newMessages: 10, changes: 2, records: 12 });
    // The window (50) plus what is newer: one page of 200 with startTime, not the whole thread again.
    expect(chat.listPageCalls).toBe(1);
    expect(await records()).toHaveLength(121 + 12);
    expect(await versions(inWindow.id)).toEqual([
      ['100', 'm98'],
      ['122', 'edited in the window'],
    ]);
    expect(await versions(deleted.id)).toEqual([
      ['110', 'm108'],
      ['123', ''],
    ]);
    // Created before the window's start: only an event's note brings this edit (next tests).
    expect(await versions(below.id)).toEqual([['10', 'm8']]);
  });

  it('archives noted edits and deletions that moved to a new sequence id the listing did not read', async () => {
    const { send, edit, remove, notes, run, versions } = setup({ rescanMessages: 20 });
    for (let i = 0; i < 100; i++) send(`m${i}`);
    await run().execute();
    const edited = edit(5, 'old edit'); // far below the window: it lists first now, at sequence id 101
    const deleted = remove(50); // 102, created inside the time the listing reads
    send('new one');
    // The listing reads from the window's creation time on, so the old message reaches the run through the
    // note that its edited event leaves (src/bot/chatEvents.ts).
    await notes.note(THREAD, edited.id);
    await notes.note(THREAD, deleted.id);
    const next = await run().execute();
    expect(next).toMatchObject({ newMessages: 1, changes: 2, records: 3 });
    expect(notes.notes.size).toBe(0);
    expect(await versions(edited.id)).toEqual([
      ['5', 'm4'],
      ['101', 'old edit'],
    ]);
    expect(await versions(deleted.id)).toEqual([
      ['50', 'm49'],
      ['102', ''],
    ]);
    // Noting them again writes nothing: the archive holds those versions.
    await notes.note(THREAD, edited.id);
    await notes.note(THREAD, deleted.id);
    expect(await run().execute()).toMatchObject({ changes: 0, records: 0 });
    expect(notes.notes.size).toBe(0);
  });

  it('archives a noted edit of an old message when nothing was sent since', async () => {
    const { send, edit, notes, run, versions } = setup({ rescanMessages: 20 });
    for (let i = 0; i < 100; i++) send(`m${i}`);
    await run().execute();
    const edited = edit(5, 'old edit'); // 101: the thread's newest sequence id, which no listing from startTime reads
    await notes.note(THREAD, edited.id);
    expect(await run().execute()).toMatchObject({ newMessages: 0, changes: 1 });
    expect(notes.notes.size).toBe(0);
    send('later'); // 102: the next run covers 101 too, and writes nothing twice
    expect(await run().execute()).toMatchObject({ newMessages: 1, changes: 0 });
    expect(await versions(edited.id)).toEqual([
      ['5', 'm4'],
      ['101', 'old edit'],
    ]);
  });

  it('keeps an edit whose note lands after the run that covered its new sequence id', async () => {
    const { send, edit, remove, notes, run, versions } = setup({ rescanMessages: 20 });
    for (let i = 0; i < 100; i++) send(`m${i}`);
    await run().execute();
    const edited = edit(5, 'late edit'); // 101
    const deleted = remove(6); // 102
    send('after the edits'); // 103
    // This run covers 101 to 103 but cannot list 101 and 102 (created long before the window): only notes can.
    expect(await run().execute()).toMatchObject({ newMessages: 1, changes: 0 });
    // Event Grid delivers the events late (retries, a slow subscriber): the notes land now.
    await notes.note(THREAD, edited.id);
    await notes.note(THREAD, deleted.id);
    expect(await run().execute()).toMatchObject({ newMessages: 0, changes: 2 });
    expect(notes.notes.size).toBe(0);
    expect(await versions(edited.id)).toEqual([
      ['5', 'm4'],
      ['101', 'late edit'],
    ]);
    expect(await versions(deleted.id)).toEqual([
      ['6', 'm5'],
      ['102', ''],
    ]);
  });

  it('archives once a noted message that moved again while the run listed', async () => {
    const { chat, send, at, notes, run, versions } = setup({ rescanMessages: 20 });
    for (let i = 0; i < 100; i++) send(`m${i}`);
    await run().execute();
    const old = at(5); // created before the window: no listing reads it
    const recent = at(95); // inside the window: the next listing reads it
    await notes.note(THREAD, old.id);
    await notes.note(THREAD, recent.id);
    // Both are edited after this run's listing, before it reads its notes: to sequence ids beyond what it covers.
    const list = notes.list.bind(notes);
    notes.list = async (threadId, max) => {
      chat.editMessage(THREAD, old.id, { content: 'old, edited during the run' }); // 101
      chat.editMessage(THREAD, recent.id, { content: 'recent, edited during the run' }); // 102
      notes.list = list;
      return list(threadId, max);
    };
    await run().execute();
    await notes.note(THREAD, recent.id); // its event
    await run().execute();
    expect(notes.notes.size).toBe(0);
    expect(await versions(old.id)).toEqual([
      ['5', 'm4'],
      ['101', 'old, edited during the run'],
    ]);
    expect(await versions(recent.id)).toEqual([
      ['95', 'm94'],
      ['102', 'recent, edited during the run'],
    ]);
  });

  it('resumes a run that died after recording some parts, writing no record twice', async () => {
    const { chat, send, blobs, run, records } = setup({ partMaxRawBytes: 3_000, partsInFlight: 1 });
    for (let i = 0; i < 300; i++) send(`m${i}`);
    blobs.failUpload = 3;
    const dying = run('dies');
    await expect(dying.execute()).rejects.toThrow('storage went away');
    const partial = blobs.manifest?.manifest;
    expect(partial?.parts).toHaveLength(2);
    expect(partial?.coverage).toHaveLength(1);
    expect(partial?.coverage[0]?.[1]).toBe(300);
    expect(partial?.watermark).toBeUndefined();

    blobs.failUpload = undefined;
    send('after the crash');
    const resumed = await run('resumes').execute();
    const total = partial?.counts.messages ?? 0;
    expect(resumed.newMessages).toBe(301 - total);
    const all = await records();
    expect(all.map((r) => r.sequenceId)).toEqual(chat.sent(THREAD).map((m) => m.sequenceId));
    expect(blobs.manifest?.manifest.coverage).toEqual([[1, 301]]);
  });

  it('marks the archive of a thread ACS no longer has, and refuses one never archived', async () => {
    const { chat, thread, send, blobs, run } = setup();
    send('hello');
    chat.threads.delete(THREAD);
    await expect(run().execute()).rejects.toMatchObject({ kind: 'notFound' });
    expect(blobs.manifest).toBeUndefined();

    chat.threads.set(THREAD, thread);
    await run().execute();
    chat.threads.delete(THREAD);
    expect(await run().execute()).toMatchObject({ outcome: 'threadGone' });
    expect(blobs.manifest?.manifest.thread?.goneFromAcsAt).toEqual(expect.any(String));
    expect(blobs.manifest?.manifest.counts.records).toBe(1);
  });

  it('deletes old threads after archiving them only when configured', async () => {
    const off = setup();
    off.send('x');
    off.thread.info.createdOn = '2020-01-01T00:00:00Z';
    await off.run().execute();
    expect(off.chat.threads.has(THREAD)).toBe(true);

    const young = setup({ deleteAfterDays: 30 });
    young.send('x');
    young.thread.info.createdOn = '2026-02-20T00:00:00Z'; // 9 days before the run
    await young.run().execute();
    expect(young.chat.threads.has(THREAD)).toBe(true);

    const old = setup({ deleteAfterDays: 30 });
    old.send('x');
    old.thread.info.createdOn = '2025-12-01T00:00:00Z';
    await old.run().execute();
    expect(old.chat.threads.has(THREAD)).toBe(false);
    expect(old.blobs.manifest?.manifest.thread?.deletedByArchiveAt).toEqual(expect.any(String));
    expect(old.blobs.manifest?.manifest.counts.records).toBe(1);
  });

  it('never deletes an old thread while notes of it are pending', async () => {
    const { chat, thread, send, edit, notes, run, versions } = setup({ deleteAfterDays: 30, maxNotesPerRun: 1 });
    thread.info.createdOn = '2025-12-01T00:00:00Z';
    for (let i = 0; i < 10; i++) send(`m${i}`);
    const first = edit(1, 'first edit');
    const second = edit(2, 'second edit');
    await notes.note(THREAD, first.id);
    await notes.note(THREAD, second.id);
    // One note per run: the other is still pending, an edit the archive may not hold yet.
    await run().execute();
    expect(notes.notes.size).toBe(1);
    expect(chat.threads.has(THREAD)).toBe(true);
    await run().execute();
    expect(notes.notes.size).toBe(0);
    expect(chat.threads.has(THREAD)).toBe(false);
    expect(await versions(first.id)).toEqual([['11', 'first edit']]);
    expect(await versions(second.id)).toEqual([['12', 'second edit']]);
  });

  it('deletes an old thread whose newest change is a noted edit, once that edit is archived', async () => {
    const { chat, thread, send, edit, notes, run, versions } = setup({ deleteAfterDays: 30, rescanMessages: 20 });
    for (let i = 0; i < 100; i++) send(`m${i}`);
    thread.info.createdOn = '2026-02-20T00:00:00Z'; // young yet
    await run().execute();
    const edited = edit(5, 'old edit'); // 101, created long before the window
    await notes.note(THREAD, edited.id);
    thread.info.createdOn = '2025-12-01T00:00:00Z';
    await run().execute();
    expect(notes.notes.size).toBe(0);
    expect(chat.threads.has(THREAD)).toBe(false);
    expect(await versions(edited.id)).toEqual([
      ['5', 'm4'],
      ['101', 'old edit'],
    ]);
  });

  it('removes parts a dead run uploaded without recording', async () => {
    const { send, blobs, run } = setup();
    send('x');
    blobs.parts.set('parts/0000000001-0000000001-deadbeefdeadbeef.ndjson.gz', Buffer.from('orphan'));
    await run().execute();
    expect([...blobs.parts.keys()]).toEqual(blobs.manifest?.manifest.parts.map((p) => p.name));
  });
});
