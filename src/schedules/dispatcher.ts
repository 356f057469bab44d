/**
 * One dispatcher tick (the SCHEDULE_DISPATCH_CRON timer): reads what is due from the due-time index, claims each
 * occurrence with an ETag write (so two dispatchers running at once never both hand it out), and fans the claimed
 * ones out through the send queue, one message per thread, for any instance to send (occurrenceSender.ts).
 *
 * It also reports the pipeline: rows that finished since the last tick (sent, failed, dropped) are counted and
 * deleted, rows still held (being sent, paced, retrying) are counted as deferred, and the oldest due occurrence not
 * yet sent gives the lateness. A claim that was never followed through (the process died before queueing it)
 * expires and the next tick hands the occurrence out again; the sender makes that harmless.
 */
import type { JsonQueue } from '../storage/jsonQueue';
import type { DueEntry, DueIndex } from './dueIndex';
import type { SendBatch } from './occurrenceSender';

export interface DispatchPolicy {
  /** How long a claimed occurrence is left to its queue message before a later tick hands it out again. */
  claimMs: number;
  /** Most index rows one tick reads (the rest wait for the next tick). */
  maxRowsPerTick: number;
  /** Occurrences per queue message. */
  batchSize: number;
  /** Storage writes in flight at once. */
  concurrency: number;
}

export const DEFAULT_DISPATCH_POLICY: DispatchPolicy = {
  claimMs: 120_000,
  maxRowsPerTick: 5_000,
  batchSize: 100,
  concurrency: 16,
};

export interface TickReport {
  /** Occurrences due and not finished: handed out now, or still held from earlier. */
  due: number;
  /** Claimed by this tick and queued. */
  dispatched: number;
  /** Held from an earlier tick: being sent, or waiting (pacing, 429, transient errors, a claim not yet expired). */
  deferred: number;
  /** Finished since the last tick. */
  sent: number;
  failed: number;
  dropped: number;
  /** How late the oldest due occurrence not yet sent is (ms), 0 when none. */
  oldestLatenessMs: number;
  /** Index rows read: follows the number due, not the number of schedules stored. */
  rowsRead: number;
  /** More rows were due than one tick reads. */
  truncated: boolean;
}

export interface DispatcherDeps {
  dueIndex: DueIndex;
  queue: JsonQueue<SendBatch>;
  now?: () => number;
  policy?: Partial<DispatchPolicy>;
}

export class Dispatcher {
  private readonly policy: DispatchPolicy;
  private readonly now: () => number;

  constructor(private readonly deps: DispatcherDeps) {
    this.policy = { ...DEFAULT_DISPATCH_POLICY, ...deps.policy };
    this.now = deps.now ?? Date.now;
  }

  async tick(): Promise<TickReport> {
    const now = this.now();
    const report: TickReport = {
      due: 0,
      dispatched: 0,
      deferred: 0,
      sent: 0,
      failed: 0,
      dropped: 0,
      oldestLatenessMs: 0,
      rowsRead: 0,
      truncated: false,
    };
    const unclaimed: DueEntry[] = [];
    const finished: DueEntry[] = [];
    let oldest = Number.POSITIVE_INFINITY;
    for await (const entry of this.deps.dueIndex.listDue(now, this.policy.maxRowsPerTick + 1)) {
      if (++report.rowsRead > this.policy.maxRowsPerTick) {
        report.truncated = true;
        report.rowsRead--;
        break;
      }
      if (entry.outcome) {
        finished.push(entry);
        continue;
      }
      report.due++;
      oldest = Math.min(oldest, entry.dueAt);
      if (entry.claimedUntil > now) report.deferred++;
      else unclaimed.push(entry);
    }
    if (oldest !== Number.POSITIVE_INFINITY) report.oldestLatenessMs = now - oldest;

    const claimed = await mapLimit(unclaimed, this.policy.concurrency, async (entry) =>
      (await this.deps.dueIndex.claim(entry, now + this.policy.claimMs)) ? entry : undefined,
    );
    const byThread = new Map<string, DueEntry[]>();
    for (const entry of claimed) {
      if (!entry) {
        report.deferred++; // another dispatcher claimed it between our read and our write
        continue;
      }
      byThread.set(entry.threadId, [...(byThread.get(entry.threadId) ?? []), entry]);
    }
    const batches: SendBatch[] = [];
    for (const [threadId, entries] of byThread) {
      for (let i = 0; i < entries.length; i += this.policy.batchSize) {
        batches.push({
          threadId,
          items: entries.slice(i, i + this.policy.batchSize).map((e) => ({
            scheduleId: e.scheduleId,
            occurrence: new Date(e.dueAt).toISOString(),
            attempt: e.dispatches,
          })),
        });
      }
    }
    await mapLimit(batches, this.policy.concurrency, async (batch) => {
      await this.deps.queue.send(batch);
      report.dispatched += batch.items.length;
    });

    const counted = await mapLimit(finished, this.policy.concurrency, async (entry) =>
      (await this.deps.dueIndex.delete(entry)) ? entry.outcome : undefined,
    );
    for (const outcome of counted) if (outcome) report[outcome]++;
    return report;
  }
}

/** Runs `fn` over `items` with at most `limit` at once; results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
