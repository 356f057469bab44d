/**
 * Sends the due occurrences of one thread (one queue message from the dispatcher), exactly once each:
 *
 * 1. The schedule row decides: an occurrence is sent only while the schedule is active and waiting for it.
 * 2. Before the ACS call the occurrence is claimed on the schedule row with an ETag write (`sending`), so of two
 *    workers holding the same occurrence only one sends. The claim lasts `sendLeaseMs`; the ACS call is abandoned
 *    `sendTimeoutMs` after the claim was taken (not after the call started), and not made at all if claiming took
 *    that long, so no attempt posts after its claim has ended.
 * 3. The message carries metadata naming the schedule and occurrence. A later attempt that finds the claim still
 *    there (its process died, or the call's result was lost) first looks for that message in the thread and
 *    records it instead of sending again: after the lease, or, when the earlier attempt ended without knowing
 *    whether ACS posted it (timeout, reset, 5xx), `settleMs` after that.
 * 4. The message id is recorded, the next occurrence indexed, then the claim cleared, in one ETag write, retried
 *    from fresh reads until it lands; if it cannot, the occurrence is retried later with its claim kept (so the
 *    next attempt finds the message), never reported sent unrecorded. A record that lands after the lease ended is
 *    harmless: it is conditional on the schedule row and skipped once the occurrence is recorded, and the attempt
 *    that took over found the same message (it was posted before the send window closed), so both record it once.
 * 5. A claim left on an occurrence that is no longer pending (the schedule was edited while it was being sent)
 *    holds the pending occurrence back only while it could still post; then its message, if any, is recorded and
 *    the pending occurrence goes ahead.
 *
 * An occurrence delivered before its due time (handed out ahead by the dispatcher, a little early to cover queue
 * polling) waits in-process for it when that is short (`maxEarlyWaitMs`), else goes back on the queue to return
 * just before it. Its index row is held past its due time, so the wait is covered.
 *
 * Sends are paced per thread below the ACS limits; whatever cannot go now (pacing, 429, transient ACS or storage
 * errors) goes back on the queue with a delay, its index row held back as long. Permanent ACS errors (thread
 * deleted, service user removed, message refused) mark the schedule failed with the reason. Anything else (a bug,
 * storage refusing the app) is not retried as transient: the batch throws it once its other occurrences are done,
 * for the queue to log and deliver again; once the queue gives up on it, abandon() accounts for its occurrences.
 */
import type { ChatMessageInfo, ChatPort } from '../acs/chatPort';
import { AcsFailure } from '../acs/acsErrors';
import { backoffDelay } from '../acs/retry';
import type { JsonQueue } from '../storage/jsonQueue';
import { describeStorageFailure, storageFailureOf } from '../storage/storageErrors';
import { mapLimit } from '../concurrency';
import type { HandOutSoon } from './dispatcher';
import type { DueIndex } from './dueIndex';
import { SCHEDULE_LIMITS, SCHEDULE_METADATA_KEYS } from './limits';
import {
  fieldsOf,
  isPending,
  wasSent,
  type NewSchedule,
  type Schedule,
  type ScheduleFailure,
  type SendingMark,
} from './schedule';
import type { ScheduleStore } from './scheduleStore';
import type { ThreadSendLimiter } from './threadSendLimiter';
import { nextAfterRun } from './timing';

export interface SendItem {
  scheduleId: string;
  /** The occurrence's due time, RFC 3339 UTC. */
  occurrence: string;
  /** Deliveries so far (0 on the dispatcher's first). */
  attempt: number;
}

/** One queue message: due occurrences of one thread. */
export interface SendBatch {
  threadId: string;
  items: SendItem[];
}

export interface SenderPolicy {
  /** An attempt's claim on an occurrence lasts this long; after it, another attempt may take over. */
  sendLeaseMs: number;
  /**
   * The send window, counted from the claim: the ACS call is abandoned when it closes (or not made if claiming took
   * that long). Well inside the lease, so no attempt outlives its claim.
   */
  sendTimeoutMs: number;
  /** After a send that may have posted without saying so (timeout, reset, 5xx), wait this long before looking. */
  settleMs: number;
  /** A deferred occurrence's index row is held this long past its new delivery time. */
  claimMs: number;
  /** How far before an attempt started to look for its message. */
  searchMarginMs: number;
  /** Occurrences of one thread worked on at once. */
  concurrency: number;
  /** Longest wait before retrying a transient failure. */
  maxRetryDelayMs: number;
  /** An index row whose schedule is missing is dropped once its due time is this old (else its insert may be under way). */
  orphanAgeMs: number;
  /** An occurrence delivered at most this long before its due time waits for it in-process, not on the queue. */
  maxEarlyWaitMs: number;
  /** Hand-outs of one occurrence that may end in the poison queue before it is given up (schedule failed). */
  maxPoisonedHandOuts: number;
}

