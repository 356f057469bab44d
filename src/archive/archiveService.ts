/**
 * The history archive as the app's triggers and the chat bot use it:
 *  - requestRun: queue a run of one thread (HTTP `POST …/archive`), enqueueAll: one per thread (nightly timer);
 *  - runJob / archiveNow: archive one thread now, under its lease, logging the run;
 *  - getArchive: the manifest and the state of the latest run;
 *  - openMessages: the archived messages, streamed in chronological order;
 *  - noteMessageChanged: the hook message events feed, so edits older than the re-scan window reach the archive.
 */
import { randomUUID } from 'node:crypto';
import type { ChatPort } from '../acs/chatPort';
import { AcsFailure } from '../acs/acsErrors';
import { withRetry } from '../acs/retry';
import { Slots } from '../concurrency';
import { DomainError } from '../domainErrors';
import type { JsonQueue } from '../storage/jsonQueue';
import { ArchiveRun, DEFAULT_ARCHIVE_SETTINGS, type ArchiveSettings } from './archiveRun';
import type { ArchiveStore } from './archiveStore';
import type { ChangeNotes } from './changeNotes';
import { ARCHIVE_FORMAT, type Manifest, type RunSummary } from './manifest';
import { mergeParts } from './partReader';
import { isSystemMessage, sequenceOf, revisionOf, type ArchiveRecord } from './records';
import type { RunLog, RunRecord } from './runLog';

/** The queue message of one run (its trigger: src/functions/archiveJobs.ts). */
export interface ArchiveJob {
  threadId: string;
  runId: string;
  runKey: string;
  trigger: string;
}

export interface ArchiveServiceDeps {
  chat: ChatPort;
  store: ArchiveStore;
  runs: RunLog;
  notes: ChangeNotes;
  queue: JsonQueue<ArchiveJob>;
  settings?: Partial<ArchiveSettings>;
  /** Queued runs one process carries out at once; more wait on the queue (default MAX_RUNS_PER_PROCESS). */
  maxRunsAtOnce?: number;
  /** How long a queued run waits for a free slot before it goes back on the queue (default SLOT_WAIT_MS). */
  slotWaitMs?: number;
  now?: () => Date;
}

/**
 * A run holds a page of messages, a part being written and the part uploads in flight (tens of MB for big
 * threads); the queue hands one process up to 24 messages at once (host.json batchSize 16 + newBatchThreshold 8).
 * Four at once fit a 2 GB instance with room for everything else; the rest go back on the queue for a moment.
 */
export const MAX_RUNS_PER_PROCESS = 4;
/** A queued run waits this long for a free slot in this process (runs of small threads take a second or two)... */
export const SLOT_WAIT_MS = 30_000;
/** ...then goes back on the queue to come back this long after (another instance may take it first). */
export const BUSY_REQUEUE_MS = 10_000;

export interface ReadQuery {
  /** createdOn at or after. */
  from?: Date;
  /** createdOn before. */
  to?: Date;
  includeSystem: boolean;
  versions: 'latest' | 'all';
}

export type ArchiveView = Omit<Manifest, 'lastRun'> & { lastRun?: RunRecord | RunSummary };

const ENQUEUE_CONCURRENCY = 16;

/** Wait for another run's lease at most this long: a live run renews it, a dead one's expires within 30 s. */
const LEASE_WAIT_MS = 45_000;

export class ArchiveService {
  private readonly settings: ArchiveSettings;
  private readonly now: () => Date;
  private readonly runSlots: Slots;

  constructor(private readonly deps: ArchiveServiceDeps) {
    this.settings = { ...DEFAULT_ARCHIVE_SETTINGS, ...deps.settings };
    this.now = deps.now ?? (() => new Date());
    this.runSlots = new Slots(deps.maxRunsAtOnce ?? MAX_RUNS_PER_PROCESS);
  }

  /** Queues a run of a thread the service user can read; 404 when ACS does not know the thread. */
  async requestRun(threadId: string, trigger = 'http'): Promise<RunRecord> {
    try {
      await withRetry(() => this.deps.chat.getThread(threadId), this.settings.callRetry);
    } catch (error) {
      if (error instanceof AcsFailure && error.kind === 'notFound') {
        throw new DomainError(
          'notFound',
          `threadId: ACS has no thread ${threadId} (an archive made before it was deleted stays readable with GET …/archive)`,
          { field: 'threadId', rule: 'exists' },
        );
      }
      throw error;
    }
    return this.enqueue(threadId, trigger);
  }

