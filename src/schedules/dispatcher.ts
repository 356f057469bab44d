/**
 * One dispatcher tick (the SCHEDULE_DISPATCH_CRON timer): reads what is due from the due-time index, claims each
 * occurrence with an ETag write (so two dispatchers running at once never both hand it out), and fans the claimed
 * ones out through the send queue, one message per thread, for any instance to send (occurrenceSender.ts).
 *
 * It also reports the pipeline: rows that finished since the last tick (sent, failed, dropped) are counted and
 * deleted, rows still held (being sent, paced, retrying) are counted as deferred, and the oldest due occurrence not
 * yet sent gives the lateness. A claim that was never followed through (the process died before queueing it)
 * expires and the next tick hands the occurrence out again; the sender makes that harmless.
 *
 * On time, not at the tick: each tick also hands out what falls due before the next tick (from the timer's own
 * cron), and an occurrence written between ticks (create, edit) is handed out at once when it falls due before the
 * next tick. Such a queue message stays invisible until just before its earliest due time (`earlyMs`); the sender
 * waits out the rest in-process. Its index row is held until its due time plus the claim, so the tick that comes
 * after leaves it to its message, and hands it out again only if that message was lost.
 */
import { mapLimit } from '../concurrency';
import type { JsonQueue } from '../storage/jsonQueue';
import type { DueEntry, DueIndex } from './dueIndex';
import type { SendBatch } from './occurrenceSender';

export interface DispatchPolicy {
  /**
   * How long past its due time a claimed occurrence is left to its queue message before a later tick hands it out
   * again: how soon a send lost with its process (a killed host's message stays invisible ~10 min on the runtime)
   * is re-driven. The sender holds a row longer whenever it defers it.
   */
  claimMs: number;
  /** Most index rows one tick reads (the rest wait for the next tick). */
  maxRowsPerTick: number;
  /** Occurrences per queue message. */
  batchSize: number;
  /** Storage writes in flight at once. */
  concurrency: number;
  /** What falls due this long after the next tick is handed out ahead too (a tick may fire late). */
  aheadMarginMs: number;
  /** A message handed out ahead turns visible this long before its earliest due time (queue polling slack). */
  earlyMs: number;
}

export const DEFAULT_DISPATCH_POLICY: DispatchPolicy = {
  claimMs: 60_000,
  maxRowsPerTick: 5_000,
  batchSize: 100,
  concurrency: 16,
  aheadMarginMs: 2_000,
  earlyMs: 1_500,
};

export interface TickReport {
  /** Occurrences due and not finished: handed out now, or still held from earlier. */
  due: number;
  /** Claimed by this tick and queued (those handed out ahead included). */
  dispatched: number;
  /** Of those, not due yet: due before the next tick, queued to turn visible just before their due time. */
  ahead: number;
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
  /** When the dispatcher's timer fires next after `now` (its cron); without it, only what is due is handed out. */
  nextTickAfter?: (now: number) => number;
  /** Where a failed hand-out outside a tick is reported (it does not fail the caller). */
  warn?: (message: string) => void;
}

/** Queues an occurrence just indexed if it falls due before the next tick (Dispatcher.handOutSoon); never throws. */
export type HandOutSoon = (scheduleId: string, dueAt: number) => Promise<void>;

export class Dispatcher {
  private readonly policy: DispatchPolicy;
  private readonly now: () => number;

  private readonly warn: (message: string) => void;

  constructor(private readonly deps: DispatcherDeps) {
    this.policy = { ...DEFAULT_DISPATCH_POLICY, ...deps.policy };
    this.now = deps.now ?? Date.now;
    this.warn = deps.warn ?? ((message) => console.warn(message));
  }

