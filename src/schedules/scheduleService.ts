/**
 * Scheduled messages as their users see them: create, list, read, edit and cancel, each one call taking plain
 * inputs (the HTTP API and the chat bot's `/schedule`, `/every`, `/schedules` and `/cancel` commands use the same
 * calls). Every rule is checked here and broken rules are DomainErrors naming the field and the limit.
 *
 * Writes keep the due-time index in step with the schedule row: the index row of a new next run is written before
 * the schedule row that points at it (a crash leaves at most a stray index row, which is dropped when due, never an
 * active schedule nothing will wake), and the old run's row is removed after.
 */
import type { ChatPort } from '../acs/chatPort';
import { withRetry, type RetryPolicy } from '../acs/retry';
import { AcsFailure } from '../acs/acsErrors';
import { DomainError } from '../domainErrors';
import type { DueIndex } from './dueIndex';
import type { HandOutSoon } from './dispatcher';
import { RESERVED_METADATA_KEYS, SCHEDULE_LIMITS } from './limits';
import { fieldsOf, type MessageContent, type NewSchedule, type Schedule, type ScheduleState } from './schedule';
import { keyedScheduleId, newScheduleId } from './scheduleIds';
import type { SchedulePage, ScheduleStore } from './scheduleStore';
import { resolveTiming, type Timing, type TimingInput } from './timing';

export interface CreateScheduleInput extends TimingInput {
  content: string;
  type?: 'text' | 'html';
  senderDisplayName?: string;
  metadata?: Record<string, string>;
}

/** Fields to change; `null` clears an optional one. Giving `sendAt` or `cron` replaces the timing. */
export interface SchedulePatch {
  content?: string;
  type?: 'text' | 'html';
  senderDisplayName?: string | null;
  metadata?: Record<string, string> | null;
  sendAt?: string;
  cron?: string;
  timeZone?: string;
  startAt?: string | null;
  endAt?: string | null;
  maxOccurrences?: number | null;
}

export interface ListOptions {
  state?: ScheduleState;
  pageSize?: number;
  continuationToken?: string;
}

export interface ScheduleServiceDeps {
  store: ScheduleStore;
  dueIndex: DueIndex;
  chat: ChatPort;
  now?: () => number;
  /** Retry of the membership check (a read, safe to repeat). */
  retry?: Partial<RetryPolicy>;
  /** Queues a new or moved occurrence at once when it falls due before the next dispatcher tick. */
  handOutSoon?: HandOutSoon;
}

/** Any version: `*` in If-Match. */
export const ANY_VERSION = '*';

export class ScheduleService {
  private readonly now: () => number;
  private readonly retry: RetryPolicy;

  constructor(private readonly deps: ScheduleServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.retry = { budgetMs: 5_000, ...deps.retry };
  }

  /**
   * Creates the schedule once per `key`: a repeat with the same thread, key and `at` (the time of the request it
   * answers) returns the schedule the first call made, even after a crash between the two.
   */
  async createOnce(threadId: string, input: CreateScheduleInput, key: string, at: number): Promise<Schedule> {
    const scheduleId = keyedScheduleId(threadId, at, key);
    const existing = await this.deps.store.get(scheduleId);
    if (existing) return existing;
    try {
      return await this.create(threadId, input, scheduleId);
    } catch (error) {
      const raced = await this.deps.store.get(scheduleId);
      if (raced) return raced;
      throw error;
    }
  }

  /** Schedules a message in a thread the app's service user is a member of. */
  async create(threadId: string, input: CreateScheduleInput, scheduleId?: string): Promise<Schedule> {
    const content = checkContent({
      content: input.content,
      type: input.type ?? 'text',
      ...(input.senderDisplayName !== undefined ? { senderDisplayName: input.senderDisplayName } : {}),
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    });
    const now = this.now();
    const { timing, firstRunAt } = resolveTiming(input, now);
    await this.checkThread(threadId);
    const stamp = new Date(now).toISOString();
    const schedule: NewSchedule = {
      scheduleId: scheduleId ?? newScheduleId(threadId, now),
      threadId,
      state: 'active',
      ...content,
      timing,
      nextRunAt: new Date(firstRunAt).toISOString(),
      createdAt: stamp,
      updatedAt: stamp,
      occurrencesSent: 0,
      occurrencesSkipped: 0,
      messages: [],
    };
    await this.deps.dueIndex.put(schedule.scheduleId, threadId, firstRunAt);
    let stored: Schedule;
    try {
      stored = await this.deps.store.insert(schedule, SCHEDULE_LIMITS.maxActivePerThread);
    } catch (error) {
      await this.deps.dueIndex.remove(schedule.scheduleId, firstRunAt).catch(() => undefined);
      throw error;
    }
    await this.deps.handOutSoon?.(stored.scheduleId, firstRunAt);
    return stored;
  }

