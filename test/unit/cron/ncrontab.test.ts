import { normalizeNcrontab, parseNcrontab, validateNcrontab } from '../../../src/cron/ncrontab';

// 2026-01-01 is a Thursday. Expected values are derived by hand from NCrontab's rules:
// 6 fields, day-of-month AND day-of-week must both match, next run is strictly after the base time.
const FROM = new Date('2026-01-01T00:00:00Z');

const next = (expr: string, from: Date = FROM, tz?: string): string | undefined =>
  parseNcrontab(expr, tz).nextRun(from)?.toISOString();

describe('parseNcrontab: next occurrences (NCrontab semantics)', () => {
  it.each([
    ['Friday the 13th: day-of-month AND day-of-week', '0 0 0 13 * 5', '2026-02-13T00:00:00.000Z'],
    ['n/s means n to max by s', '5/15 * * * * *', '2026-01-01T00:00:05.000Z'],
    ['strictly after the base time', '*/10 * * * * *', '2026-01-01T00:00:10.000Z'],
    ['every five minutes', '0 */5 * * * *', '2026-01-01T00:05:00.000Z'],
    ['weekday names in a range', '0 30 9 * * Mon-Fri', '2026-01-01T09:30:00.000Z'],
    ['full names as a prefix match', '0 0 12 * January Monday', '2026-01-05T12:00:00.000Z'],
    ['lists', '0 15,45 * * * *', '2026-01-01T00:15:00.000Z'],
    ['range with step', '0 0 9-17/4 * * *', '2026-01-01T09:00:00.000Z'],
    ['Sunday is 0', '0 0 0 * * 0', '2026-01-04T00:00:00.000Z'],
    ['the 1st falling on a Saturday', '0 0 10 1 * Sat', '2026-08-01T10:00:00.000Z'],
    ['leap day', '0 0 0 29 Feb *', '2028-02-29T00:00:00.000Z'],
    ['last second of the year', '30 59 23 31 Dec *', '2026-12-31T23:59:30.000Z'],
  ])('%s: %s', (_label, expr, expected) => {
    expect(next(expr)).toBe(expected);
  });

  it('skips months too short for the day', () => {
    expect(next('0 0 0 31 * *', new Date('2026-01-31T00:00:00Z'))).toBe('2026-03-31T00:00:00.000Z');
  });

  it('evaluates in a time zone, following DST', () => {
    expect(next('0 0 9 * * *', FROM, 'Europe/Paris')).toBe('2026-01-01T08:00:00.000Z');
    expect(next('0 0 9 * * *', new Date('2026-07-01T00:00:00Z'), 'Europe/Paris')).toBe('2026-07-01T07:00:00.000Z');
  });

  it('defaults to UTC', () => {
    expect(next('0 0 9 * * *')).toBe('2026-01-01T09:00:00.000Z');
  });

  it('normalizes names and n/s to croner numeric syntax', () => {
    expect(normalizeNcrontab('5/15 0 0 * jan-MAR mon,FRI')).toBe('5-59/15 0 0 * 1-3 1,5');
  });
});

describe('validateNcrontab: rejects what the Functions host rejects', () => {
  it.each([
    ['5 fields', '*/5 * * * *', 'expected 6 fields (second minute hour day month day-of-week), got 5'],
    ['7 fields', '0 0 0 * * * 2026', 'expected 6 fields (second minute hour day month day-of-week), got 7'],
    ['empty', '   ', 'expected 6 fields (second minute hour day month day-of-week), got 0'],
    ['day-of-week 7', '0 0 0 * * 7', "invalid day-of-week field '7': 7 is outside 0-6 (Sunday is 0; 7 is not allowed)"],
    ['?', '0 0 0 ? * *', "invalid day-of-month field '?': '?', 'L', 'W' and '#' are not supported"],
    ['L', '0 0 0 L * *', "invalid day-of-month field 'L': '?', 'L', 'W' and '#' are not supported"],
    ['W', '0 0 0 15W * *', "invalid day-of-month field '15W': '?', 'L', 'W' and '#' are not supported"],
    ['#', '0 0 0 * * 5#3', "invalid day-of-week field '5#3': '?', 'L', 'W' and '#' are not supported"],
    ['garbage', 'a b c d e f', "invalid second field 'a': 'a' is not a number"],
    ['second 60', '60 * * * * *', "invalid second field '60': 60 is outside 0-59"],
    ['month 13', '0 0 0 1 13 *', "invalid month field '13': 13 is outside 1-12"],
    ['day 0', '0 0 0 0 * *', "invalid day-of-month field '0': 0 is outside 1-31"],
    ['step 0', '*/0 * * * * *', "invalid second field '*/0': step '0' must be a positive number"],
    ['empty list item', '0 0 1,,2 * * *', "invalid hour field '1,,2': empty list item"],
    ['reversed range', '0 0 0 * * Fri-Mon', "invalid day-of-week field 'Fri-Mon': range 5-1 is reversed"],
    ['unknown name', '0 0 0 * Foo *', "invalid month field 'Foo': 'Foo' is not a number or an English name"],
  ])('%s', (_label, expr, message) => {
    expect(validateNcrontab(expr)).toBe(message);
    expect(() => parseNcrontab(expr)).toThrow(message);
  });

  it('accepts valid expressions', () => {
    expect(validateNcrontab('0 */1 * * * *')).toBeNull();
    expect(validateNcrontab('0 0 2 * * *')).toBeNull();
  });
});
