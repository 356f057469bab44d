/**
 * Re-drives bulk-add jobs that nothing will move on: a crash between writing a job and queueing its round (or
 * between a round's claim and its next message) leaves a `running` job with no message. A job not moved on for
 * longer than any message could still be pending gets its current round queued again. That is idempotent: the
 * round's claim (the job row's round and ETag) lets only one delivery of a round act.
 */
import type { JsonQueue } from '../storage/jsonQueue';
import type { RetryMessage } from './bulkAdd';
import type { JobStore } from './jobStore';

/**
 * A round message is due within the policy's longest round delay (60 s) after a round of at most its budget
 * (20 s); a message in flight when its worker crashed stays invisible about 10 minutes on the Functions runtime.
 */
export const DEFAULT_JOB_STALE_AFTER_MS = 15 * 60_000;

export interface ParticipantJobSweepDeps {
  jobs: JobStore;
  queue: JsonQueue<RetryMessage>;
  staleAfterMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

export class ParticipantJobSweep {
  constructor(private readonly deps: ParticipantJobSweepDeps) {}

  /** Queues the current round of every stale running job; returns how many it re-drove. */
  async run(): Promise<number> {
    const now = (this.deps.now ?? Date.now)();
    const staleAfter = this.deps.staleAfterMs ?? DEFAULT_JOB_STALE_AFTER_MS;
    let redriven = 0;
    for (const job of await this.deps.jobs.listStale(new Date(now - staleAfter).toISOString())) {
      // Touch the row first (same round, ETag'd): a job moved on meanwhile is left alone, and the next sweep does
      // not queue it again before this message had its chance.
      if (!(await this.deps.jobs.advance(job, { round: job.round, state: 'running' }))) continue;
      await this.deps.queue.send({ jobId: job.jobId, round: job.round });
      this.deps.log?.(
        `Re-drove participant job ${job.jobId} at round ${job.round} (no progress since ${job.updatedAt})`,
      );
      redriven++;
    }
    return redriven;
  }
}
