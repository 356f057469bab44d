/**
 * When a schedule runs: the timing rules (one of `sendAt` and `cron`, time zones, grace, how far ahead, how often)
 * checked once at creation and on edit, and the next occurrence after each run, catch-up after downtime included.
 * Every rule broken is a DomainError naming the field and the rule with its limit.
 */
import { NcrontabError } from '../cron/ncrontab';
import { parseRecurrence, type Recurrence } from '../cron/recurrence';
import { instantOfWall, isValidTimeZone } from '../cron/timeZone';
import { DomainError } from '../domainErrors';
import { DAY_MS, SCHEDULE_LIMITS } from './limits';

export interface TimingInput {
  /** RFC 3339 with an offset, or a local date-time without one, read in `timeZone`. */
  sendAt?: string;
  /** 6-field NCRONTAB or standard 5-field cron, read in `timeZone`. */
  cron?: string;
  /** IANA time zone name; default UTC. */
  timeZone?: string;
  startAt?: string;
  endAt?: string;
  maxOccurrences?: number;
}

export type Timing =
  | {
      kind: 'once';
      /** The instant, RFC 3339 UTC. */
      sendAt: string;
      /** Kept when the caller gave a local time, to show it back. */
      localSendAt?: string;
      timeZone?: string;
    }
  | {
      kind: 'recurring';
      cron: string;
      timeZone: string;
      startAt?: string;
      endAt?: string;
      maxOccurrences?: number;
    };

export type RecurringTiming = Extract<Timing, { kind: 'recurring' }>;

/** An occurrence this much overdue counts as missed (skipped after a catch-up send), not merely late. */
export const CATCH_UP_TOLERANCE_MS = 60_000;
/** Missed occurrences counted per catch-up; beyond this the count is a lower bound (documented). */
const MAX_SKIPPED_COUNTED = 10_000;

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

function invalid(field: string, rule: string, message: string): DomainError {
  return new DomainError('invalid', `${field}: ${message}`, { field, rule });
}

const AHEAD_RULE = `maxAhead:${SCHEDULE_LIMITS.maxAheadDays}d`;
const GRACE_RULE = `notPast:${SCHEDULE_LIMITS.sendAtGraceMs / 1000}s`;

/** Parses an RFC 3339 time with an offset; throws naming the field. */
export function parseOffsetTime(field: string, value: string): number {
  const ms = OFFSET_TIME.test(value) ? Date.parse(value.toUpperCase()) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw invalid(
      field,
      'format:rfc3339',
      `"${value}" must be an RFC 3339 time with an offset, e.g. 2026-03-29T09:30:00+02:00`,
    );
  }
  return ms;
}

/** A local date-time without offset as a wall time (local time written as UTC), or undefined if it has an offset. */
function parseLocalTime(value: string): number | undefined {
  const m = LOCAL_TIME.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s = '0', frac = ''] = m.slice(1) as string[];
  const wall = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(frac.padEnd(3, '0').slice(0, 3)),
  );
  const back = new Date(wall);
  // Date.UTC rolls 2026-02-30 over to March: a real calendar date reads back the same.
  if (back.getUTCDate() !== Number(d) || back.getUTCMonth() !== Number(mo) - 1 || back.getUTCHours() !== Number(h)) {
    return Number.NaN;
  }
  return wall;
}

function checkTimeZone(timeZone: string | undefined): string {
  const zone = timeZone ?? 'UTC';
  if (!isValidTimeZone(zone)) {
    throw invalid(
      'timeZone',
      'ianaTimeZone',
      `"${zone}" is not an IANA time zone name such as Europe/Paris or America/New_York`,
    );
  }
  return zone;
}

const recurrences = new Map<string, Recurrence>();

/** The parsed cron in its zone, cached (every run computes the next one). Throws naming `cron`. */
export function recurrenceOf(cron: string, timeZone: string): Recurrence {
  const key = `${timeZone}\n${cron}`;
  let recurrence = recurrences.get(key);
  if (!recurrence) {
    try {
      recurrence = parseRecurrence(cron, timeZone);
    } catch (error) {
      if (error instanceof NcrontabError) throw invalid('cron', 'cronSyntax', error.message);
      throw error;
    }
    if (recurrences.size >= 1000) recurrences.clear();
    recurrences.set(key, recurrence);
  }
  return recurrence;
}

/**
 * Checks the timing of a new or edited schedule against every rule and returns it with its first run.
 * `now` is injected so the rules can be tested with a fixed clock.
 */