  /** One queued run per thread of the service user (the nightly timer); returns how many were queued. */
  async enqueueAll(): Promise<number> {
    let queued = 0;
    let failure: unknown;
    let inFlight: Promise<void>[] = [];
    for await (const thread of this.deps.chat.listThreads()) {
      if (thread.deletedOn) continue; // nothing left to read; its archive stays as it is
      // A few at a time: two storage writes per thread add up over thousands of threads.
      inFlight.push(
        this.enqueue(thread.id, 'timer').then(
          () => void queued++,
          (error: unknown) => void (failure ??= error),
        ),
      );
      if (inFlight.length >= ENQUEUE_CONCURRENCY) {
        await Promise.all(inFlight);
        inFlight = [];
      }
      if (failure !== undefined) throw failure;
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    return queued;
  }

  private async enqueue(threadId: string, trigger: string): Promise<RunRecord> {
    const run: RunRecord = {
      runId: randomUUID(),
      threadId,
      trigger,
      state: 'queued',
      queuedAt: this.now().toISOString(),
    };
    const runKey = await this.deps.runs.add(run);
    await this.deps.queue.send({ threadId, runId: run.runId, runKey, trigger });
    return run;
  }

  /**
   * Runs a queued job. Failures that retrying cannot fix (the thread is gone and was never archived, the service
   * user may not read it) end the job; others are thrown so the queue delivers it again.
   */
  async runJob(job: ArchiveJob): Promise<RunSummary | 'requeued'> {
    const release = await this.runSlots.acquire(this.deps.slotWaitMs ?? SLOT_WAIT_MS);
    if (!release) {
      // No room in this process for a while: the job goes back on the queue rather than wait here any longer.
      await this.deps.queue.send(job, BUSY_REQUEUE_MS);
      return 'requeued';
    }
    try {
      return await this.archiveNow(job.threadId, job);
    } catch (error) {
      const permanent =
        error instanceof DomainError ||
        (error instanceof AcsFailure && !error.retriable && error.kind !== 'unauthorized');
      if (permanent) return this.failedSummary(job, error);
      throw error;
    } finally {
      release();
    }
  }

  /**
   * A job whose queue message failed every delivery (it is in the poison queue): its run ends `failed`, saying so
   * after whatever error the last attempt recorded, unless an attempt finished it after all. The thread's next run
   * (the timer's, or one asked for) starts from what the archive holds, so nothing is lost, only late.
   */
  async abandonJob(job: ArchiveJob): Promise<RunRecord | undefined> {
    const run = await this.deps.runs.get(job.threadId, job.runKey);
    if (!run || (run.state !== 'queued' && run.state !== 'running' && run.state !== 'failed')) return run;
    const gaveUp = 'the run failed on every delivery of its queue message and was given up';
    const error = run.error && !run.error.startsWith(gaveUp) ? `${gaveUp}; last error: ${run.error}` : gaveUp;
    const ended = { state: 'failed' as const, finishedAt: this.now().toISOString(), error };
    await this.deps.runs.update(job.threadId, job.runKey, ended);
    return { ...run, ...ended };
  }

  /** Archives one thread now and returns what the run did. The chat bot calls this too. */
  async archiveNow(
    threadId: string,
    options: { runId?: string; runKey?: string; trigger?: string } = {},
  ): Promise<RunSummary> {
    const startedAt = this.now();
    const runId = options.runId ?? randomUUID();
    const trigger = options.trigger ?? 'direct';
    const runKey =
      options.runKey ??
      (await this.deps.runs.add({ runId, threadId, trigger, state: 'queued', queuedAt: startedAt.toISOString() }));
    await this.deps.runs.update(threadId, runKey, { state: 'running', startedAt: startedAt.toISOString() });

    const archive = this.deps.store.thread(threadId);
    const acquired = await archive.acquireLease(runId, LEASE_WAIT_MS);
    if ('heldBy' in acquired) {
      // A live run holds the thread and archives the same messages: this one has nothing to add.
      const summary: RunSummary = {
        runId,
        trigger,
        startedAt: startedAt.toISOString(),
        finishedAt: this.now().toISOString(),
        outcome: 'skipped',
        newMessages: 0,
        changes: 0,
        records: 0,
        parts: 0,
        pages: 0,
        error: `run ${acquired.heldBy} was archiving this thread`,
      };
      await this.deps.runs.update(threadId, runKey, { ...summary, state: 'skipped' });
      return summary;
    }
    const run = new ArchiveRun(
      {
        chat: this.deps.chat,
        archive,
        notes: this.deps.notes,
        lease: acquired.lease,
        settings: this.settings,
        now: this.now,
      },
      { runId, trigger, startedAt },
    );
    try {
      const summary = await run.execute();
      await this.deps.runs.update(threadId, runKey, { ...summary, state: summary.outcome });
      return summary;
    } catch (error) {
      const summary = await run.recordFailure(error);
      await this.deps.runs.update(threadId, runKey, { ...summary, state: 'failed' }).catch(() => undefined);
      throw error;
    } finally {
      await acquired.lease.release();
    }
  }

  private failedSummary(job: ArchiveJob, error: unknown): RunSummary {
    const now = this.now().toISOString();
    return {
      runId: job.runId,
      trigger: job.trigger,
      startedAt: now,
      finishedAt: now,
      outcome: 'failed',
      newMessages: 0,
      changes: 0,
      records: 0,
      parts: 0,
      pages: 0,
      error: error instanceof Error ? error.message : String(error),
    };
  }

  /** The manifest with the latest run's state; 404 when the thread was never archived nor queued. */
  async getArchive(threadId: string): Promise<ArchiveView> {
    const [stored, latest] = await Promise.all([
      this.deps.store.thread(threadId).readManifest(),
      this.deps.runs.latest(threadId),
    ]);
    if (!stored && !latest) {
      throw new DomainError('notFound', `threadId: there is no archive of thread ${threadId}`, {
        field: 'threadId',
        rule: 'archived',
      });
    }
    const manifest: Manifest = stored?.manifest ?? {
      format: ARCHIVE_FORMAT,
      threadId,
      parts: [],
      counts: { messages: 0, records: 0, changes: 0, deletions: 0, parts: 0, bytes: 0 },
      coverage: [],
      updatedAt: latest?.queuedAt ?? this.now().toISOString(),
    };
    const { lastRun, ...rest } = manifest;
    const current = latest ?? lastRun;
    return { ...rest, ...(current ? { lastRun: current } : {}) };
  }

  /**
   * The archived messages in chronological (sequence) order, read part by part as the caller consumes them.
   * Throws 404 (before anything is streamed) when the thread has no archive.
   */
  async openMessages(threadId: string, query: ReadQuery): Promise<AsyncIterable<ArchiveRecord>> {
    const archive = this.deps.store.thread(threadId);
    const stored = await archive.readManifest();
    if (!stored) {
      throw new DomainError('notFound', `threadId: there is no archive of thread ${threadId}`, {
        field: 'threadId',
        rule: 'archived',
      });
    }
    return readBack(stored.manifest, (name) => archive.downloadPart(name), query);
  }

  /** Notes that a message was edited or deleted; the thread's next run archives its new version. */
  noteMessageChanged(threadId: string, messageId: string): Promise<void> {
    return this.deps.notes.note(threadId, messageId);
  }
}

async function* readBack(
  manifest: Manifest,
  open: (name: string) => Promise<NodeJS.ReadableStream>,
  query: ReadQuery,
): AsyncGenerator<ArchiveRecord> {
  const from = query.from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const to = query.to?.getTime() ?? Number.POSITIVE_INFINITY;
  const records = mergeParts(manifest.parts, open, {
    partFilter: (p) => Date.parse(p.lastMessageOn) >= from && Date.parse(p.firstMessageOn) < to,
    recordFilter: (r) => {
      const created = Date.parse(r.createdOn);
      return created >= from && created < to && (query.includeSystem || !isSystemMessage(r));
    },
  });
  // Versions of one message at one sequence id are adjacent, oldest first. A later version ACS moved to a higher
  // sequence id (edits and deletions take the thread's next one) supersedes the earlier ones wherever they are.
  const latestAt = new Map<string, number>();
  for (const part of manifest.parts) {
    for (const [id, seq] of part.changed ?? []) latestAt.set(id, Math.max(seq, latestAt.get(id) ?? 0));
  }
  let held: ArchiveRecord | undefined;
  for await (const record of records) {
    if (query.versions === 'latest' && (latestAt.get(record.id) ?? 0) > sequenceOf(record)) continue;
    if (query.versions === 'all') {
      // A version written twice (a noted change racing the re-scan) is the same version: list it once.
      if (!(held && held.id === record.id && revisionOf(held) === revisionOf(record))) yield record;
      held = record;
      continue;
    }
    if (held && held.id !== record.id) yield held;
    held = record;
  }
  if (query.versions === 'latest' && held) yield held;
}
