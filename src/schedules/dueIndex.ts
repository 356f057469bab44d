/**
 * The due-time index: one row per pending occurrence, partitioned by the UTC minute it is due in (`yyyyMMddHHmm`)
 * and keyed by due time then schedule id. Finished occurrences are deleted, so a range query over the partitions up
 * to the current minute returns exactly what is due (or still being worked on): the dispatcher's reads follow the
 * number due, whatever the number of schedules stored for later.
 *
 * A row is a hint, the schedule row the truth: a row whose schedule no longer waits for that occurrence (edited,
 * cancelled) is simply dropped. Each row also carries its occurrence's progress (claimed until, deferrals,
 * outcome), which the dispatcher reports on and then deletes.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { statusOf, tableOnFirstUse } from '../storage/tables';

export type Outcome = 'sent' | 'failed' | 'dropped';

export interface DueEntry {
  scheduleId: string;
  threadId: string;
  dueAt: number;
  /** When the row was written (epoch ms). */
  createdAt: number;
  /** Leased to a dispatch until then (epoch ms; 0 = never claimed). */
  claimedUntil: number;
  dispatches: number;
  deferrals: number;
  /** Hand-outs whose queue message failed every delivery (it went to the poison queue). */
  poisoned: number;
  lastError?: string;
  outcome?: Outcome;
  finishedAt?: number;
  etag: string;
}

export interface DueIndex {
  /** Adds (or resets) the row of an occurrence. */
  put(scheduleId: string, threadId: string, dueAt: number): Promise<void>;
  /** Removes an occurrence's row if present (cancel, reschedule); best effort. */
  remove(scheduleId: string, dueAt: number): Promise<void>;
  /** One occurrence's row, if there is one. */
  get(scheduleId: string, dueAt: number): Promise<DueEntry | undefined>;
  /** Rows due at or before `now`, oldest minute first, at most `max`. */
  listDue(now: number, max: number): AsyncIterable<DueEntry>;
  /** Leases a row to this dispatch if nobody changed it since it was read (ETag). */
  claim(entry: DueEntry, until: number): Promise<boolean>;
  /** Holds a row back until `until` (rate limits, transient errors): no dispatch picks it up before then. */
  defer(scheduleId: string, dueAt: number, until: number, deferrals: number, error?: string): Promise<void>;
  /** Records how an occurrence ended; the next dispatch counts it and deletes the row. */
  finish(scheduleId: string, dueAt: number, outcome: Outcome, error?: string): Promise<void>;
  /** Deletes a row read by a dispatch, unless changed since; false when someone else did. */
  delete(entry: DueEntry): Promise<boolean>;
  /**
   * Counts one more hand-out of an occurrence that ended in the poison queue and returns the count, or undefined
   * when the row is gone (the occurrence finished).
   */
  notePoisoned(scheduleId: string, dueAt: number, error: string): Promise<number | undefined>;
}

/** The table row: a DueEntry under its partition (the minute) and row key, the ETag kept by the service. */
type DueEntity = Omit<DueEntry, 'etag'> & { partitionKey: string; rowKey: string };

export function minuteBucket(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[-:T]/g, '');
}

function rowKeyOf(dueAt: number, scheduleId: string): string {
  return `${String(dueAt).padStart(15, '0')}_${scheduleId}`;
}

function keysOf(scheduleId: string, dueAt: number): { partitionKey: string; rowKey: string } {
  return { partitionKey: minuteBucket(dueAt), rowKey: rowKeyOf(dueAt, scheduleId) };
}

const PAGE = 1000;

function entryOf(e: DueEntity & { etag: string }): DueEntry {
  return {
    scheduleId: e.scheduleId,
    threadId: e.threadId,
    dueAt: e.dueAt,
    createdAt: e.createdAt,
    claimedUntil: e.claimedUntil ?? 0,
    dispatches: e.dispatches ?? 0,
    deferrals: e.deferrals ?? 0,
    poisoned: e.poisoned ?? 0,
    ...(e.lastError ? { lastError: e.lastError } : {}),
    ...(e.outcome ? { outcome: e.outcome } : {}),
    ...(e.finishedAt ? { finishedAt: e.finishedAt } : {}),
    etag: e.etag,
  };
}

