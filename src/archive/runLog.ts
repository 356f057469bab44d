/**
 * The log of archive runs, one table row per run in the thread's partition: queued by the timer or the HTTP
 * trigger, then running, then its outcome. Row keys start with the inverted queue time, so the first row of a
 * partition is the latest run and reading it is one small query.
 */
import { type TableClient, odata } from '@azure/data-tables';
import { deleteListed, getEntityOrUndefined, listKeys, tableOnFirstUse, type ListedRow } from '../storage/tables';
import type { RunCounts, RunOutcome } from './manifest';

export type RunState = 'queued' | 'running' | RunOutcome;

export interface RunRecord extends Partial<RunCounts> {
  runId: string;
  threadId: string;
  trigger: string;
  state: RunState;
  queuedAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

export interface RunLog {
  /** Records a new run; returns the key that later updates name. */
  add(run: RunRecord): Promise<string>;
  update(threadId: string, runKey: string, fields: Partial<RunRecord>): Promise<void>;
  latest(threadId: string): Promise<RunRecord | undefined>;
  get(threadId: string, runKey: string): Promise<RunRecord | undefined>;
  /**
   * Deletes up to `max` runs that finished before `finishedBefore` (ISO time), except each thread's latest run
   * (what GET …/archive reports); returns how many.
   */
  pruneFinished(finishedBefore: string, max: number): Promise<number>;
}

const MAX_TIME = 9_999_999_999_999;

export function runKeyOf(runId: string, queuedAt: Date): string {
  return `${String(MAX_TIME - queuedAt.getTime()).padStart(13, '0')}_${runId}`;
}

type RunEntity = RunRecord & { partitionKey: string; rowKey: string };

/** A thread's latest run: the first row of its partition (row keys start with the inverted queue time). */
async function latestRow(t: TableClient, threadId: string): Promise<RunEntity | undefined> {
  const pages = t
    .listEntities<RunEntity>({ queryOptions: { filter: odata`PartitionKey eq ${threadId}` } })
    .byPage({ maxPageSize: 1 });
  for await (const page of pages) return page[0];
  return undefined;
}

export function tableRunLog(client: TableClient): RunLog {
  const table = tableOnFirstUse(client);
  return {
    async add(run) {
      const rowKey = runKeyOf(run.runId, new Date(run.queuedAt));
      await (await table()).upsertEntity<RunEntity>({ partitionKey: run.threadId, rowKey, ...run }, 'Replace');
      return rowKey;
    },
    async update(threadId, runKey, fields) {
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      await (await table()).upsertEntity({ partitionKey: threadId, rowKey: runKey, ...defined }, 'Merge');
    },
    async get(threadId, runKey) {
      const row = await getEntityOrUndefined<RunEntity>(await table(), threadId, runKey);
      return row && toRecord(row);
    },
    async latest(threadId) {
      const row = await latestRow(await table(), threadId);
      return row && toRecord(row);
    },
    async pruneFinished(finishedBefore, max) {
      const t = await table();
      const old = await listKeys(t, odata`finishedAt lt ${finishedBefore}`, max);
      const latestKey = new Map<string, string | undefined>();
      const prunable: ListedRow[] = [];
      for (const row of old) {
        if (!latestKey.has(row.partitionKey)) {
          latestKey.set(row.partitionKey, (await latestRow(t, row.partitionKey))?.rowKey);
        }
        if (latestKey.get(row.partitionKey) !== row.rowKey) prunable.push(row);
      }
      return deleteListed(t, prunable);
    },
  };
}

function toRecord(row: RunEntity): RunRecord {
  const keep: (keyof RunRecord)[] = [
    'runId',
    'threadId',
    'trigger',
    'state',
    'queuedAt',
    'startedAt',
    'finishedAt',
    'newMessages',
    'changes',
    'records',
    'parts',
    'pages',
    'error',
  ];
  const out: Record<string, unknown> = {};
  for (const key of keep) if (row[key] !== undefined && row[key] !== null) out[key] = row[key];
  return out as unknown as RunRecord;
}
