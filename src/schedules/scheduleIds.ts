/**
 * Schedule ids carry a short key of their thread, so a schedule is found from its id alone (GET /api/schedules/{id})
 * while all schedules of a thread share one table partition (listing, the active limit).
 */
import { createHash, randomBytes } from 'node:crypto';

export const SCHEDULE_ID_PATTERN = /^sch-[0-9a-f]{10}-[0-9a-z]{9}[0-9a-f]{6}$/;

/** 40 bits of the thread id's hash: threads sharing a key only share a partition (rows also hold threadId). */
export function threadKeyOf(threadId: string): string {
  return createHash('sha256').update(threadId).digest('hex').slice(0, 10);
}

/** Time-ordered within a thread (lists come back in creation order), with a random tail. */
export function newScheduleId(threadId: string, now: number): string {
  const time = now.toString(36).padStart(9, '0');
  return `sch-${threadKeyOf(threadId)}-${time}${randomBytes(3).toString('hex')}`;
}

/**
 * The id a keyed create gets: the same thread, time and key give the same id every time, so a retried create
 * (a redelivered bot command) finds the schedule its first attempt made instead of making a second.
 */
export function keyedScheduleId(threadId: string, at: number, key: string): string {
  const time = at.toString(36).padStart(9, '0');
  return `sch-${threadKeyOf(threadId)}-${time}${createHash('sha256').update(key).digest('hex').slice(0, 6)}`;
}

export function threadKeyOfScheduleId(scheduleId: string): string | undefined {
  return SCHEDULE_ID_PATTERN.test(scheduleId) ? scheduleId.slice(4, 14) : undefined;
}
