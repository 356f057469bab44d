/**
 * Schedules in a table, one partition per thread (key from the schedule id, see scheduleIds.ts). Every change is
 * an ETag-conditional replace, so concurrent writers (two editors, an editor and the sender, two senders) never
 * overwrite each other: the loser re-reads and decides again.
 *
 * The active limit per thread is exact under concurrency: each insert also bumps a per-thread row in the same
 * partition, in one transaction, conditional on the ETag read before counting; two inserts racing on one thread
 * cannot both commit on the same count.
 */
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { DomainError } from '../domainErrors';
import { deleteListed, getEntityOrUndefined, listKeys, statusOf, tableOnFirstUse } from '../storage/tables';
import type { NewSchedule, Schedule, ScheduleFailure, ScheduleState, SendingMark, SentOccurrence } from './schedule';
import { threadKeyOf, threadKeyOfScheduleId } from './scheduleIds';
import type { Timing } from './timing';

export interface SchedulePage {
  schedules: Schedule[];
  continuationToken?: string;
}

export interface ScheduleStore {
  get(scheduleId: string): Promise<Schedule | undefined>;
  /** Inserts unless the thread already has `maxActive` active schedules (DomainError 'limit'). */
  insert(schedule: NewSchedule, maxActive: number): Promise<Schedule>;
  /** Replaces `current` if unchanged since read; undefined when its ETag no longer matches (or it is gone). */
  replace(current: Schedule, next: NewSchedule): Promise<Schedule | undefined>;
  listByThread(
    threadId: string,
    options: { state?: ScheduleState; pageSize: number; continuationToken?: string },
  ): Promise<SchedulePage>;
  /** Deletes up to `max` schedules that ended (completed, cancelled, failed) before `updatedBefore` (ISO time). */
  pruneEnded(updatedBefore: string, max: number): Promise<number>;
}

const THREAD_ROW = '~thread'; // sorts after every schedule id ('sch-…')
const MAX_INSERT_ATTEMPTS = 8;

// A type, not an interface: transactions want entities assignable to Record<string, unknown>.
type ScheduleEntity = {
  partitionKey: string;
  rowKey: string;
  threadId: string;
  state: ScheduleState;
  content: string;
  type: 'text' | 'html';
  senderDisplayName?: string;
  metadataJson?: string;
  kind: Timing['kind'];
  sendAt?: string;
  localSendAt?: string;
  cron?: string;
  timeZone?: string;
  startAt?: string;
  endAt?: string;
  maxOccurrences?: number;
  nextRunAt?: string;
  createdAt: string;
  updatedAt: string;
  lastRunAt?: string;
  lastMessageId?: string;
  occurrencesSent: number;
  occurrencesSkipped: number;
  messagesJson: string;
  failureCode?: string;
  failureMessage?: string;
  failedAt?: string;
  sendingOccurrence?: string;
  sendingSince?: number;
  sendingUncertain?: boolean;
  sendingEndedAt?: number;
};

interface ThreadRowEntity {
  partitionKey: string;
  rowKey: string;
  threadId: string;
  inserts: number;
}