/** An occurrence put back on the queue for being early returns this long before its due time. */
const EARLY_RETURN_MS = 2_000;

export const DEFAULT_SENDER_POLICY: SenderPolicy = {
  sendLeaseMs: 60_000,
  sendTimeoutMs: 20_000,
  settleMs: 30_000,
  claimMs: 120_000,
  searchMarginMs: 5 * 60_000,
  concurrency: 10,
  maxRetryDelayMs: 5 * 60_000,
  orphanAgeMs: 5 * 60_000,
  maxEarlyWaitMs: 5_000,
  maxPoisonedHandOuts: 3,
};

export interface SenderDeps {
  store: ScheduleStore;
  dueIndex: DueIndex;
  chat: ChatPort;
  queue: JsonQueue<SendBatch>;
  limiter: ThreadSendLimiter;
  /** Sender display name when the schedule gives none. */
  serviceDisplayName: string;
  now?: () => number;
  policy?: Partial<SenderPolicy>;
  /** The signal that abandons a send after `ms` (tests pass their own, to see the window a send is given). */
  abortAfter?: (ms: number) => AbortSignal;
  /** Waits `ms` (tests pass one that moves their clock). */
  sleep?: (ms: number) => Promise<void>;
  /** Hands out a recurring schedule's next occurrence when it falls due before the next dispatcher tick. */
  handOutSoon?: HandOutSoon;
}

export interface BatchReport {
  sent: number;
  /** Found already posted by an earlier attempt and recorded without sending again. */
  recovered: number;
  /** Already recorded (a duplicate delivery). */
  duplicates: number;
  deferred: number;
  failed: number;
  /** No longer pending (cancelled, edited, completed) or without a schedule. */
  dropped: number;
  /** Largest due-to-sent delay among the messages sent, ms. */
  maxLatenessMs: number;
}

type ItemResult =
  | { kind: 'sent'; recovered: boolean; latenessMs: number }
  | { kind: 'duplicate' }
  | { kind: 'dropped' }
  | { kind: 'failed' }
  | { kind: 'defer'; delayMs: number; reason: string; throttled?: boolean };

/** What became of an occurrence whose queue message went to the poison queue. */
export type PoisonedOutcome =
  | { kind: 'handed out again'; poisoned: number; of: number }
  | { kind: 'given up' }
  | { kind: 'recorded' }
  | { kind: 'still being sent' }
  | { kind: 'finished' };

/** `current` failed for good over `occurrence`: its claim on it cleared, and failed unless it already ended. */
function failedVersion(current: Schedule, occurrence: string, failure: ScheduleFailure): NewSchedule {
  return {
    ...fieldsOf(current),
    sending: current.sending?.occurrence === occurrence ? undefined : current.sending,
    ...(current.state === 'active' ? { state: 'failed', failure, nextRunAt: undefined, updatedAt: failure.at } : {}),
  };
}

/** A record or failure could not be written over concurrent changes: the occurrence is tried again later. */
class ScheduleBusy extends Error {}

/** Conditional writes of one outcome, each from a fresh read, before the occurrence is left for a later attempt. */
const MAX_WRITE_ROUNDS = 50;