  async tick(): Promise<TickReport> {
    const now = this.now();
    const horizon = this.horizon(now);
    const report: TickReport = {
      due: 0,
      dispatched: 0,
      ahead: 0,
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
    for await (const entry of this.deps.dueIndex.listDue(horizon, this.policy.maxRowsPerTick + 1)) {
      if (++report.rowsRead > this.policy.maxRowsPerTick) {
        report.truncated = true;
        report.rowsRead--;
        break;
      }
      if (entry.outcome) {
        finished.push(entry);
        continue;
      }
      const isDue = entry.dueAt <= now;
      if (isDue) {
        report.due++;
        oldest = Math.min(oldest, entry.dueAt);
      }
      if (entry.claimedUntil <= now) unclaimed.push(entry);
      else if (isDue) report.deferred++;
    }
    if (oldest !== Number.POSITIVE_INFINITY) report.oldestLatenessMs = now - oldest;

    const claimed = await mapLimit(unclaimed, this.policy.concurrency, async (entry) =>
      (await this.deps.dueIndex.claim(entry, this.claimUntil(entry, now))) ? entry : undefined,
    );
    const handedOut: DueEntry[] = [];
    for (const [i, entry] of claimed.entries()) {
      // Another dispatcher claimed it between our read and our write.
      if (!entry) {
        if ((unclaimed[i] as DueEntry).dueAt <= now) report.deferred++;
      } else handedOut.push(entry);
    }
    await mapLimit(this.batchesOf(handedOut, now), this.policy.concurrency, async ({ batch, earliest }) => {
      await this.send(batch, earliest);
      report.dispatched += batch.items.length;
      report.ahead += batch.items.filter((i) => Date.parse(i.occurrence) > now).length;
    });

    const counted = await mapLimit(finished, this.policy.concurrency, async (entry) =>
      (await this.deps.dueIndex.delete(entry)) ? entry.outcome : undefined,
    );
    for (const outcome of counted) if (outcome) report[outcome]++;
    return report;
  }

  /**
   * Hands out an occurrence just written (a schedule created or its timing edited) when it falls due before the
   * next tick, so it is sent on time. Never throws: on failure the row is let go for the next tick, and logged.
   */
  async handOutSoon(scheduleId: string, dueAt: number): Promise<void> {
    const now = this.now();
    if (dueAt > this.horizon(now)) return;
    let claimed: DueEntry | undefined;
    try {
      const entry = await this.deps.dueIndex.get(scheduleId, dueAt);
      if (!entry || entry.outcome || entry.claimedUntil > now) return;
      if (!(await this.deps.dueIndex.claim(entry, this.claimUntil(entry, now)))) return;
      claimed = entry;
      for (const { batch, earliest } of this.batchesOf([entry], now)) await this.send(batch, earliest);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.warn(`Could not hand out scheduled message ${scheduleId} ahead of its due time (${reason}); a tick will`);
      if (claimed) {
        await this.deps.dueIndex
          .defer(scheduleId, dueAt, 0, claimed.deferrals)
          .catch(() => undefined /* the claim then expires instead */);
      }
    }
  }

  /** Everything due up to here is handed out now: the next tick, plus a margin, when the cron is known. */
  private horizon(now: number): number {
    return this.deps.nextTickAfter ? this.deps.nextTickAfter(now) + this.policy.aheadMarginMs : now;
  }

  /** A row handed out ahead is held until its due time plus the claim. */
  private claimUntil(entry: DueEntry, now: number): number {
    return Math.max(now, entry.dueAt) + this.policy.claimMs;
  }

  /**
   * Queues a batch to turn visible `earlyMs` to 1 s more before its earliest occurrence (queue delays are whole
   * seconds), counted from now: claiming a tick's rows may have taken seconds.
   */
  private async send(batch: SendBatch, earliest: number): Promise<void> {
    const delayMs = Math.max(0, Math.floor((earliest - this.now() - this.policy.earlyMs) / 1000) * 1000);
    await this.deps.queue.send(batch, delayMs);
  }

  /** One message per thread and due second (what is due now goes together), at most batchSize occurrences each. */
  private batchesOf(entries: readonly DueEntry[], now: number): { batch: SendBatch; earliest: number }[] {
    const groups = new Map<string, DueEntry[]>();
    for (const entry of entries) {
      const second = entry.dueAt <= now ? 'now' : String(Math.floor(entry.dueAt / 1000));
      const key = `${entry.threadId}|${second}`;
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    const out: { batch: SendBatch; earliest: number }[] = [];
    for (const group of groups.values()) {
      group.sort((a, b) => a.dueAt - b.dueAt);
      for (let i = 0; i < group.length; i += this.policy.batchSize) {
        const slice = group.slice(i, i + this.policy.batchSize);
        out.push({
          batch: {
            threadId: (slice[0] as DueEntry).threadId,
            items: slice.map((e) => ({
              scheduleId: e.scheduleId,
              occurrence: new Date(e.dueAt).toISOString(),
              attempt: e.dispatches,
            })),
          },
          earliest: (slice[0] as DueEntry).dueAt,
        });
      }
    }
    return out;
  }
}
