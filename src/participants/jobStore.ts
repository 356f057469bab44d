/**
 * Durable state of a bulk-add job whose participants are still being retried in the background: one table row per
 * participant (its outcome so far) and one for the job. The job row's `round` and ETag make each retry round run
 * once: a redelivered or duplicate queue message for a round already done is recognised and dropped.
 */
import { type TableClient, odata } from '@azure/data-tables';
import type { ParticipantSpec } from '../acs/chatPort';
import { deleteListed, getEntityOrUndefined, listKeys, statusOf, tableOnFirstUse, upsertAll } from '../storage/tables';
import type { OutcomeStatus } from './addInChunks';

export interface JobParticipant extends ParticipantSpec {
  status: OutcomeStatus;
  attempts: number;
  nextAttemptAt?: string;
  error?: { code: string; message: string };
}

export interface Job {
  jobId: string;
  threadId: string;
  state: 'running' | 'completed';
  /** The retry round the next queue message must carry to be acted on. */
  round: number;
  createdAt: string;
  updatedAt: string;
  etag: string;
}

export interface JobStore {
  create(job: Omit<Job, 'etag' | 'updatedAt' | 'round' | 'state'>, participants: JobParticipant[]): Promise<void>;
  get(jobId: string): Promise<{ job: Job; participants: JobParticipant[] } | undefined>;
  saveParticipants(jobId: string, participants: JobParticipant[]): Promise<void>;
  /** Moves the job on if nobody else did since it was read: the job as moved, or undefined when the ETag no longer matches. */
  advance(job: Job, next: Pick<Job, 'round' | 'state'>): Promise<Job | undefined>;
  /** Running jobs not moved on since `updatedBefore` (ISO time): candidates for the sweep to re-drive. */
  listStale(updatedBefore: string): Promise<Job[]>;
  /** Deletes up to `max` jobs completed before `updatedBefore` (ISO time), participants first; returns how many. */
  pruneCompleted(updatedBefore: string, max: number): Promise<number>;
}

const JOB_ROW = '~job'; // '~' sorts after every participant id ('8:…'), so the job row reads last

interface JobEntity {
  partitionKey: string;
  rowKey: string;
  threadId: string;
  state: Job['state'];
  round: number;
  createdAt: string;
  updatedAt: string;
}

interface ParticipantEntity {
  partitionKey: string;
  rowKey: string;
  displayName?: string;
  shareHistoryTime?: string;
  status: OutcomeStatus;
  attempts: number;
  nextAttemptAt?: string;
  errorCode?: string;
  errorMessage?: string;
}

export function tableJobStore(client: TableClient, now: () => Date = () => new Date()): JobStore {
  const table = tableOnFirstUse(client);
  const toEntity = (jobId: string, p: JobParticipant): ParticipantEntity => ({
    partitionKey: jobId,
    rowKey: p.id,
    ...(p.displayName !== undefined ? { displayName: p.displayName } : {}),
    ...(p.shareHistoryTime !== undefined ? { shareHistoryTime: p.shareHistoryTime } : {}),
    status: p.status,
    attempts: p.attempts,
    ...(p.nextAttemptAt !== undefined ? { nextAttemptAt: p.nextAttemptAt } : {}),
    ...(p.error ? { errorCode: p.error.code, errorMessage: p.error.message } : {}),
  });
  return {
    async create(job, participants) {
      const t = await table();
      await upsertAll(
        t,
        participants.map((p) => toEntity(job.jobId, p)),
      );
      await t.createEntity<JobEntity>({
        partitionKey: job.jobId,
        rowKey: JOB_ROW,
        threadId: job.threadId,
        state: 'running',
        round: 0,
        createdAt: job.createdAt,
        updatedAt: job.createdAt,
      });
    },
    async get(jobId) {
      const t = await table();
      const jobEntity = await getEntityOrUndefined<JobEntity>(t, jobId, JOB_ROW);
      if (!jobEntity) return undefined;
      const participants: JobParticipant[] = [];
      const rows = t.listEntities<ParticipantEntity>({
        queryOptions: { filter: odata`PartitionKey eq ${jobId} and RowKey lt ${JOB_ROW}` },
      });
      for await (const e of rows) {
        participants.push({
          id: e.rowKey,
          ...(e.displayName ? { displayName: e.displayName } : {}),
          ...(e.shareHistoryTime ? { shareHistoryTime: e.shareHistoryTime } : {}),
          status: e.status,
          attempts: e.attempts,
          ...(e.nextAttemptAt ? { nextAttemptAt: e.nextAttemptAt } : {}),
          ...(e.errorCode ? { error: { code: e.errorCode, message: e.errorMessage ?? '' } } : {}),
        });
      }
      return { job: toJob(jobEntity), participants };
    },
    async saveParticipants(jobId, participants) {
      await upsertAll(
        await table(),
        participants.map((p) => toEntity(jobId, p)),
      );
    },
    async advance(job, next) {
      const updatedAt = now().toISOString();
      try {
        const response = await (
          await table()
        ).updateEntity({ partitionKey: job.jobId, rowKey: JOB_ROW, ...next, updatedAt }, 'Merge', { etag: job.etag });
        return { ...job, ...next, updatedAt, etag: response.etag ?? '' };
      } catch (error) {
        if (statusOf(error) === 412) return undefined;
        throw error;
      }
    },
    async listStale(updatedBefore) {
      const t = await table();
      const jobs: Job[] = [];
      const rows = t.listEntities<JobEntity>({
        queryOptions: {
          filter: odata`RowKey eq ${JOB_ROW} and state eq ${'running'} and updatedAt lt ${updatedBefore}`,
        },
      });
      for await (const e of rows) jobs.push(toJob(e));
      return jobs;
    },
    async pruneCompleted(updatedBefore, max) {
      const t = await table();
      const done = odata`RowKey eq ${JOB_ROW} and state eq ${'completed'} and updatedAt lt ${updatedBefore}`;
      let pruned = 0;
      for (const job of await listKeys(t, done, max)) {
        // The job row last: a sweep cut short finds the job again and finishes it.
        const rows = await listKeys(t, odata`PartitionKey eq ${job.partitionKey}`, Number.POSITIVE_INFINITY);
        await deleteListed(
          t,
          rows.filter((r) => r.rowKey !== JOB_ROW),
        );
        pruned += await deleteListed(t, [job]);
      }
      return pruned;
    },
  };
}

function toJob(e: JobEntity & { etag: string }): Job {
  return {
    jobId: e.partitionKey,
    threadId: e.threadId,
    state: e.state,
    round: e.round,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    etag: e.etag,
  };
}
