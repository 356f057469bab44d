/**
 * Retention: deletes the records the app no longer needs, a bounded number per run (the housekeeping timer runs
 * every few minutes, so a backlog drains over a few runs without one long invocation):
 * - idempotency keys past their `expiresAt` (24 h after the answer was stored);
 * - schedules that ended (completed, cancelled, failed), participant jobs that completed, and archive runs that
 *   finished, RETENTION_DAYS after that; each thread's latest archive run stays (GET …/archive reports it).
 * Each store knows its own rows; this class only sets the cut-offs.
 */
import type { RunLog } from '../archive/runLog';
import type { TableIdempotencyStore } from '../idempotency/idempotencyStore';
import type { JobStore } from '../participants/jobStore';
import type { ScheduleStore } from '../schedules/scheduleStore';

export interface RetentionDeps {
  keys: Pick<TableIdempotencyStore, 'pruneExpired'>;
  schedules: Pick<ScheduleStore, 'pruneEnded'>;
  jobs: Pick<JobStore, 'pruneCompleted'>;
  runs: Pick<RunLog, 'pruneFinished'>;
  retentionDays: number;
  /** Most rows of each kind deleted per run. */
  maxPerRun?: number;
  now?: () => number;
}

export interface RetentionReport {
  idempotencyKeys: number;
  schedules: number;
  participantJobs: number;
  archiveRuns: number;
}

export class RetentionSweep {
  constructor(private readonly deps: RetentionDeps) {}

  async run(): Promise<RetentionReport> {
    const now = (this.deps.now ?? Date.now)();
    const max = this.deps.maxPerRun ?? 1_000;
    const before = new Date(now - this.deps.retentionDays * 86_400_000).toISOString();
    return {
      idempotencyKeys: await this.deps.keys.pruneExpired(max),
      schedules: await this.deps.schedules.pruneEnded(before, max),
      participantJobs: await this.deps.jobs.pruneCompleted(before, max),
      archiveRuns: await this.deps.runs.pruneFinished(before, max),
    };
  }
}
