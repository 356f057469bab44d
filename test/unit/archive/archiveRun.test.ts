import { DEFAULT_ARCHIVE_SETTINGS, ArchiveRun, type ArchiveSettings } from '../../../src/archive/archiveRun';
import { mergeParts } from '../../../src/archive/partReader';
import type { ArchiveRecord } from '../../../src/archive/records';
import { FakeThread, MemoryBlobs, THREAD, fakeChat, foreverLease, memoryNotes } from './fakes';

const noWait = { budgetMs: 0, sleep: async () => undefined };

function setup(settings: Partial<ArchiveSettings> = {}) {
  const thread = new FakeThread();
  const blobs = new MemoryBlobs();
  const notes = memoryNotes();
  let clock = Date.parse('2026-03-01T00:00:00Z');
  const run = (runId = `run-${clock}`) =>
    new ArchiveRun(
      {
        chat: fakeChat(thread),
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
  return { thread, blobs, notes, run, records };
}

describe('ArchiveRun', () => {
  it('archives everything once, then only what is new or changed in the window', async () => {
    const { thread, blobs, run, records } = setup({ partMaxRawBytes: 2_000, rescanMessages: 50 });
    thread.send('Topic', 'topicUpdated');
    for (let i = 0; i < 120; i++) thread.send(`m${i}`, i % 5 === 0 ? 'html' : 'text');

    const first = await run().execute();
    expect(first).toMatchObject({ outcome: 'succeeded', newMessages: 121, changes: 0 });
    expect(first.parts).toBeGreaterThan(5); // small parts: many of them
    const manifest = blobs.manifest?.manifest;
    expect(manifest?.coverage).toEqual([[1, 121]]);
    expect(manifest?.watermark).toEqual({
      sequenceId: 121,
      messageId: thread.at(121).id,
      createdOn: thread.at(121).createdOn,
    });
    expect((await records()).map((r) => r.sequenceId)).toEqual(thread.messages.map((m) => m.sequenceId));

    for (let i = 0; i < 10; i++) thread.send(`late${i}`);
    thread.edit(100, 'edited in the window');
    thread.remove(110);
    thread.edit(10, 'edited below the window');
    thread.listCalls = 0;
    const second = await run().execute();
    expect(second).toMatchObject({ newMessages: 10, changes: 2, records: 12 });
    // The window (50) plus the 10 new ones: one page of 200 with startTime, not the whole thread again.
    expect(thread.listCalls).toBe(1);
    const all = await records();
    expect(all).toHaveLength(121 + 12);
    expect(all.filter((r) => r.sequenceId === '100').map((r) => r.content.message)).toEqual([
      'm98',
      'edited in the window',
    ]);
    expect(all.filter((r) => r.sequenceId === '10').map((r) => r.content.message)).toEqual(['m8']);
  });

  it('counts an edit or deletion that moved to a new sequence id (as ACS records it) as a change', async () => {
    const { thread, notes, run, records } = setup({ rescanMessages: 20 });
    for (let i = 0; i < 100; i++) thread.send(`m${i}`);
    await run().execute();
    const edited = thread.editMoving(5, 'old edit'); // far below the window: it lists first now, at sequence id 101
    const deleted = thread.editMoving(50, undefined); // deleted: sequence id 102
    thread.send('new one');
    // The listing reads from the window's creation time on, so these two old messages reach the run through the
    // notes that their edited and deleted events leave (src/bot/chatEvents.ts).
    await notes.note(THREAD, edited.id);
    await notes.note(THREAD, deleted.id);
    const next = await run().execute();
    expect(next).toMatchObject({ newMessages: 1, changes: 2, records: 3 });
    const all = await records();
    const versions = (id: string) => all.filter((r) => r.id === id).map((r) => [r.sequenceId, r.content.message]);
    expect(versions(thread.at(101).id)).toEqual([
      ['5', 'm4'],
      ['101', 'old edit'],
    ]);
    expect(versions(thread.at(102).id)).toEqual([
      ['50', 'm49'],
      ['102', ''],
    ]);
  });

  it('archives a noted change older than the window on the next run', async () => {
    const { thread, notes, run, records } = setup({ rescanMessages: 20 });
    for (let i = 0; i < 100; i++) thread.send(`m${i}`);
    await run().execute();
    thread.edit(5, 'old edit');
    await notes.note(THREAD, thread.at(5).id);
    await notes.note(THREAD, thread.at(95).id); // inside the window: the listing compares it anyway
    const next = await run().execute();
    expect(next).toMatchObject({ newMessages: 0, changes: 1 });
    expect(notes.notes.size).toBe(0);
    expect((await records()).filter((r) => r.sequenceId === '5').map((r) => r.content.message)).toEqual([
      'm4',
      'old edit',
    ]);
    // Noting it again writes nothing: the archive holds that version.
    await notes.note(THREAD, thread.at(5).id);
    expect(await run().execute()).toMatchObject({ changes: 0, records: 0 });
  });

  it('resumes a run that died after recording some parts, writing no record twice', async () => {
    const { thread, blobs, run, records } = setup({ partMaxRawBytes: 3_000, partsInFlight: 1 });
    for (let i = 0; i < 300; i++) thread.send(`m${i}`);
    blobs.failUpload = 3;
    const dying = run('dies');
    await expect(dying.execute()).rejects.toThrow('storage went away');
    const partial = blobs.manifest?.manifest;
    expect(partial?.parts).toHaveLength(2);
    expect(partial?.coverage).toHaveLength(1);
    expect(partial?.coverage[0]?.[1]).toBe(300);
    expect(partial?.watermark).toBeUndefined();

    blobs.failUpload = undefined;
    thread.send('after the crash');
    const resumed = await run('resumes').execute();
    const total = partial?.counts.messages ?? 0;
    expect(resumed.newMessages).toBe(301 - total);
    const all = await records();
    expect(all.map((r) => r.sequenceId)).toEqual(thread.messages.map((m) => m.sequenceId));
    expect(blobs.manifest?.manifest.coverage).toEqual([[1, 301]]);
  });

  it('marks the archive of a thread ACS no longer has, and refuses one never archived', async () => {
    const { thread, blobs, run } = setup();
    thread.send('hello');
    thread.deleted = true;
    await expect(run().execute()).rejects.toMatchObject({ kind: 'notFound' });
    expect(blobs.manifest).toBeUndefined();

    thread.deleted = false;
    await run().execute();
    thread.deleted = true;
    expect(await run().execute()).toMatchObject({ outcome: 'threadGone' });
    expect(blobs.manifest?.manifest.thread?.goneFromAcsAt).toEqual(expect.any(String));
    expect(blobs.manifest?.manifest.counts.records).toBe(1);
  });

  it('deletes old threads after archiving them only when configured', async () => {
    const off = setup();
    off.thread.send('x');
    off.thread.createdOn = new Date('2020-01-01T00:00:00Z');
    await off.run().execute();
    expect(off.thread.deleted).toBe(false);

    const young = setup({ deleteAfterDays: 30 });
    young.thread.send('x');
    young.thread.createdOn = new Date('2026-02-20T00:00:00Z'); // 9 days before the run
    await young.run().execute();
    expect(young.thread.deleted).toBe(false);

    const old = setup({ deleteAfterDays: 30 });
    old.thread.send('x');
    old.thread.createdOn = new Date('2025-12-01T00:00:00Z');
    await old.run().execute();
    expect(old.thread.deleted).toBe(true);
    expect(old.blobs.manifest?.manifest.thread?.deletedByArchiveAt).toEqual(expect.any(String));
    expect(old.blobs.manifest?.manifest.counts.records).toBe(1);
  });

  it('removes parts a dead run uploaded without recording', async () => {
    const { thread, blobs, run } = setup();
    thread.send('x');
    blobs.parts.set('parts/0000000001-0000000001-deadbeefdeadbeef.ndjson.gz', Buffer.from('orphan'));
    await run().execute();
    expect([...blobs.parts.keys()]).toEqual(blobs.manifest?.manifest.parts.map((p) => p.name));
  });
});