  /** A thread's schedules in creation order, a page at a time. */
  async list(threadId: string, options: ListOptions = {}): Promise<SchedulePage> {
    const pageSize = options.pageSize ?? SCHEDULE_LIMITS.defaultPageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > SCHEDULE_LIMITS.maxPageSize) {
      throw new DomainError('invalid', `pageSize: must be 1 to ${SCHEDULE_LIMITS.maxPageSize}`, {
        field: 'pageSize',
        rule: `range:1-${SCHEDULE_LIMITS.maxPageSize}`,
      });
    }
    if (options.continuationToken !== undefined && !isContinuationToken(options.continuationToken)) {
      throw new DomainError('invalid', 'continuationToken: is not a token this API returned', {
        field: 'continuationToken',
        rule: 'continuationToken',
      });
    }
    return this.deps.store.listByThread(threadId, {
      pageSize,
      ...(options.state ? { state: options.state } : {}),
      ...(options.continuationToken ? { continuationToken: options.continuationToken } : {}),
    });
  }

  /** One schedule; with `threadId`, only if it belongs to that thread (the bot acts within one thread). */
  async get(scheduleId: string, options: { threadId?: string } = {}): Promise<Schedule> {
    const schedule = await this.deps.store.get(scheduleId);
    if (!schedule || (options.threadId !== undefined && schedule.threadId !== options.threadId)) {
      throw new DomainError('notFound', `No schedule ${scheduleId}${options.threadId ? ' in this thread' : ''}.`);
    }
    return schedule;
  }

  /**
   * Edits an active schedule's content or timing, if it is still at `version` (the storage ETag the caller read,
   * or ANY_VERSION); otherwise DomainError 'preconditionFailed'.
   */
  async update(scheduleId: string, patch: SchedulePatch, version: string): Promise<Schedule> {
    // With ANY_VERSION, a race with the sender's own writes (a claim, a recorded run) is retried, not refused.
    for (let round = 0; ; round++) {
      const stored = await this.updateOnce(scheduleId, patch, version);
      if (stored) return stored;
      if (version !== ANY_VERSION || round >= 5) throw stale(scheduleId);
    }
  }

  private async updateOnce(scheduleId: string, patch: SchedulePatch, version: string): Promise<Schedule | undefined> {
    const current = await this.get(scheduleId);
    if (version !== ANY_VERSION && version !== current.etag) throw stale(scheduleId);
    if (current.state !== 'active') {
      throw new DomainError('conflict', `The schedule is ${current.state}; only active schedules can be edited.`);
    }
    const content = checkContent({
      content: patch.content ?? current.content,
      type: patch.type ?? current.type,
      ...optionalPatch('senderDisplayName', patch.senderDisplayName, current.senderDisplayName),
      ...optionalPatch('metadata', patch.metadata, current.metadata),
    });
    const now = this.now();
    let timing = current.timing;
    let nextRunAt = current.nextRunAt;
    if (changesTiming(patch)) {
      const input = mergeTiming(current.timing, patch);
      const resolved = resolveTiming(input, now);
      const max = resolved.timing.kind === 'recurring' ? resolved.timing.maxOccurrences : undefined;
      if (max !== undefined && max <= current.occurrencesSent) {
        throw new DomainError(
          'invalid',
          `maxOccurrences: ${current.occurrencesSent} messages were already sent; give more than that`,
          { field: 'maxOccurrences', rule: `min:${current.occurrencesSent + 1}` },
        );
      }
      timing = resolved.timing;
      // Same recurrence, other bounds: the pending occurrence stays (it may be due and being sent right now).
      nextRunAt = sameRecurrence(current.timing, resolved.timing)
        ? current.nextRunAt
        : new Date(resolved.firstRunAt).toISOString();
      if (nextRunAt !== undefined && nextRunAt !== current.nextRunAt) {
        await this.deps.dueIndex.put(scheduleId, current.threadId, Date.parse(nextRunAt));
      }
    }
    const next: NewSchedule = {
      ...fieldsOf(current),
      content: content.content,
      type: content.type,
      senderDisplayName: content.senderDisplayName,
      metadata: content.metadata,
      timing,
      nextRunAt,
      updatedAt: new Date(now).toISOString(),
    };
    const stored = await this.deps.store.replace(current, next);
    if (!stored) {
      if (nextRunAt !== current.nextRunAt && nextRunAt) {
        await this.deps.dueIndex.remove(scheduleId, Date.parse(nextRunAt)).catch(() => undefined);
      }
      return undefined;
    }
    if (current.nextRunAt && nextRunAt !== current.nextRunAt) {
      await this.deps.dueIndex.remove(scheduleId, Date.parse(current.nextRunAt)).catch(() => undefined);
    }
    if (nextRunAt && nextRunAt !== current.nextRunAt) await this.deps.handOutSoon?.(scheduleId, Date.parse(nextRunAt));
    return stored;
  }

  /**
   * Cancels a schedule: nothing more is sent (an occurrence already being sent may still arrive). Cancelling a
   * cancelled schedule returns it unchanged; completed and failed ones cannot be cancelled (409).
   */
  async cancel(scheduleId: string, options: { version?: string; threadId?: string } = {}): Promise<Schedule> {
    for (let round = 0; ; round++) {
      const current = await this.get(scheduleId, options.threadId !== undefined ? { threadId: options.threadId } : {});
      if (options.version !== undefined && options.version !== ANY_VERSION && options.version !== current.etag) {
        throw stale(scheduleId);
      }
      if (current.state === 'cancelled') return current;
      if (current.state !== 'active') {
        throw new DomainError('conflict', `The schedule is ${current.state}; there is nothing left to cancel.`);
      }
      const stored = await this.deps.store.replace(current, {
        ...fieldsOf(current),
        state: 'cancelled',
        nextRunAt: undefined,
        updatedAt: new Date(this.now()).toISOString(),
      });
      if (stored) {
        if (current.nextRunAt) {
          await this.deps.dueIndex.remove(scheduleId, Date.parse(current.nextRunAt)).catch(() => undefined);
        }
        return stored;
      }
      // Changed under us (the sender recorded a run): the caller's version, if any, is stale now.
      if ((options.version !== undefined && options.version !== ANY_VERSION) || round >= 5) throw stale(scheduleId);
    }
  }

  /** The thread must exist and the service user be a member: listing participants needs both. */
  private async checkThread(threadId: string): Promise<void> {
    try {
      await withRetry(async () => {
        for await (const _ of this.deps.chat.listParticipants(threadId, { pageSize: 1 })) break;
      }, this.retry);
    } catch (error) {
      const kind = error instanceof AcsFailure ? error.kind : undefined;
      if (kind === 'notFound') {
        throw new DomainError('invalid', `threadId: there is no thread ${threadId}`, {
          field: 'threadId',
          rule: 'threadExists',
        });
      }
      if (kind === 'forbidden') {
        throw new DomainError(
          'invalid',
          "threadId: the app's service user is not a member of the thread, so it could not post there (add it first)",
          { field: 'threadId', rule: 'serviceUserIsMember' },
        );
      }
      throw error;
    }
  }
}