/** Drops undefined values: the tables SDK would otherwise send them as nulls. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toEntity(s: NewSchedule): ScheduleEntity {
  const t = s.timing;
  return defined<ScheduleEntity>({
    partitionKey: threadKeyOf(s.threadId),
    rowKey: s.scheduleId,
    threadId: s.threadId,
    state: s.state,
    content: s.content,
    type: s.type,
    senderDisplayName: s.senderDisplayName,
    metadataJson: s.metadata ? JSON.stringify(s.metadata) : undefined,
    kind: t.kind,
    ...(t.kind === 'once'
      ? { sendAt: t.sendAt, localSendAt: t.localSendAt, timeZone: t.timeZone }
      : { cron: t.cron, timeZone: t.timeZone, startAt: t.startAt, endAt: t.endAt, maxOccurrences: t.maxOccurrences }),
    nextRunAt: s.nextRunAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    lastRunAt: s.lastRunAt,
    lastMessageId: s.lastMessageId,
    occurrencesSent: s.occurrencesSent,
    occurrencesSkipped: s.occurrencesSkipped,
    messagesJson: JSON.stringify(s.messages),
    failureCode: s.failure?.code,
    failureMessage: s.failure?.message,
    failedAt: s.failure?.at,
    sendingOccurrence: s.sending?.occurrence,
    sendingSince: s.sending?.since,
    sendingUncertain: s.sending?.uncertain,
    sendingEndedAt: s.sending?.endedAt,
  });
}

function fromEntity(e: TableEntityResult<ScheduleEntity>): Schedule {
  const timing: Timing =
    e.kind === 'once'
      ? defined({ kind: 'once', sendAt: e.sendAt ?? '', localSendAt: e.localSendAt, timeZone: e.timeZone })
      : defined({
          kind: 'recurring',
          cron: e.cron ?? '',
          timeZone: e.timeZone ?? 'UTC',
          startAt: e.startAt,
          endAt: e.endAt,
          maxOccurrences: e.maxOccurrences,
        });
  const failure: ScheduleFailure | undefined = e.failureCode
    ? { code: e.failureCode as ScheduleFailure['code'], message: e.failureMessage ?? '', at: e.failedAt ?? '' }
    : undefined;
  const sending: SendingMark | undefined = e.sendingOccurrence
    ? defined<SendingMark>({
        occurrence: e.sendingOccurrence,
        since: e.sendingSince ?? 0,
        uncertain: e.sendingUncertain === true,
        endedAt: e.sendingEndedAt,
      })
    : undefined;
  return defined<Schedule>({
    scheduleId: e.rowKey ?? '',
    threadId: e.threadId,
    state: e.state,
    content: e.content,
    type: e.type,
    senderDisplayName: e.senderDisplayName,
    metadata: e.metadataJson ? (JSON.parse(e.metadataJson) as Record<string, string>) : undefined,
    timing,
    nextRunAt: e.nextRunAt,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    lastRunAt: e.lastRunAt,
    lastMessageId: e.lastMessageId,
    occurrencesSent: e.occurrencesSent,
    occurrencesSkipped: e.occurrencesSkipped,
    messages: JSON.parse(e.messagesJson || '[]') as SentOccurrence[],
    failure,
    sending,
    etag: e.etag,
  });
}

export function tableScheduleStore(client: TableClient): ScheduleStore {
  const table = tableOnFirstUse(client);

  const countActive = async (t: TableClient, threadId: string): Promise<number> => {
    let count = 0;
    const rows = t.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${threadKeyOf(threadId)} and RowKey lt ${THREAD_ROW} and threadId eq ${threadId} and state eq ${'active'}`,
        select: ['RowKey'],
      },
    });
    for await (const _ of rows) count++;
    return count;
  };

  const insertTurns = new Map<string, Promise<void>>();

  const insertOnce = async (schedule: NewSchedule, maxActive: number): Promise<Schedule> => {
    const t = await table();
    const partitionKey = threadKeyOf(schedule.threadId);
    const entity = toEntity(schedule);
    for (let attempt = 1; ; attempt++) {
      const threadRow = await getEntityOrUndefined<ThreadRowEntity>(t, partitionKey, THREAD_ROW);
      const active = await countActive(t, schedule.threadId);
      if (active >= maxActive) {
        throw new DomainError(
          'limit',
          `threadId: the thread already has ${active} active schedules; the limit is ${maxActive} per thread (cancel some first)`,
          { field: 'threadId', rule: `maxActivePerThread:${maxActive}` },
        );
      }
      const bump: TransactionAction = threadRow
        ? [
            'update',
            { partitionKey, rowKey: THREAD_ROW, threadId: schedule.threadId, inserts: (threadRow.inserts ?? 0) + 1 },
            'Replace',
            { etag: threadRow.etag },
          ]
        : ['create', { partitionKey, rowKey: THREAD_ROW, threadId: schedule.threadId, inserts: 1 }];
      try {
        const result = await t.submitTransaction([bump, ['create', entity]]);
        const etag = result.getResponseForEntity(schedule.scheduleId)?.etag?.trim();
        if (etag) return { ...schedule, etag };
        const stored = await getEntityOrUndefined<ScheduleEntity>(t, partitionKey, schedule.scheduleId);
        if (!stored) throw new Error(`schedule ${schedule.scheduleId} vanished after its insert`);
        return fromEntity(stored);
      } catch (error) {
        const status = statusOf(error);
        // Another insert in this thread committed between our read and our write: count again.
        if (status === 409 || status === 412) {
          if (attempt < MAX_INSERT_ATTEMPTS) {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
            continue;
          }
          throw new DomainError('conflict', 'Too many schedules are being created in this thread at once; retry.');
        }
        throw error;
      }
    }
  };

  return {
    async get(scheduleId) {
      const partition = threadKeyOfScheduleId(scheduleId);
      if (!partition) return undefined;
      const entity = await getEntityOrUndefined<ScheduleEntity>(await table(), partition, scheduleId);
      return entity ? fromEntity(entity) : undefined;
    },

    insert(schedule, maxActive) {
      // Inserts into one thread take turns within a process, so they do not spend their attempts on each other;
      // the ETag on the thread row settles races between processes.
      const key = schedule.threadId;
      const run = (insertTurns.get(key) ?? Promise.resolve()).then(() => insertOnce(schedule, maxActive));
      const turn = run.then(
        () => undefined,
        () => undefined,
      );
      insertTurns.set(key, turn);
      void turn.then(() => {
        if (insertTurns.get(key) === turn) insertTurns.delete(key);
      });
      return run;
    },

    async replace(current, next) {
      try {
        const t = await table();
        const response = await t.updateEntity(toEntity(next), 'Replace', { etag: current.etag });
        if (response.etag) return { ...next, etag: response.etag };
        const stored = await getEntityOrUndefined<ScheduleEntity>(t, threadKeyOf(next.threadId), next.scheduleId);
        return stored ? fromEntity(stored) : undefined;
      } catch (error) {
        const status = statusOf(error);
        if (status === 412 || status === 404) return undefined;
        throw error;
      }
    },

    async listByThread(threadId, options) {
      const t = await table();
      const filters = [
        odata`PartitionKey eq ${threadKeyOf(threadId)} and RowKey lt ${THREAD_ROW} and threadId eq ${threadId}`,
        ...(options.state ? [odata`state eq ${options.state}`] : []),
      ];
      const pages = t.listEntities<ScheduleEntity>({ queryOptions: { filter: filters.join(' and ') } }).byPage({
        maxPageSize: options.pageSize,
        ...(options.continuationToken ? { continuationToken: options.continuationToken } : {}),
      });
      const first = await pages.next();
      if (first.done) return { schedules: [] };
      const page = first.value;
      return {
        schedules: page.map(fromEntity),
        ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
      };
    },
    async pruneEnded(updatedBefore, max) {
      const t = await table();
      const ended = odata`RowKey lt ${THREAD_ROW} and state ne ${'active'} and updatedAt lt ${updatedBefore}`;
      return deleteListed(t, await listKeys(t, ended, max));
    },
  };
}
