import { Cron } from 'croner';

/**
 * Cron expressions: the 6-field NCRONTAB the Functions host reads (timer schedules, validated exactly as the host
 * does), and for scheduled messages also standard 5-field cron. croner evaluates both; the validators in front of
 * it reject what each dialect rejects and normalize the rest to croner's numeric syntax.
 */

/** A validated 6-field NCRONTAB schedule (sec min hour day month dow), evaluated in one time zone. */
export interface NcrontabSchedule {
  /** The original expression. */
  readonly expression: string;
  /** The normalized numeric pattern handed to croner. */
  readonly normalized: string;
  /** First occurrence strictly after `from`, or null when none exists. */
  nextRun(from?: Date): Date | null;
}

export class NcrontabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NcrontabError';
  }
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS },
];

function fail(field: FieldSpec, value: string, rule: string): never {
  throw new NcrontabError(`invalid ${field.name} field '${value}': ${rule}`);
}

/** Parses one number or name; NCrontab matches names as a case-insensitive prefix of the full English name. */
function parseValue(field: FieldSpec, token: string, whole: string): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < field.min || n > field.max) {
      const extra = field.name === 'day-of-week' && n === 7 ? ' (Sunday is 0; 7 is not allowed)' : '';
      fail(field, whole, `${n} is outside ${field.min}-${field.max}${extra}`);
    }
    return n;
  }
  if (field.names && /^[a-z]{3,}$/i.test(token)) {
    const lower = token.toLowerCase();
    const index = field.names.findIndex((name) => name.startsWith(lower));
    if (index >= 0) return field.name === 'month' ? index + 1 : index;
  }
  if (/[?#]/.test(token) || /^\d*[LW]$/i.test(token)) fail(field, whole, `'?', 'L', 'W' and '#' are not supported`);
  const expected = field.names ? 'a number or an English name' : 'a number';
  return fail(field, whole, `'${token}' is not ${expected}`);
}

/** Normalizes one field to croner's numeric syntax, rejecting anything NCrontab would reject. */
function normalizeField(field: FieldSpec, raw: string): string {
  if (raw === '') fail(field, raw, 'empty');
  return raw
    .split(',')
    .map((item) => {
      if (item === '') fail(field, raw, 'empty list item');
      const [range, step, extra] = item.split('/');
      if (extra !== undefined || range === undefined || range === '')
        fail(field, raw, `'${item}' is not a valid range`);
      let stepText = '';
      if (step !== undefined) {
        if (!/^\d+$/.test(step) || Number(step) < 1) fail(field, raw, `step '${step}' must be a positive number`);
        stepText = `/${Number(step)}`;
      }
      if (range === '*') return `*${stepText}`;
      const bounds = range.split('-');
      if (bounds.length > 2) fail(field, raw, `'${range}' is not a valid range`);
      const low = parseValue(field, bounds[0] ?? '', raw);
      if (bounds.length === 2) {
        const high = parseValue(field, bounds[1] ?? '', raw);
        if (high < low) fail(field, raw, `range ${low}-${high} is reversed`);
        return `${low}-${high}${stepText}`;
      }
      // NCrontab reads 'n/s' as 'from n to the field maximum, every s'.
      return step !== undefined ? `${low}-${field.max}${stepText}` : `${low}`;
    })
    .join(',');
}

/** Validates and normalizes an NCRONTAB expression; throws NcrontabError naming the field and rule. */
export function normalizeNcrontab(expression: string): string {
  const parts = expression.trim().split(/\s+/);
  if (expression.trim() === '' || parts.length !== 6) {
    throw new NcrontabError(
      `expected 6 fields (second minute hour day month day-of-week), got ${expression.trim() === '' ? 0 : parts.length}`,
    );
  }
  return parts.map((part, i) => normalizeField(FIELDS[i] as FieldSpec, part)).join(' ');
}

/** Returns null when valid, otherwise the reason. */
export function validateNcrontab(expression: string): string | null {
  try {
    normalizeNcrontab(expression);
    return null;
  } catch (err) {
    if (err instanceof NcrontabError) return err.message;
    throw err;
  }
}

export function parseNcrontab(expression: string, timezone = 'UTC'): NcrontabSchedule {
  const normalized = normalizeNcrontab(expression);
  // domAndDow: NCrontab requires day-of-month AND day-of-week to match (Vixie cron uses OR).
  const cron = new Cron(normalized, { mode: '6-part', domAndDow: true, timezone, paused: true });
  return {
    expression,
    normalized,
    nextRun: (from = new Date()) => cron.nextRun(from),
  };
}

/** `ncrontab`: 6 fields with seconds, day-of-month AND day-of-week; `cron`: standard 5 fields, Vixie rules. */
export type CronDialect = 'ncrontab' | 'cron';

/** Standard cron: minute hour day month day-of-week, where day-of-week 7 is Sunday too. */
const STANDARD_FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS },
];

