/** The documented limits and rules of scheduled messages (README "Scheduled messages"), in one place. */
import { ACS_LIMITS } from '../acs/chatPort';

export const SCHEDULE_LIMITS = {
  /** A one-off `sendAt` may lie this far in the past (clock skew, slow clients); it is then sent at once. */
  sendAtGraceMs: 30_000,
  /** Nothing may be scheduled further ahead than this (first run, `sendAt`, `startAt`). */
  maxAheadDays: 366,
  /** Recurrences may not fire more often than once a minute. */
  minIntervalSeconds: 60,
  /** Active schedules per thread; completed, cancelled and failed ones do not count. */
  maxActivePerThread: 100,
  maxOccurrences: 100_000,
  /** The most recent message ids kept on a schedule (occurrencesSent counts them all). */
  messagesKept: 50,
  contentBytes: ACS_LIMITS.messageContentBytes,
  /** Schedules per page when listing a thread's schedules. */
  maxPageSize: 100,
  defaultPageSize: 50,
} as const;

export const DAY_MS = 86_400_000;

/** Metadata keys the app puts on every scheduled message; callers may not set them. */
export const SCHEDULE_METADATA_KEYS = { scheduleId: 'scheduleId', occurrence: 'scheduleOccurrence' } as const;
export const RESERVED_METADATA_KEYS: readonly string[] = Object.values(SCHEDULE_METADATA_KEYS);