function stale(scheduleId: string): DomainError {
  return new DomainError(
    'preconditionFailed',
    `Schedule ${scheduleId} changed since it was read (If-Match does not match its ETag): read it again and retry.`,
  );
}

function invalid(field: string, rule: string, message: string): DomainError {
  return new DomainError('invalid', `${field}: ${message}`, { field, rule });
}

/** Content rules, also for callers that skip the HTTP schema (the bot). */
function checkContent(c: MessageContent): MessageContent {
  if (c.content.trim() === '') throw invalid('content', 'minLength:1', 'must not be empty');
  const bytes = Buffer.byteLength(c.content, 'utf8');
  if (bytes > SCHEDULE_LIMITS.contentBytes) {
    throw invalid(
      'content',
      `maxBytes:${SCHEDULE_LIMITS.contentBytes}`,
      `is ${bytes} bytes; ACS takes at most ${SCHEDULE_LIMITS.contentBytes}`,
    );
  }
  if (c.type !== 'text' && c.type !== 'html') throw invalid('type', 'enum', "must be 'text' or 'html'");
  if (c.senderDisplayName !== undefined && (c.senderDisplayName.length < 1 || c.senderDisplayName.length > 256)) {
    throw invalid('senderDisplayName', 'length:1-256', 'must be 1 to 256 characters');
  }
  for (const key of Object.keys(c.metadata ?? {})) {
    if (RESERVED_METADATA_KEYS.includes(key)) {
      throw invalid(
        `metadata.${key}`,
        'reservedKey',
        `is set by the app on every scheduled message (reserved: ${RESERVED_METADATA_KEYS.join(', ')})`,
      );
    }
  }
  if (c.metadata && Buffer.byteLength(JSON.stringify(c.metadata), 'utf8') > 1024) {
    throw invalid('metadata', 'maxBytes:1024', 'must be at most 1024 bytes in all');
  }
  return c;
}

