/**
 * Bulk add with durable retry: what `addInChunks` cannot finish within the request's budget becomes a job, kept in
 * a table and re-driven by queue messages (delivered after a backoff delay) until every participant is added or
 * has failed for good. Nobody is dropped silently and nobody is added twice: a round first re-reads the thread's
 * members, and the job's round number makes a redelivered message a no-op.
 */
import { randomUUID } from 'node:crypto';
import { ACS_LIMITS, type ChatPort, type ParticipantSpec } from '../acs/chatPort';
import { DomainError } from '../domainErrors';
import type { JsonQueue } from '../storage/jsonQueue';
import { addInChunks, type AddOptions, type AddOutcome } from './addInChunks';
import type { Job, JobParticipant, JobStore } from './jobStore';

export interface RetryMessage {
  jobId: string;
  round: number;
}

export interface ParticipantResult {
  id: string;
  status: AddOutcome['status'];
  attempts?: number;
  nextAttemptAt?: string;
  error?: { code: string; message: string };
}

export interface BulkAddResult {
  participants: ParticipantResult[];
  /** Set when some participants are still being retried in the background. */
  jobId?: string;
}

export interface BulkAddPolicy {
  /** In-request retry time (the caller is waiting). */
  requestBudgetMs: number;
  /** Retry time per background round. */
  roundBudgetMs: number;
  /** Add calls per participant before it is failed for good. */
  maxAttempts: number;
  /** Delay before background round n is 2^n × this, capped at maxRoundDelayMs (or the service's Retry-After). */
  roundDelayMs: number;
  maxRoundDelayMs: number;
}

export const DEFAULT_BULK_ADD_POLICY: BulkAddPolicy = {
  requestBudgetMs: 4_000,
  roundBudgetMs: 20_000,
  maxAttempts: 12,
  roundDelayMs: 1_000,
  maxRoundDelayMs: 60_000,
};

export interface BulkAddDeps {
  chat: ChatPort;
  jobs: JobStore;
  queue: JsonQueue<RetryMessage>;
  policy?: Partial<BulkAddPolicy>;
  now?: () => number;
  /** Passed through to addInChunks (tests and the bench count calls). */
  addOptions?: Partial<AddOptions>;
  log?: (message: string) => void;
}

export class BulkAdd {
  private readonly policy: BulkAddPolicy;
  private readonly now: () => number;

  constructor(private readonly deps: BulkAddDeps) {
    this.policy = { ...DEFAULT_BULK_ADD_POLICY, ...deps.policy };
    this.now = deps.now ?? Date.now;
  }

  /**
   * Adds `participants` (already validated and deduplicated) to the thread. `members`, when the caller knows them
   * (a thread it just created), saves listing them.
   */
  async add(
    threadId: string,
    participants: readonly ParticipantSpec[],
    members?: ReadonlySet<string>,
  ): Promise<BulkAddResult> {
    const current = members ?? (await this.memberIds(threadId));
    const already = participants.filter((p) => current.has(p.id));
    const pending = participants.filter((p) => !current.has(p.id));
    const room = ACS_LIMITS.participantsPerThread - current.size;
    if (pending.length > room) {
      throw new DomainError(
        'limit',
        `participants: ${pending.length} new participants do not fit: the thread has ${current.size} members and room for ${Math.max(0, room)} more (limit ${ACS_LIMITS.participantsPerThread} per thread)`,
        { field: 'participants', rule: `maxItems:${Math.max(0, room)}` },
      );
    }
    const outcomes = await addInChunks(this.deps.chat, threadId, pending, {
      budgetMs: this.policy.requestBudgetMs,
      ...this.deps.addOptions,
    });
    const byId = new Map<string, AddOutcome>(outcomes.map((o) => [o.id, o]));
    for (const p of already) byId.set(p.id, { id: p.id, status: 'added', attempts: 0 });

    const retrying = outcomes.filter((o) => o.status === 'retrying');
    if (retrying.length === 0) return { participants: participants.map((p) => toResult(byId.get(p.id))) };

    const jobId = randomUUID();
    const delay = this.roundDelay(0, retrying);
    const nextAttemptAt = new Date(this.now() + delay).toISOString();
    const rows = participants.map((p) => toJobParticipant(p, byId.get(p.id), nextAttemptAt));
    await this.deps.jobs.create({ jobId, threadId, createdAt: new Date(this.now()).toISOString() }, rows);
    await this.deps.queue.send({ jobId, round: 0 }, delay);
    return { jobId, participants: rows.map(toResult) };
  }