export function resolveTiming(input: TimingInput, now: number): { timing: Timing; firstRunAt: number } {
  const horizon = now + SCHEDULE_LIMITS.maxAheadDays * DAY_MS;
  if (input.sendAt !== undefined && input.cron !== undefined) {
    throw invalid('cron', 'oneOf:sendAt,cron', 'give either sendAt (one-off) or cron (recurring), not both');
  }
  if (input.sendAt === undefined && input.cron === undefined) {
    throw invalid('sendAt', 'oneOf:sendAt,cron', 'give sendAt (one-off) or cron (recurring)');
  }
  if (input.sendAt !== undefined) {
    for (const field of ['startAt', 'endAt', 'maxOccurrences'] as const) {
      if (input[field] !== undefined) {
        throw invalid(field, 'onlyWithCron', 'applies to recurring schedules (cron) only, not to sendAt');
      }
    }
    const local = parseLocalTime(input.sendAt);
    let instant: number;
    let timing: Timing;
    if (local === undefined) {
      if (input.timeZone !== undefined) {
        throw invalid(
          'timeZone',
          'notWithOffset',
          'sendAt already has an offset: give a local time with timeZone, or no timeZone',
        );
      }
      instant = parseOffsetTime('sendAt', input.sendAt);
      timing = { kind: 'once', sendAt: new Date(instant).toISOString() };
    } else {
      if (Number.isNaN(local))
        throw invalid('sendAt', 'format:rfc3339', `"${input.sendAt}" is not a real calendar date and time`);
      if (input.timeZone === undefined) {
        throw invalid(
          'sendAt',
          'localTimeNeedsTimeZone',
          `"${input.sendAt}" has no offset: give timeZone too (an IANA name), or an offset`,
        );
      }
      const zone = checkTimeZone(input.timeZone);
      instant = instantOfWall(local, zone).instant;
      timing = { kind: 'once', sendAt: new Date(instant).toISOString(), localSendAt: input.sendAt, timeZone: zone };
    }
    if (instant < now - SCHEDULE_LIMITS.sendAtGraceMs) {
      throw invalid(
        'sendAt',
        GRACE_RULE,
        `${new Date(instant).toISOString()} is in the past (by more than the ${SCHEDULE_LIMITS.sendAtGraceMs / 1000} s of grace)`,
      );
    }
    if (instant > horizon) {
      throw invalid(
        'sendAt',
        AHEAD_RULE,
        `${new Date(instant).toISOString()} is more than ${SCHEDULE_LIMITS.maxAheadDays} days ahead`,
      );
    }
    return { timing, firstRunAt: instant };
  }

  const cron = (input.cron ?? '').trim();
  const timeZone = checkTimeZone(input.timeZone);
  const recurrence = recurrenceOf(cron, timeZone);
  if (recurrence.secondsPerMinute > 1) {
    throw invalid(
      'cron',
      `minInterval:${SCHEDULE_LIMITS.minIntervalSeconds}s`,
      `"${cron}" fires ${recurrence.secondsPerMinute} times a minute; recurring messages may run at most once a minute (give the seconds field one value, e.g. 0)`,
    );
  }
  const startAt = input.startAt === undefined ? undefined : parseOffsetTime('startAt', input.startAt);
  const endAt = input.endAt === undefined ? undefined : parseOffsetTime('endAt', input.endAt);
  if (startAt !== undefined && startAt > horizon) {
    throw invalid('startAt', AHEAD_RULE, `is more than ${SCHEDULE_LIMITS.maxAheadDays} days ahead`);
  }
  if (endAt !== undefined && endAt <= now) throw invalid('endAt', 'notPast', 'is not in the future');
  if (endAt !== undefined && startAt !== undefined && endAt <= startAt) {
    throw invalid('endAt', 'afterStartAt', 'must be after startAt');
  }
  const max = input.maxOccurrences;
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > SCHEDULE_LIMITS.maxOccurrences)) {
    throw invalid(
      'maxOccurrences',
      `range:1-${SCHEDULE_LIMITS.maxOccurrences}`,
      `must be a whole number from 1 to ${SCHEDULE_LIMITS.maxOccurrences}`,
    );
  }
  const from = Math.max(now, startAt ?? now);
  const first = recurrence.nextAfter(new Date(from - 1))?.getTime();
  if (first === undefined) throw invalid('cron', 'noOccurrence', `"${cron}" never occurs`);
  if (first > horizon) {
    throw invalid(
      'cron',
      AHEAD_RULE,
      `first runs ${new Date(first).toISOString()}, more than ${SCHEDULE_LIMITS.maxAheadDays} days ahead`,
    );
  }
  if (endAt !== undefined && first > endAt) {
    throw invalid('endAt', 'afterFirstRun', `is before the first run (${new Date(first).toISOString()})`);
  }
  const timing: Timing = {
    kind: 'recurring',
    cron,
    timeZone,
    ...(startAt !== undefined ? { startAt: new Date(startAt).toISOString() } : {}),
    ...(endAt !== undefined ? { endAt: new Date(endAt).toISOString() } : {}),
    ...(max !== undefined ? { maxOccurrences: max } : {}),
  };
  return { timing, firstRunAt: first };
}

/**
 * After the occurrence due at `occurrence` was sent (the `sent`-th message in all): the next one, or null when
 * the schedule is done. Occurrences missed by more than CATCH_UP_TOLERANCE_MS (the dispatcher was down) are
 * skipped and counted: the one just sent was their single catch-up.
 */
export function nextAfterRun(
  timing: Timing,
  occurrence: number,
  sent: number,
  now: number,
): { next: number | null; skipped: number } {
  if (timing.kind === 'once') return { next: null, skipped: 0 };
  if (timing.maxOccurrences !== undefined && sent >= timing.maxOccurrences) return { next: null, skipped: 0 };
  const recurrence = recurrenceOf(timing.cron, timing.timeZone);
  const endAt = timing.endAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(timing.endAt);
  let next = recurrence.nextAfter(new Date(occurrence))?.getTime() ?? null;
  let skipped = 0;
  while (next !== null && next <= endAt && next < now - CATCH_UP_TOLERANCE_MS) {
    if (skipped >= MAX_SKIPPED_COUNTED) {
      next = recurrence.nextAfter(new Date(now - CATCH_UP_TOLERANCE_MS))?.getTime() ?? null;
      break;
    }
    skipped++;
    next = recurrence.nextAfter(new Date(next))?.getTime() ?? null;
  }
  if (next !== null && next > endAt) next = null;
  return { next, skipped };
}