function optionalPatch<K extends 'senderDisplayName' | 'metadata', V>(
  key: K,
  patched: V | null | undefined,
  current: V | undefined,
): { [P in K]?: V } {
  const value = patched === null ? undefined : patched === undefined ? current : patched;
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

function sameRecurrence(a: Timing, b: Timing): boolean {
  return (
    a.kind === 'recurring' &&
    b.kind === 'recurring' &&
    a.cron === b.cron &&
    a.timeZone === b.timeZone &&
    a.startAt === b.startAt
  );
}

const TIMING_FIELDS = ['sendAt', 'cron', 'timeZone', 'startAt', 'endAt', 'maxOccurrences'] as const;

function changesTiming(patch: SchedulePatch): boolean {
  return TIMING_FIELDS.some((f) => patch[f] !== undefined);
}

/** The timing input an edit describes: the current timing, with the patched fields over it. */
function mergeTiming(current: Timing, patch: SchedulePatch): TimingInput {
  const keep = <T>(patched: T | null | undefined, existing: T | undefined): T | undefined =>
    patched === null ? undefined : patched === undefined ? existing : patched;
  const recurring = current.kind === 'recurring' ? current : undefined;
  const base: TimingInput =
    patch.sendAt !== undefined || patch.cron !== undefined
      ? {}
      : current.kind === 'once'
        ? { sendAt: current.localSendAt ?? current.sendAt, ...(current.timeZone ? { timeZone: current.timeZone } : {}) }
        : { cron: current.cron, timeZone: current.timeZone };
  const merged: TimingInput = {
    ...base,
    ...(patch.sendAt !== undefined ? { sendAt: patch.sendAt } : {}),
    ...(patch.cron !== undefined ? { cron: patch.cron } : {}),
  };
  // A new cron keeps the zone and bounds of a recurring schedule unless the edit gives new ones.
  const timeZone =
    patch.timeZone ?? (patch.sendAt === undefined ? (recurring?.timeZone ?? merged.timeZone) : undefined);
  if (timeZone !== undefined) merged.timeZone = timeZone;
  const startAt = keep(patch.startAt, patch.sendAt === undefined ? recurring?.startAt : undefined);
  const endAt = keep(patch.endAt, patch.sendAt === undefined ? recurring?.endAt : undefined);
  const maxOccurrences = keep(patch.maxOccurrences, patch.sendAt === undefined ? recurring?.maxOccurrences : undefined);
  if (startAt !== undefined) merged.startAt = startAt;
  if (endAt !== undefined) merged.endAt = endAt;
  if (maxOccurrences !== undefined) merged.maxOccurrences = maxOccurrences;
  return merged;
}

/** The tables SDK's continuation tokens are base64 JSON naming the next partition and row. */
function isContinuationToken(token: string): boolean {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && 'nextPartitionKey' in parsed;
  } catch {
    return false;
  }
}