  /** One background round of a job: handles a queue message. */
  async retryRound(message: RetryMessage): Promise<void> {
    const found = await this.deps.jobs.get(message.jobId);
    if (!found) {
      this.deps.log?.(`Job ${message.jobId} not found; message dropped`);
      return;
    }
    const { job: read, participants } = found;
    if (read.state === 'completed' || message.round !== read.round) {
      this.deps.log?.(
        `Job ${read.jobId} round ${message.round} already handled (job at round ${read.round}, ${read.state})`,
      );
      return;
    }
    // Claim the round before working it: of two deliveries of one message only one moves the job on, so only one
    // adds and queues the next round. A crash after the claim leaves the job with no message; the sweep
    // (jobSweep.ts) re-drives it.
    const next = read.round + 1;
    const job = await this.deps.jobs.advance(read, { round: next, state: 'running' });
    if (!job) {
      this.deps.log?.(`Job ${read.jobId} round ${message.round} taken by another delivery`);
      return;
    }
    const retrying = participants.filter((p) => p.status === 'retrying');
    const changed: JobParticipant[] = [];
    const remaining: AddOutcome[] = [];
    if (retrying.length > 0) {
      const members = await this.memberIds(job.threadId).catch(() => new Set<string>());
      const toAdd = retrying.filter((p) => !members.has(p.id));
      for (const p of retrying) if (members.has(p.id)) changed.push(settle(p, 'added'));
      const outcomes = await addInChunks(this.deps.chat, job.threadId, toAdd, {
        budgetMs: this.policy.roundBudgetMs,
        priorAttempts: new Map(toAdd.map((p) => [p.id, p.attempts])),
        ...this.deps.addOptions,
      });
      const byId = new Map(toAdd.map((p) => [p.id, p]));
      for (const outcome of outcomes) {
        const before = byId.get(outcome.id) as JobParticipant;
        if (outcome.status === 'retrying' && outcome.attempts >= this.policy.maxAttempts) {
          changed.push({
            ...before,
            status: 'failed',
            attempts: outcome.attempts,
            error: {
              code: 'RetriesExhausted',
              message: `gave up after ${outcome.attempts} attempts; last error: ${outcome.error?.message ?? 'unknown'}`,
            },
            nextAttemptAt: undefined,
          });
        } else {
          changed.push(toJobParticipant(before, outcome, undefined));
          if (outcome.status === 'retrying') remaining.push(outcome);
        }
      }
    }
    if (remaining.length > 0) {
      const delay = this.roundDelay(next, remaining);
      const nextAttemptAt = new Date(this.now() + delay).toISOString();
      for (const p of changed) if (p.status === 'retrying') p.nextAttemptAt = nextAttemptAt;
      await this.deps.jobs.saveParticipants(job.jobId, changed);
      await this.deps.queue.send({ jobId: job.jobId, round: next }, delay);
    } else {
      await this.deps.jobs.saveParticipants(job.jobId, changed);
      // The sweep may have touched the row since the claim; then this round's work is redone harmlessly.
      if (!(await this.deps.jobs.advance(job, { round: next, state: 'completed' })))
        this.deps.log?.(`Job ${job.jobId} moved on during round ${message.round}; it will be re-driven`);
    }
  }

  /**
   * A round whose queue message failed every delivery (it is in the poison queue): unless the job moved on, its
   * participants still retrying end `failed` with the reason, and the job completes, so the job API says what became
   * of everyone instead of showing them retrying for ever.
   */
  async abandonRound(message: RetryMessage): Promise<'given up' | 'already handled' | 'not found'> {
    const found = await this.deps.jobs.get(message.jobId);
    if (!found) return 'not found';
    const { job, participants } = found;
    if (job.state === 'completed' || message.round !== job.round) return 'already handled';
    const givenUp = participants
      .filter((p) => p.status === 'retrying')
      .map((p): JobParticipant => ({
        ...p,
        status: 'failed',
        error: {
          code: 'RetriesAbandoned',
          message: `a background retry round failed on every delivery of its queue message (after ${p.attempts} attempts to add)`,
        },
        nextAttemptAt: undefined,
      }));
    await this.deps.jobs.saveParticipants(job.jobId, givenUp);
    return (await this.deps.jobs.advance(job, { round: job.round + 1, state: 'completed' }))
      ? 'given up'
      : 'already handled';
  }

  async getJob(threadId: string, jobId: string): Promise<{ job: Job; participants: ParticipantResult[] }> {
    const found = await this.deps.jobs.get(jobId);
    if (!found || found.job.threadId !== threadId) {
      throw new DomainError('notFound', `No participant job ${jobId} for thread ${threadId}.`);
    }
    return { job: found.job, participants: found.participants.map(toResult) };
  }

  private async memberIds(threadId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const p of this.deps.chat.listParticipants(threadId)) ids.add(p.id);
    return ids;
  }

  private roundDelay(round: number, failing: readonly AddOutcome[]): number {
    const serviceAsked = Math.max(0, ...failing.map((o) => o.retryAfterMs ?? 0));
    const backoff = Math.min(this.policy.maxRoundDelayMs, this.policy.roundDelayMs * 2 ** round);
    return Math.max(serviceAsked, backoff);
  }
}

function settle(p: JobParticipant, status: 'added'): JobParticipant {
  return { ...p, status, nextAttemptAt: undefined, error: undefined };
}

function toJobParticipant(
  p: ParticipantSpec,
  outcome: AddOutcome | undefined,
  nextAttemptAt: string | undefined,
): JobParticipant {
  const status = outcome?.status ?? 'retrying';
  return {
    id: p.id,
    ...(p.displayName !== undefined ? { displayName: p.displayName } : {}),
    ...(p.shareHistoryTime !== undefined ? { shareHistoryTime: p.shareHistoryTime } : {}),
    status,
    attempts: outcome?.attempts ?? 0,
    ...(status === 'retrying' && nextAttemptAt ? { nextAttemptAt } : {}),
    ...(status !== 'added' && outcome?.error ? { error: outcome.error } : {}),
  };
}

function toResult(o: AddOutcome | JobParticipant | undefined): ParticipantResult {
  if (!o) throw new Error('every participant has an outcome');
  return {
    id: o.id,
    status: o.status,
    ...(o.attempts ? { attempts: o.attempts } : {}),
    ...('nextAttemptAt' in o && o.nextAttemptAt && o.status === 'retrying' ? { nextAttemptAt: o.nextAttemptAt } : {}),
    ...(o.error && o.status !== 'added' ? { error: o.error } : {}),
  };
}
