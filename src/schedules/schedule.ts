/** A scheduled message as the domain keeps it: what to send, when, and what happened so far. */
import type { Timing } from './timing';

export type ScheduleState = 'active' | 'completed' | 'cancelled' | 'failed';

export interface SentOccurrence {
  /** The occurrence's due time (RFC 3339 UTC): also the `scheduleOccurrence` metadata of its message. */
  occurrence: string;
  messageId: string;
  sentAt: string;
}

/** Why a schedule failed for good. */
export interface ScheduleFailure {
  /** deliveryFailed: the app itself kept failing to send it (every queue delivery of several hand-outs). */
  code: 'threadNotFound' | 'serviceUserNotMember' | 'messageRejected' | 'deliveryFailed';
  message: string;
  at: string;
}

export interface MessageContent {
  content: string;
  type: 'text' | 'html';
  senderDisplayName?: string;
  metadata?: Record<string, string>;
}

/**
 * An occurrence being sent: set (with an ETag write) just before the ACS call, cleared when its message id is
 * recorded. Found still set by a later attempt, it means the message may exist: look for it before sending.
 */
export interface SendingMark {
  occurrence: string;
  /** When the attempt started (epoch ms): another attempt waits until the send lease has passed. */
  since: number;
  /**
   * The attempt ended without knowing whether ACS posted the message (timeout, reset, 5xx): the next attempt looks
   * for it once ACS has settled, without waiting out the lease.
   */
  uncertain: boolean;
  /** When that uncertain attempt ended (epoch ms): the settle wait counts from here. */
  endedAt?: number;
}

export interface Schedule extends MessageContent {
  scheduleId: string;
  threadId: string;
  state: ScheduleState;
  timing: Timing;
  /** The pending occurrence while active. */
  nextRunAt?: string;
  createdAt: string;
  updatedAt: string;
  lastRunAt?: string;
  lastMessageId?: string;
  occurrencesSent: number;
  /** Occurrences missed while the dispatcher was down and skipped after their one catch-up send. */
  occurrencesSkipped: number;
  /** The most recent sends, oldest first (SCHEDULE_LIMITS.messagesKept). */
  messages: SentOccurrence[];
  failure?: ScheduleFailure;
  sending?: SendingMark;
  /** Storage ETag of this version. */
  etag: string;
}

export type NewSchedule = Omit<Schedule, 'etag'>;

/** True when `occurrence` is the one the schedule is waiting to send. */
export function isPending(schedule: Schedule, occurrence: string): boolean {
  return schedule.state === 'active' && schedule.nextRunAt === occurrence;
}

export function wasSent(schedule: Schedule, occurrence: string): boolean {
  return schedule.messages.some((m) => m.occurrence === occurrence);
}

/** A schedule's fields without its ETag: the base of its next version. */
export function fieldsOf(schedule: Schedule): NewSchedule {
  const { etag: _etag, ...rest } = schedule;
  return rest;
}