export class OccurrenceSender {
  private readonly policy: SenderPolicy;
  private readonly now: () => number;
  private readonly abortAfter: (ms: number) => AbortSignal;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: SenderDeps) {
    this.policy = { ...DEFAULT_SENDER_POLICY, ...deps.policy };
    this.now = deps.now ?? Date.now;
    this.abortAfter = deps.abortAfter ?? ((ms) => AbortSignal.timeout(ms));
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async handle(batch: SendBatch): Promise<BatchReport> {
    const report: BatchReport = {
      sent: 0,
      recovered: 0,
      duplicates: 0,
      deferred: 0,
      failed: 0,
      dropped: 0,
      maxLatenessMs: 0,
    };
    const seen = new Set<string>();
    const items = batch.items
      .filter((i) => !seen.has(`${i.scheduleId}|${i.occurrence}`) && seen.add(`${i.scheduleId}|${i.occurrence}`))
      .sort((a, b) => a.occurrence.localeCompare(b.occurrence));
    const deferrals: { item: SendItem; delayMs: number; reason: string }[] = [];
    const unexpected: unknown[] = [];
    let throttledFor: number | undefined;
    // Each item's own errors are collected, not thrown, so one failure does not stop the others.
    await mapLimit(items, this.policy.concurrency, async (item) => {
      // After a 429 the thread's remaining occurrences all wait for the service's Retry-After.
      let result: ItemResult;
      try {
        const earlyMs = Date.parse(item.occurrence) - this.now();
        if (throttledFor !== undefined) {
          result = { kind: 'defer', delayMs: throttledFor, reason: 'thread throttled by ACS' };
        } else if (earlyMs > this.policy.maxEarlyWaitMs) {
          result = { kind: 'defer', delayMs: earlyMs - EARLY_RETURN_MS, reason: 'not due yet' };
        } else {
          if (earlyMs > 0) await this.sleep(earlyMs);
          result = await this.sendOne(batch.threadId, item);
        }
      } catch (error) {
        unexpected.push(error);
        return;
      }
      if (result.kind === 'defer') {
        if (result.throttled) throttledFor = Math.max(throttledFor ?? 0, result.delayMs);
        deferrals.push({ item, delayMs: result.delayMs, reason: result.reason });
        report.deferred++;
      } else if (result.kind === 'sent') {
        report.sent++;
        if (result.recovered) report.recovered++;
        report.maxLatenessMs = Math.max(report.maxLatenessMs, result.latenessMs);
      } else if (result.kind === 'duplicate') report.duplicates++;
      else if (result.kind === 'dropped') report.dropped++;
      else report.failed++;
    });
    await this.requeue(batch.threadId, deferrals);
    // Left to the queue: it logs the error and delivers the batch again (what is done by then is not redone).
    if (unexpected.length === 1) throw unexpected[0];
    if (unexpected.length > 1) {
      throw new AggregateError(unexpected, `${unexpected.length} occurrences in ${batch.threadId} failed unexpectedly`);
    }
    return report;
  }

  /**
   * Accounts for a batch the queue gave up on (every delivery failed; it is in the poison queue). Each occurrence's
   * index row counts it; the dispatcher hands the occurrence out again once its claim expires, up to
   * `maxPoisonedHandOuts` times. After that it is given up rather than handed out for ever: recorded if an attempt
   * posted its message, else its schedule is marked failed with the reason (`deliveryFailed`).
   */
  async abandon(batch: SendBatch): Promise<{ item: SendItem; outcome: PoisonedOutcome }[]> {
    const error = `the send of this occurrence failed on every delivery of its queue message`;
    return mapLimit(batch.items, this.policy.concurrency, async (item) => {
      const poisoned = await this.deps.dueIndex.notePoisoned(item.scheduleId, Date.parse(item.occurrence), error);
      const of = this.policy.maxPoisonedHandOuts;
      if (poisoned === undefined) return { item, outcome: { kind: 'finished' } };
      if (poisoned < of) return { item, outcome: { kind: 'handed out again', poisoned, of } };
      const reason = `its send failed on every queue delivery of ${poisoned} hand-outs in a row; the errors are in the app's logs`;
      return { item, outcome: await this.giveUp(batch.threadId, item, reason) };
    });
  }

  /** Ends a poisoned occurrence from fresh reads: see abandon(). An attempt that may still be posting keeps it. */
  private async giveUp(threadId: string, item: SendItem, reason: string): Promise<PoisonedOutcome> {
    const dueAt = Date.parse(item.occurrence);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const schedule = await this.deps.store.get(item.scheduleId);
      // Not this schedule's to give up (gone, sent, moved on): a hand-out settles it without sending.
      if (!schedule || schedule.threadId !== threadId || wasSent(schedule, item.occurrence)) {
        return { kind: 'finished' };
      }
      const mark = schedule.sending?.occurrence === item.occurrence ? schedule.sending : undefined;
      if (mark) {
        if (this.markStandsMs(mark) > 0) return { kind: 'still being sent' };
        const found = await this.findMessage(threadId, schedule, item.occurrence);
        if (found) {
          await this.record(schedule, item.occurrence, found.id, found.createdOn);
          return { kind: 'recorded' };
        }
      }
      if (!isPending(schedule, item.occurrence)) return { kind: 'finished' };
      const failure: ScheduleFailure = {
        code: 'deliveryFailed',
        message: reason,
        at: new Date(this.now()).toISOString(),
      };
      const failed = await this.deps.store.replace(schedule, failedVersion(schedule, item.occurrence, failure));
      if (!failed) continue; // changed since read (an attempt claimed it, an edit): decide again
      await this.deps.dueIndex.finish(item.scheduleId, dueAt, 'failed', reason);
      return { kind: 'given up' };
    }
    throw new ScheduleBusy(`could not give up occurrence ${item.occurrence}: the schedule kept changing`);
  }

  /** Puts deferred occurrences back on the queue (grouped by delay) and holds their index rows as long. */
  private async requeue(threadId: string, deferrals: { item: SendItem; delayMs: number; reason: string }[]) {
    const groups = new Map<number, typeof deferrals>();
    for (const d of deferrals) {
      const seconds = Math.max(1, Math.ceil(d.delayMs / 1000));
      groups.set(seconds, [...(groups.get(seconds) ?? []), d]);
    }
    for (const [seconds, group] of groups) {
      const items = group.map((d) => ({ ...d.item, attempt: d.item.attempt + 1 }));
      // Queue first: should the process die before the index rows are held, a dispatch re-sends them, harmlessly.
      await this.deps.queue.send({ threadId, items }, seconds * 1000);
      const until = this.now() + seconds * 1000 + this.policy.claimMs;
      await Promise.all(
        group.map((d) =>
          this.deps.dueIndex.defer(
            d.item.scheduleId,
            Date.parse(d.item.occurrence),
            until,
            d.item.attempt + 1,
            d.reason,
          ),
        ),
      );
    }
  }

  private async sendOne(threadId: string, item: SendItem): Promise<ItemResult> {
    try {
      return await this.trySendOne(threadId, item);
    } catch (error) {
      // ACS or transient storage trouble outside the send itself: try the occurrence again later.
      if (error instanceof AcsFailure) {
        return { kind: 'defer', delayMs: this.retryDelay(item, error), reason: error.message };
      }
      if (error instanceof ScheduleBusy) {
        return { kind: 'defer', delayMs: this.retryDelay(item), reason: error.message };
      }
      const storage = storageFailureOf(error);
      if (storage?.transient) {
        return { kind: 'defer', delayMs: this.retryDelay(item), reason: describeStorageFailure(storage) };
      }
      throw error;
    }
  }

  private async trySendOne(threadId: string, item: SendItem): Promise<ItemResult> {
    const dueAt = Date.parse(item.occurrence);
    for (let round = 0; round < 5; round++) {
      const schedule = await this.deps.store.get(item.scheduleId);
      if (!schedule || schedule.threadId !== threadId) {
        // The index row is written just before its schedule: a young row may belong to an insert in progress.
        if (!schedule && this.now() - dueAt < this.policy.orphanAgeMs) {
          return { kind: 'defer', delayMs: 30_000, reason: 'schedule not found yet' };
        }
        await this.deps.dueIndex.finish(item.scheduleId, dueAt, 'dropped', 'no such schedule');
        return { kind: 'dropped' };
      }
      if (wasSent(schedule, item.occurrence)) {
        await this.deps.dueIndex.finish(item.scheduleId, dueAt, 'sent');
        return { kind: 'duplicate' };
      }
      const mark = schedule.sending;
      if (mark?.occurrence === item.occurrence) {
        const standsMs = this.markStandsMs(mark);
        if (standsMs > 0) {
          const reason = mark.uncertain
            ? 'waiting for ACS to settle before looking for the message'
            : 'being sent by another attempt';
          return { kind: 'defer', delayMs: standsMs + 1000, reason };
        }
        // An earlier attempt claimed it and did not record the outcome: it may have posted the message.
        const found = await this.findMessage(threadId, schedule, item.occurrence);
        if (found) {
          await this.record(schedule, item.occurrence, found.id, found.createdOn);
          return { kind: 'sent', recovered: true, latenessMs: Date.parse(found.createdOn) - dueAt };
        }
        if (!isPending(schedule, item.occurrence)) {
          if (!(await this.deps.store.replace(schedule, { ...fieldsOf(schedule), sending: undefined }))) continue;
          await this.deps.dueIndex.finish(item.scheduleId, dueAt, 'dropped', 'no longer pending');
          return { kind: 'dropped' };
        }
      } else if (!isPending(schedule, item.occurrence)) {
        await this.deps.dueIndex.finish(item.scheduleId, dueAt, 'dropped', 'no longer pending');
        return { kind: 'dropped' };
      } else if (mark) {
        // The claim of an occurrence no longer pending (an edit moved the schedule on while it was being sent).
        const standsMs = this.markStandsMs(mark);
        if (standsMs > 0) {
          return { kind: 'defer', delayMs: standsMs + 1000, reason: `occurrence ${mark.occurrence} still being sent` };
        }
        // Its attempt can no longer post: record its message if it posted one; the claim below replaces the mark.
        const found = await this.findMessage(threadId, schedule, mark.occurrence);
        if (found) {
          await this.record(schedule, mark.occurrence, found.id, found.createdOn);
          continue;
        }
      }

      const slot = this.deps.limiter.tryAcquire(threadId);
      if (!slot.ok) return { kind: 'defer', delayMs: slot.waitMs, reason: 'paced below the ACS send limits' };
      const since = this.now();
      const claimed = await this.deps.store.replace(schedule, {
        ...fieldsOf(schedule),
        sending: { occurrence: item.occurrence, since, uncertain: false },
      });
      if (!claimed) continue; // changed since read (an edit, another worker): decide again
      const windowMs = since + this.policy.sendTimeoutMs - this.now();
      if (windowMs <= 0) {
        // Claiming took the whole send window: a send now could post after the claim ends. Give the claim back
        // (if that write fails too, the claim expires with its lease) and try again shortly.
        await this.deps.store.replace(claimed, { ...fieldsOf(claimed), sending: undefined });
        return { kind: 'defer', delayMs: 1_000, reason: 'claiming the occurrence took the whole send window' };
      }

      let messageId: string;
      try {
        ({ messageId } = await this.deps.chat.sendMessage(
          threadId,
          {
            content: claimed.content,
            type: claimed.type,
            senderDisplayName: claimed.senderDisplayName ?? this.deps.serviceDisplayName,
            metadata: {
              ...claimed.metadata,
              [SCHEDULE_METADATA_KEYS.scheduleId]: claimed.scheduleId,
              [SCHEDULE_METADATA_KEYS.occurrence]: item.occurrence,
            },
          },
          { abortSignal: this.abortAfter(windowMs) },
        ));
      } catch (error) {
        // A bug is no ACS failure: it is thrown, the claim left for a later attempt to resolve (look, then send).
        if (!(error instanceof AcsFailure)) throw error;
        return this.afterFailedSend(threadId, claimed, item, error);
      }
      const sentAt = new Date(this.now()).toISOString();
      await this.record(claimed, item.occurrence, messageId, sentAt);
      return { kind: 'sent', recovered: false, latenessMs: Date.parse(sentAt) - dueAt };
    }
    return { kind: 'defer', delayMs: 1_000, reason: 'the schedule kept changing' };
  }

  private async afterFailedSend(
    threadId: string,
    claimed: Schedule,
    item: SendItem,
    failure: AcsFailure,
  ): Promise<ItemResult> {
    const notPosted = failure.kind === 'throttled' || failure.kind === 'unauthorized';
    if (failure.retriable || failure.kind === 'unauthorized') {
      // A 429 or 401 posted nothing: drop the claim. A timeout, reset or 5xx may have (ACS may commit a message and
      // still answer 503): the next attempt looks first, once the service has settled.
      await this.deps.store.replace(claimed, {
        ...fieldsOf(claimed),
        sending: notPosted
          ? undefined
          : { occurrence: item.occurrence, since: claimed.sending?.since ?? 0, uncertain: true, endedAt: this.now() },
      });
      if (failure.kind === 'throttled') {
        const wait = failure.retryAfterMs ?? 1_000;
        this.deps.limiter.block(threadId, wait);
        return { kind: 'defer', delayMs: wait + Math.random() * 500, reason: failure.message, throttled: true };
      }
      const settle = notPosted ? 0 : this.policy.settleMs;
      return { kind: 'defer', delayMs: Math.max(settle, this.retryDelay(item, failure)), reason: failure.message };
    }
    const code: ScheduleFailure['code'] =
      failure.kind === 'notFound'
        ? 'threadNotFound'
        : failure.kind === 'forbidden'
          ? 'serviceUserNotMember'
          : 'messageRejected';
    const message =
      code === 'threadNotFound'
        ? `the thread no longer exists (${failure.message})`
        : code === 'serviceUserNotMember'
          ? `the app's service user is no longer a member of the thread (${failure.message})`
          : `ACS refused the message (${failure.message})`;
    await this.fail(claimed, item, { code, message, at: new Date(this.now()).toISOString() });
    return { kind: 'failed' };
  }

  /**
   * How long an earlier attempt's claim still stands: until its lease ends while it may still be sending; once it
   * ended without knowing whether ACS posted the message, until the service has settled after that.
   */
  private markStandsMs(mark: SendingMark): number {
    const until = mark.uncertain
      ? (mark.endedAt ?? mark.since + this.policy.sendTimeoutMs) + this.policy.settleMs
      : mark.since + this.policy.sendLeaseMs;
    return until - this.now();
  }

  private retryDelay(item: SendItem, failure?: AcsFailure): number {
    const delay = backoffDelay(item.attempt + 1, failure, {
      baseDelayMs: 2_000,
      maxDelayMs: this.policy.maxRetryDelayMs,
    });
    return Math.max(1_000, Math.min(delay, this.policy.maxRetryDelayMs));
  }

  /** Newest first, within the time an earlier attempt could have posted it. */
  private async findMessage(
    threadId: string,
    schedule: Schedule,
    occurrence: string,
  ): Promise<ChatMessageInfo | undefined> {
    const since = (schedule.sending?.since ?? Date.parse(occurrence)) - this.policy.searchMarginMs;
    for await (const message of this.deps.chat.listMessages(threadId, { startTime: new Date(since) })) {
      const m = message.metadata;
      if (
        m?.[SCHEDULE_METADATA_KEYS.scheduleId] === schedule.scheduleId &&
        m[SCHEDULE_METADATA_KEYS.occurrence] === occurrence
      ) {
        return message;
      }
    }
    return undefined;
  }

  /**
   * Records a sent occurrence and moves the schedule on (next occurrence indexed first, so a crash never leaves an
   * active schedule with nothing to wake it), in one ETag write retried from fresh reads over concurrent edits.
   * Throws ScheduleBusy if it cannot land: the claim stays, so a later attempt finds the message and records it.
   */
  private async record(schedule: Schedule, occurrence: string, messageId: string, sentAt: string): Promise<void> {
    let current: Schedule | undefined = schedule;
    for (let round = 0; current && !wasSent(current, occurrence); round++) {
      if (round === MAX_WRITE_ROUNDS) {
        throw new ScheduleBusy(`could not record occurrence ${occurrence}: the schedule kept changing`);
      }
      const sent = current.occurrencesSent + 1;
      const next: NewSchedule = {
        ...fieldsOf(current),
        occurrencesSent: sent,
        lastRunAt: sentAt,
        lastMessageId: messageId,
        messages: [...current.messages, { occurrence, messageId, sentAt }].slice(-SCHEDULE_LIMITS.messagesKept),
        sending: current.sending?.occurrence === occurrence ? undefined : current.sending,
        updatedAt: new Date(this.now()).toISOString(),
      };
      if (isPending(current, occurrence)) {
        const after = nextAfterRun(current.timing, Date.parse(occurrence), sent, this.now());
        next.occurrencesSkipped = current.occurrencesSkipped + after.skipped;
        if (after.next === null) {
          next.state = 'completed';
          next.nextRunAt = undefined;
        } else {
          await this.deps.dueIndex.put(current.scheduleId, current.threadId, after.next);
          next.nextRunAt = new Date(after.next).toISOString();
        }
      }
      if (await this.deps.store.replace(current, next)) {
        if (next.nextRunAt && next.nextRunAt !== current.nextRunAt) {
          await this.deps.handOutSoon?.(current.scheduleId, Date.parse(next.nextRunAt));
        }
        break;
      }
      current = await this.deps.store.get(schedule.scheduleId);
    }
    await this.deps.dueIndex.finish(schedule.scheduleId, Date.parse(occurrence), 'sent');
  }

  /** Marks the schedule failed and clears the claim, retried from fresh reads like record(). */
  private async fail(claimed: Schedule, item: SendItem, failure: ScheduleFailure): Promise<void> {
    let current: Schedule | undefined = claimed;
    for (let round = 0; current; round++) {
      if (round === MAX_WRITE_ROUNDS) {
        throw new ScheduleBusy(`could not mark the schedule failed (${failure.message}): it kept changing`);
      }
      if (await this.deps.store.replace(current, failedVersion(current, item.occurrence, failure))) break;
      current = await this.deps.store.get(claimed.scheduleId);
    }
    await this.deps.dueIndex.finish(item.scheduleId, Date.parse(item.occurrence), 'failed', failure.message);
  }
}