/** The values each field of a validated expression matches, and the croner patterns whose union it is. */
export interface ParsedCron {
  dialect: CronDialect;
  expression: string;
  seconds: readonly number[];
  /**
   * 6-field croner patterns in numeric syntax; an instant matches the expression when it matches any of them
   * (standard cron ORs a restricted day-of-month with a restricted day-of-week: two patterns).
   */
  patterns: readonly string[];
}

/** Every value a normalized field (numbers, `*`, `a-b`, `/step`, lists) matches, ascending. */
function expandField(field: FieldSpec, normalized: string): number[] {
  const values = new Set<number>();
  for (const item of normalized.split(',')) {
    const [range = '*', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [low, high] =
      range === '*'
        ? [field.min, field.max]
        : range.includes('-')
          ? (range.split('-').map(Number) as [number, number])
          : [Number(range), Number(range)];
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** Validates and normalizes a standard 5-field expression; throws NcrontabError naming the field and rule. */
export function normalizeStandardCron(expression: string): string {
  const parts = expression.trim().split(/\s+/);
  if (expression.trim() === '' || parts.length !== 5) {
    throw new NcrontabError(
      `expected 5 fields (minute hour day month day-of-week), got ${expression.trim() === '' ? 0 : parts.length}`,
    );
  }
  return parts.map((part, i) => normalizeField(STANDARD_FIELDS[i] as FieldSpec, part)).join(' ');
}

/**
 * Parses a cron expression for a recurring message: 6 fields are NCRONTAB as the Functions host reads it, 5 fields
 * are standard cron (Vixie rules: when both day fields are restricted, a day matching either one matches; a field
 * written with a leading `*` counts as unrestricted). Throws NcrontabError naming the field and rule.
 */
export function parseCronExpression(expression: string): ParsedCron {
  const count = expression.trim() === '' ? 0 : expression.trim().split(/\s+/).length;
  if (count === 6) {
    const normalized = normalizeNcrontab(expression).split(' ');
    return {
      dialect: 'ncrontab',
      expression,
      seconds: expandField(FIELDS[0] as FieldSpec, normalized[0] ?? '*'),
      patterns: [normalized.join(' ')],
    };
  }
  if (count !== 5) {
    throw new NcrontabError(
      `expected 6 fields (second minute hour day month day-of-week, NCRONTAB) or 5 (minute hour day month day-of-week), got ${count}`,
    );
  }
  const raw = expression.trim().split(/\s+/);
  const normalized = normalizeStandardCron(expression).split(' ');
  const [minute, hour, day, month] = normalized as [string, string, string, string];
  // Day-of-week 7 is Sunday: fold it into 0 so croner sees one numbering.
  const weekdays = expandField(STANDARD_FIELDS[4] as FieldSpec, normalized[4] ?? '*').map((d) => d % 7);
  const dow = new Set(weekdays).size === 7 ? '*' : [...new Set(weekdays)].sort((a, b) => a - b).join(',');
  const dayStar = raw[2]?.startsWith('*') ?? true;
  const weekdayStar = raw[4]?.startsWith('*') ?? true;
  const patterns =
    dayStar || weekdayStar
      ? [`0 ${minute} ${hour} ${day} ${month} ${dow}`]
      : [`0 ${minute} ${hour} ${day} ${month} *`, `0 ${minute} ${hour} * ${month} ${dow}`];
  return { dialect: 'cron', expression, seconds: [0], patterns };
}
