/**
 * In-memory schedule store, due index and send queue for unit tests of the sender: the same contracts as the table
 * ones (ETag-conditional replace), with hooks a test uses to make a write slow or lose it to a concurrent writer.
 */
import type { DueIndex, DueEntry, Outcome } from '../../../src/schedules/dueIndex';
import type { SendBatch } from '../../../src/schedules/occurrenceSender';
import type { NewSchedule, Schedule } from '../../../src/schedules/schedule';
import type { SchedulePage, ScheduleStore } from '../../../src/schedules/scheduleStore';
import type { JsonQueue } from '../../../src/storage/jsonQueue';

export class MemoryScheduleStore implements ScheduleStore {
  readonly rows = new Map<string, Schedule>();
  private etags = 0;
  /** Every replace, before it is applied: return 'conflict' to lose it to another writer (the row changes). */
  beforeReplace: (current: Schedule, next: NewSchedule) => Promise<'conflict' | void> | 'conflict' | void = () =>
    undefined;
  replaces = 0;

  put(schedule: NewSchedule): Schedule {
    const stored = { ...structuredClone(schedule), etag: `e${++this.etags}` };
    this.rows.set(schedule.scheduleId, stored);
    return structuredClone(stored);
  }

  async get(scheduleId: string): Promise<Schedule | undefined> {
    const row = this.rows.get(scheduleId);
    return row && structuredClone(row);
  }

  async insert(schedule: NewSchedule): Promise<Schedule> {
    return this.put(schedule);
  }

  async replace(current: Schedule, next: NewSchedule): Promise<Schedule | undefined> {
    this.replaces++;
    if ((await this.beforeReplace(current, next)) === 'conflict') {
      // Someone else wrote the row in between: its ETag moves on, so this write and any made from `current` lose.
      const row = this.rows.get(current.scheduleId);
      if (row) this.rows.set(row.scheduleId, { ...row, etag: `e${++this.etags}` });
      return undefined;
    }
    const row = this.rows.get(current.scheduleId);
    if (!row || row.etag !== current.etag) return undefined;
    return this.put(next);
  }

  async pruneEnded(): Promise<number> {
    return 0; // retention is tested against Table storage (test/unit/housekeeping)
  }
  async listByThread(threadId: string): Promise<SchedulePage> {
    return { schedules: [...this.rows.values()].filter((s) => s.threadId === threadId).map((s) => structuredClone(s)) };
  }
}

/** Records what the sender tells the index; reads are not needed by the sender. */
export class MemoryDueIndex implements DueIndex {
  readonly puts: { scheduleId: string; dueAt: number }[] = [];
  readonly finished: { scheduleId: string; dueAt: number; outcome: Outcome; error?: string }[] = [];
  readonly deferred: { scheduleId: string; dueAt: number; until: number; error?: string }[] = [];

  async put(scheduleId: string, _threadId: string, dueAt: number): Promise<void> {
    this.puts.push({ scheduleId, dueAt });
  }
  async remove(): Promise<void> {}
  async get(): Promise<DueEntry | undefined> {
    return undefined;
  }
  async *listDue(): AsyncIterable<DueEntry> {}
  async claim(): Promise<boolean> {
    return true;
  }
  async defer(scheduleId: string, dueAt: number, until: number, _deferrals: number, error?: string): Promise<void> {
    this.deferred.push({ scheduleId, dueAt, until, ...(error !== undefined ? { error } : {}) });
  }
  async finish(scheduleId: string, dueAt: number, outcome: Outcome, error?: string): Promise<void> {
    this.finished.push({ scheduleId, dueAt, outcome, ...(error !== undefined ? { error } : {}) });
  }
  async delete(): Promise<boolean> {
    return true;
  }
  /** Poison counts by `scheduleId@dueAt`; an occurrence finished here has no row left to count. */
  readonly poisoned = new Map<string, number>();
  async notePoisoned(scheduleId: string, dueAt: number): Promise<number | undefined> {
    if (this.finished.some((f) => f.scheduleId === scheduleId && f.dueAt === dueAt)) return undefined;
    const key = `${scheduleId}@${dueAt}`;
    const n = (this.poisoned.get(key) ?? 0) + 1;
    this.poisoned.set(key, n);
    return n;
  }
}

export class CapturedQueue implements JsonQueue<SendBatch> {
  readonly sent: { batch: SendBatch; delayMs: number }[] = [];
  async send(batch: SendBatch, delayMs = 0): Promise<void> {
    this.sent.push({ batch: structuredClone(batch), delayMs });
  }
  take(): { batch: SendBatch; delayMs: number }[] {
    return this.sent.splice(0);
  }
}
