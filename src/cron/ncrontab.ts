import { Cron } from 'croner';

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