export function tableDueIndex(client: TableClient, now: () => number = Date.now): DueIndex {
  const table = tableOnFirstUse(client);
  const ignoreMissing = (error: unknown): void => {
    if (statusOf(error) !== 404) throw error;
  };
  return {
    async put(scheduleId, threadId, dueAt) {
      const entity: DueEntity = {
        ...keysOf(scheduleId, dueAt),
        scheduleId,
        threadId,
        dueAt,
        createdAt: now(),
        claimedUntil: 0,
        dispatches: 0,
        deferrals: 0,
        poisoned: 0,
      };
      await (await table()).upsertEntity(entity, 'Replace');
    },

    async remove(scheduleId, dueAt) {
      const { partitionKey, rowKey } = keysOf(scheduleId, dueAt);
      await (await table()).deleteEntity(partitionKey, rowKey).catch(ignoreMissing);
    },

    async get(scheduleId, dueAt) {
      const { partitionKey, rowKey } = keysOf(scheduleId, dueAt);
      try {
        return entryOf(await (await table()).getEntity<DueEntity>(partitionKey, rowKey));
      } catch (error) {
        ignoreMissing(error);
        return undefined;
      }
    },

    async *listDue(at, max) {
      const t = await table();
      // Past minutes hold only due rows; in the current minute, the row key (due time first) cuts off the rest.
      const filter = odata`PartitionKey le ${minuteBucket(at)} and RowKey lt ${String(at + 1).padStart(15, '0')}`;
      let read = 0;
      for await (const page of t.listEntities<DueEntity>({ queryOptions: { filter } }).byPage({ maxPageSize: PAGE })) {
        for (const e of page) {
          if (read++ >= max) return;
          yield entryOf(e);
        }
      }
    },

    async claim(entry, until) {
      try {
        await (
          await table()
        ).updateEntity(
          { ...keysOf(entry.scheduleId, entry.dueAt), claimedUntil: until, dispatches: entry.dispatches + 1 },
          'Merge',
          { etag: entry.etag },
        );
        return true;
      } catch (error) {
        if (statusOf(error) === 412 || statusOf(error) === 404) return false;
        throw error;
      }
    },

    async defer(scheduleId, dueAt, until, deferrals, error) {
      await (
        await table()
      )
        .updateEntity(
          {
            ...keysOf(scheduleId, dueAt),
            claimedUntil: until,
            deferrals,
            ...(error ? { lastError: error.slice(0, 500) } : {}),
          },
          'Merge',
        )
        .catch(ignoreMissing);
    },

    async finish(scheduleId, dueAt, outcome, error) {
      await (
        await table()
      )
        .updateEntity(
          {
            ...keysOf(scheduleId, dueAt),
            outcome,
            finishedAt: now(),
            ...(error ? { lastError: error.slice(0, 500) } : {}),
          },
          'Merge',
        )
        .catch(ignoreMissing);
    },

    async notePoisoned(scheduleId, dueAt, error) {
      const t = await table();
      const keys = keysOf(scheduleId, dueAt);
      // Poison handlers of one occurrence may run at once: count from a fresh read, written only over that read.
      for (let round = 0; ; round++) {
        let entry: DueEntry;
        try {
          entry = entryOf(await t.getEntity<DueEntity>(keys.partitionKey, keys.rowKey));
        } catch (failure) {
          ignoreMissing(failure);
          return undefined;
        }
        if (entry.outcome) return undefined;
        const poisoned = entry.poisoned + 1;
        try {
          await t.updateEntity({ ...keys, poisoned, lastError: error.slice(0, 500) }, 'Merge', { etag: entry.etag });
          return poisoned;
        } catch (failure) {
          if (statusOf(failure) === 404) return undefined;
          if (statusOf(failure) !== 412 || round === 4) throw failure;
        }
      }
    },

    async delete(entry) {
      const { partitionKey, rowKey } = keysOf(entry.scheduleId, entry.dueAt);
      try {
        await (await table()).deleteEntity(partitionKey, rowKey, { etag: entry.etag });
        return true;
      } catch (error) {
        if (statusOf(error) === 412 || statusOf(error) === 404) return false;
        throw error;
      }
    },
  };
}
