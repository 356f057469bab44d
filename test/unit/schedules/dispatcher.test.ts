/**
 * The dispatcher's on-time path, with an in-memory due index and a clock the test sets: what falls due before the
 * next tick is handed out ahead with a queue delay ending just before its due time, at a tick and on create.
 */
import { DEFAULT_DISPATCH_POLICY, Dispatcher } from '../../../src/schedules/dispatcher';
import type { DueEntry, DueIndex, Outcome } from '../../../src/schedules/dueIndex';
import type { SendBatch } from '../../../src/schedules/occurrenceSender';
import { CapturedQueue } from './memoryStores';

/** Rows with ETags, read and claimed like the table index. */
class MemoryDueTable implements DueIndex {
  readonly rows = new Map<string, DueEntry>();
  private etags = 0;
  private key = (scheduleId: string, dueAt: number) => `${dueAt}|${scheduleId}`;

  async put(scheduleId: string, threadId: string, dueAt: number): Promise<void> {
    this.rows.set(this.key(scheduleId, dueAt), {
      scheduleId,
      threadId,
      dueAt,
      createdAt: 0,
      claimedUntil: 0,
      dispatches: 0,
      deferrals: 0,
      poisoned: 0,
      etag: `e${++this.etags}`,
    });
  }
  async get(scheduleId: string, dueAt: number): Promise<DueEntry | undefined> {
    const row = this.rows.get(this.key(scheduleId, dueAt));
    return row && { ...row };
  }
  async remove(scheduleId: string, dueAt: number): Promise<void> {
    this.rows.delete(this.key(scheduleId, dueAt));
  }
  async *listDue(now: number, max: number): AsyncIterable<DueEntry> {
    const due = [...this.rows.values()].filter((r) => r.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    for (const row of due.slice(0, max)) yield { ...row };
  }
  async claim(entry: DueEntry, until: number): Promise<boolean> {
    const row = this.rows.get(this.key(entry.scheduleId, entry.dueAt));
    if (!row || row.etag !== entry.etag) return false;
    Object.assign(row, { claimedUntil: until, dispatches: row.dispatches + 1, etag: `e${++this.etags}` });
    return true;
  }
  async defer(scheduleId: string, dueAt: number, until: number): Promise<void> {
    const row = this.rows.get(this.key(scheduleId, dueAt));
    if (row) Object.assign(row, { claimedUntil: until, etag: `e${++this.etags}` });
  }
  async finish(scheduleId: string, dueAt: number, outcome: Outcome): Promise<void> {
    const row = this.rows.get(this.key(scheduleId, dueAt));
    if (row) Object.assign(row, { outcome, etag: `e${++this.etags}` });
  }
  async delete(entry: DueEntry): Promise<boolean> {
    return this.rows.delete(this.key(entry.scheduleId, entry.dueAt));
  }
  async notePoisoned(scheduleId: string, dueAt: number): Promise<number | undefined> {
    const row = this.rows.get(this.key(scheduleId, dueAt));
    if (!row || row.outcome) return undefined;
    Object.assign(row, { poisoned: row.poisoned + 1, etag: `e${++this.etags}` });
    return row.poisoned;
  }
}

const T = Date.parse('2026-12-05T10:00:00.000Z'); // a tick of the default cron (every minute)
const { claimMs } = DEFAULT_DISPATCH_POLICY;

function rig(start = T + 20) {
  let clock = start;
  const dueIndex = new MemoryDueTable();
  const queue = new CapturedQueue();
  const warnings: string[] = [];
  const dispatcher = new Dispatcher({
    dueIndex,
    queue,
    now: () => clock,
    // Every minute on the minute, like the default SCHEDULE_DISPATCH_CRON.
    nextTickAfter: (now) => (Math.floor(now / 60_000) + 1) * 60_000,
    warn: (m) => warnings.push(m),
  });
  const sent = () =>
    queue.sent
      .map(({ batch, delayMs }) => ({
        threadId: batch.threadId,
        delayMs,
        occurrences: batch.items.map((i) => Date.parse(i.occurrence) - T),
      }))
      .sort((a, b) => a.delayMs - b.delayMs || a.threadId.localeCompare(b.threadId));
  return { dueIndex, queue, dispatcher, warnings, sent, set: (ms: number) => (clock = ms) };
}

describe('Dispatcher: what falls due before the next tick is sent on time, not at the tick', () => {
  it('a tick hands out what falls due before the next tick, each batch visible just before its due time', async () => {
    const r = rig();
    await r.dueIndex.put('due-now', 'A', T - 5_000);
    await r.dueIndex.put('a1', 'A', T + 10_300);
    await r.dueIndex.put('a2', 'A', T + 10_800);
    await r.dueIndex.put('a3', 'A', T + 11_900);
    await r.dueIndex.put('b1', 'B', T + 45_000);
    await r.dueIndex.put('next-tick-and-after', 'B', T + 75_000);
    const report = await r.dispatcher.tick();

    expect(r.sent()).toEqual([
      { threadId: 'A', delayMs: 0, occurrences: [-5_000] },
      // Visible 1.5 to 2.5 s before the earliest in the batch (whole seconds); the sender waits out the rest.
      { threadId: 'A', delayMs: 8_000, occurrences: [10_300, 10_800] },
      { threadId: 'A', delayMs: 10_000, occurrences: [11_900] },
      { threadId: 'B', delayMs: 43_000, occurrences: [45_000] },
    ]);
    for (const { batch, delayMs } of r.queue.sent.filter((m) => m.delayMs > 0)) {
      const earliest = Math.min(...batch.items.map((i) => Date.parse(i.occurrence)));
      expect(T + 20 + delayMs).toBeLessThanOrEqual(earliest - 1_000);
    }
    // Held until their due time plus the claim, so the next tick leaves them to their queue message.
    expect((await r.dueIndex.get('b1', T + 45_000))?.claimedUntil).toBe(T + 45_000 + claimMs);
    expect((await r.dueIndex.get('due-now', T - 5_000))?.claimedUntil).toBe(T + 20 + claimMs);
    expect((await r.dueIndex.get('next-tick-and-after', T + 75_000))?.claimedUntil).toBe(0);
    expect(report).toMatchObject({ due: 1, dispatched: 5, ahead: 4 });

    // The next tick does not hand them out again.
    r.queue.take();
    r.set(T + 60_010);
    expect(await r.dispatcher.tick()).toMatchObject({ dispatched: 1, ahead: 1 });
    expect(r.sent()).toEqual([{ threadId: 'B', delayMs: 13_000, occurrences: [75_000] }]);
  });

  it('a delay is counted from when its message is sent, not from when the tick began (claiming can take seconds)', async () => {
    const r = rig(T);
    await r.dueIndex.put('a', 'A', T + 30_000);
    // Claiming many rows takes 4 s on a busy storage account: the clock moves on while the tick claims.
    const claim = r.dueIndex.claim.bind(r.dueIndex);
    r.dueIndex.claim = async (entry, until) => {
      r.set(T + 4_000);
      return claim(entry, until);
    };
    await r.dispatcher.tick();
    const [sent] = r.queue.sent;
    // Visible 1.5 to 2.5 s before the due time, counted from the send at T + 4 s.
    expect(T + 4_000 + (sent?.delayMs ?? 0)).toBeLessThanOrEqual(T + 30_000 - 1_500);
    expect(T + 4_000 + (sent?.delayMs ?? 0)).toBeGreaterThanOrEqual(T + 30_000 - 2_500);
  });

  it('an occurrence written between ticks (create, edit) is handed out at once when due before the next tick', async () => {
    const r = rig(T + 30_000);
    await r.dueIndex.put('soon', 'A', T + 35_000);
    await r.dispatcher.handOutSoon('soon', T + 35_000);
    expect(r.sent()).toEqual([{ threadId: 'A', delayMs: 3_000, occurrences: [35_000] }]);
    expect((await r.dueIndex.get('soon', T + 35_000))?.claimedUntil).toBe(T + 35_000 + claimMs);

    // Later than the next tick: left to the ticks.
    await r.dueIndex.put('later', 'A', T + 90_000);
    await r.dispatcher.handOutSoon('later', T + 90_000);
    expect(r.queue.sent).toHaveLength(1);

    // A tick that raced it finds the row claimed and does not hand it out twice.
    r.set(T + 60_005);
    await r.dispatcher.tick();
    expect(r.queue.sent.filter((m) => m.batch.items.some((i) => i.scheduleId === 'soon'))).toHaveLength(1);
  });

  it('a failure to queue on create is logged, not thrown, and the claim let go: the next tick hands it out', async () => {
    const r = rig(T + 30_000);
    await r.dueIndex.put('soon', 'A', T + 35_000);
    r.queue.send = async (_batch: SendBatch) => {
      throw new Error('queue unavailable');
    };
    await expect(r.dispatcher.handOutSoon('soon', T + 35_000)).resolves.toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/queue unavailable/);
    expect((await r.dueIndex.get('soon', T + 35_000))?.claimedUntil).toBe(0);
  });
});
