import { parseCronExpression } from '../../../src/cron/ncrontab';
import { parseRecurrence } from '../../../src/cron/recurrence';
import { instantOfWall, isValidTimeZone, wallOf } from '../../../src/cron/timeZone';

// 2026 transitions. Europe/Paris: 29 Mar 01:00Z (02:00 CET → 03:00 CEST), 25 Oct 01:00Z (03:00 CEST → 02:00 CET).
// America/New_York: 8 Mar 07:00Z (02:00 EST → 03:00 EDT), 1 Nov 06:00Z (02:00 EDT → 01:00 EST).

/** The next `n` occurrences after `from`, as ISO strings. */
function runs(expression: string, timeZone: string, from: string, n: number): string[] {
  const recurrence = parseRecurrence(expression, timeZone);
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i++) {
    const next = recurrence.nextAfter(at);
    if (!next) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
}

const wall = (iso: string): number => Date.parse(`${iso}Z`);

describe('instantOfWall: the DST rules', () => {
  it('maps an ordinary local time to its instant', () => {
    expect(instantOfWall(wall('2026-07-01T09:30:00'), 'Europe/Paris')).toEqual({
      instant: Date.parse('2026-07-01T07:30:00Z'),
      kind: 'exact',
    });
  });

  it.each([
    ['Europe/Paris', '2026-03-29T02:30:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Paris', '2026-03-29T02:00:00', '2026-03-29T01:00:00.000Z'],
    ['America/New_York', '2026-03-08T02:30:00', '2026-03-08T07:00:00.000Z'],
  ])('a local time that does not exist (%s %s) runs at the first instant after the gap', (zone, local, expected) => {
    const r = instantOfWall(wall(local), zone);
    expect(new Date(r.instant).toISOString()).toBe(expected);
    expect(r.kind).toBe('skipped');
  });

  it.each([
    ['Europe/Paris', '2026-10-25T02:30:00', '2026-10-25T00:30:00.000Z'],
    ['America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00.000Z'],
  ])('a local time that exists twice (%s %s) is its earlier instant', (zone, local, expected) => {
    const r = instantOfWall(wall(local), zone);
    expect(new Date(r.instant).toISOString()).toBe(expected);
    expect(r.kind).toBe('repeated');
  });

  it('round-trips wall time and instant', () => {
    const instant = Date.parse('2026-10-25T01:30:00Z'); // 02:30 CET, the second pass
    expect(new Date(wallOf(instant, 'Europe/Paris')).toISOString()).toBe('2026-10-25T02:30:00.000Z');
  });

  it('knows IANA names and nothing else', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('+02:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('parseRecurrence in Europe/Paris', () => {
  it('daily 02:30 (6-field): the missing 02:30 runs at 03:00 CEST, then 02:30 again', () => {
    expect(runs('0 30 2 * * *', 'Europe/Paris', '2026-03-28T12:00:00Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, first instant after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('daily 02:30 (5-field) in the repeated hour runs once, at the first 02:30', () => {
    expect(runs('30 2 * * *', 'Europe/Paris', '2026-10-24T12:00:00Z', 3)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; the 02:30 CET an hour later does not run
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('hourly across the fall-back night: each local hour once', () => {
    expect(runs('0 0 * * * *', 'Europe/Paris', '2026-10-24T23:30:00Z', 4)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T02:00:00.000Z', // 03:00 CET (02:00 CET is a repeat and is skipped)
      '2026-10-25T03:00:00.000Z',
      '2026-10-25T04:00:00.000Z',
    ]);
  });

  it('every 15 minutes across the spring gap: the missing quarter hours collapse into one run at 03:00', () => {
    expect(runs('*/15 * * * *', 'Europe/Paris', '2026-03-29T00:40:00Z', 4)).toEqual([
      '2026-03-29T00:45:00.000Z', // 01:45 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST (for 02:00, 02:15, 02:30, 02:45, which do not exist)
      '2026-03-29T01:15:00.000Z', // 03:15 CEST
      '2026-03-29T01:30:00.000Z',
    ]);
  });

  it('weekdays at 09:30 keep their local time across the change', () => {
    expect(runs('0 30 9 * * 1-5', 'Europe/Paris', '2026-03-27T00:00:00Z', 2)).toEqual([
      '2026-03-27T08:30:00.000Z', // Friday, CET
      '2026-03-30T07:30:00.000Z', // Monday, CEST
    ]);
    expect(runs('30 9 * * mon-fri', 'Europe/Paris', '2026-03-27T00:00:00Z', 2)).toEqual([
      '2026-03-27T08:30:00.000Z',
      '2026-03-30T07:30:00.000Z',
    ]);
  });
});

describe('parseRecurrence in America/New_York', () => {
  it('daily 02:30: missing on 8 March, runs at 03:00 EDT', () => {
    expect(runs('0 30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('daily 01:30 (5-field): repeated on 1 November, runs once at 01:30 EDT', () => {
    expect(runs('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) does not run
      '2026-11-02T06:30:00.000Z', // 01:30 EST
      '2026-11-03T06:30:00.000Z',
    ]);
  });

  it('every minute through the repeated hour: no local minute twice', () => {
    const all = runs('* * * * *', 'America/New_York', '2026-11-01T05:58:00Z', 4);
    expect(all).toEqual([
      '2026-11-01T05:59:00.000Z', // 01:59 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST: 01:00-01:59 EST repeat local minutes already run
      '2026-11-01T07:01:00.000Z',
      '2026-11-01T07:02:00.000Z',
    ]);
  });
});

describe('parseCronExpression: the two dialects', () => {
  it('reads 6 fields as NCRONTAB (day-of-month AND day-of-week)', () => {
    expect(runs('0 0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-02-13T00:00:00.000Z']);
  });

  it('reads 5 fields as standard cron: restricted day-of-month OR day-of-week', () => {
    // The 13th, or any Friday: Friday 2 January comes first.
    expect(runs('0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
    ]);
  });

  it('standard cron: a day field starting with * is unrestricted for the OR rule', () => {
    // Odd days that are Mondays (Vixie cron ANDs when either field starts with *).
    expect(runs('0 0 */2 * 1', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-05T00:00:00.000Z',
      '2026-01-19T00:00:00.000Z',
    ]);
  });

  it('standard cron: day-of-week 7 is Sunday', () => {
    expect(runs('0 12 * * 7', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T12:00:00.000Z']);
    expect(parseCronExpression('0 12 * * 5-7').patterns).toEqual(['0 0 12 * * 0,5,6']);
  });

  it('counts the seconds a minute can fire at', () => {
    expect(parseRecurrence('*/30 * * * * *').secondsPerMinute).toBe(2);
    expect(parseRecurrence('0 * * * * *').secondsPerMinute).toBe(1);
    expect(parseRecurrence('* * * * *').secondsPerMinute).toBe(1);
  });

  it.each([
    [
      '4 fields',
      '* * * *',
      'expected 6 fields (second minute hour day month day-of-week, NCRONTAB) or 5 (minute hour day month day-of-week), got 4',
    ],
    ['5-field minute 60', '60 * * * *', "invalid minute field '60': 60 is outside 0-59"],
    ['5-field day-of-week 8', '0 0 * * 8', "invalid day-of-week field '8': 8 is outside 0-7"],
    ['5-field L', '0 0 L * *', "invalid day-of-month field 'L': '?', 'L', 'W' and '#' are not supported"],
    [
      '6-field day-of-week 7 (as the host)',
      '0 0 0 * * 7',
      "invalid day-of-week field '7': 7 is outside 0-6 (Sunday is 0; 7 is not allowed)",
    ],
  ])('rejects %s', (_label, expression, message) => {
    expect(() => parseCronExpression(expression)).toThrow(message);
  });

  it('returns null when the expression never matches', () => {
    expect(parseRecurrence('0 0 0 30 2 *').nextAfter(new Date('2026-01-01T00:00:00Z'))).toBeNull();
  });
});
