import { DomainError } from '../../../src/domainErrors';
import { nextAfterRun, resolveTiming, type TimingInput } from '../../../src/schedules/timing';

const NOW = Date.parse('2026-03-28T12:00:00Z'); // the day before Paris springs forward
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function ruleOf(input: TimingInput, now = NOW): { field: string; rule: string } | undefined {
  try {
    resolveTiming(input, now);
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    expect(error.kind).toBe('invalid');
    return error.field;
  }
}

/** Every run of a recurring timing from its first, as the sender would record them, until it completes. */
function allRuns(input: TimingInput, now = NOW, cap = 20): string[] {
  const { timing, firstRunAt } = resolveTiming(input, now);
  const out: string[] = [];
  let next: number | null = firstRunAt;
  while (next !== null && out.length < cap) {
    out.push(iso(next) as string);
    // Sent on time: `now` is the occurrence itself.
    next = nextAfterRun(timing, next, out.length, next).next;
  }
  return out;
}

describe('resolveTiming: one-off', () => {
  it('takes RFC 3339 with an offset', () => {
    const r = resolveTiming({ sendAt: '2026-03-28T14:00:00+01:00' }, NOW);
    expect(iso(r.firstRunAt)).toBe('2026-03-28T13:00:00.000Z');
    expect(r.timing).toEqual({ kind: 'once', sendAt: '2026-03-28T13:00:00.000Z' });
  });

  it('takes a local time in a time zone, a missing one at the first instant after the gap', () => {
    const r = resolveTiming({ sendAt: '2026-03-29T02:30:00', timeZone: 'Europe/Paris' }, NOW);
    expect(iso(r.firstRunAt)).toBe('2026-03-29T01:00:00.000Z');
    expect(r.timing).toMatchObject({ localSendAt: '2026-03-29T02:30:00', timeZone: 'Europe/Paris' });
  });

  it('takes a repeated local time at its first instant', () => {
    const r = resolveTiming({ sendAt: '2026-11-01T01:30:00', timeZone: 'America/New_York' }, NOW);
    expect(iso(r.firstRunAt)).toBe('2026-11-01T05:30:00.000Z');
  });

  it('accepts a time within the grace, and sends it at once', () => {
    expect(iso(resolveTiming({ sendAt: '2026-03-28T11:59:40Z' }, NOW).firstRunAt)).toBe('2026-03-28T11:59:40.000Z');
  });

  it.each<[string, TimingInput, string, string]>([
    ['past beyond the grace', { sendAt: '2026-03-28T11:59:00Z' }, 'sendAt', 'notPast:30s'],
    ['more than 366 days ahead', { sendAt: '2027-03-30T12:00:00Z' }, 'sendAt', 'maxAhead:366d'],
    ['no offset and no time zone', { sendAt: '2026-03-29T09:00:00' }, 'sendAt', 'localTimeNeedsTimeZone'],
    [
      'an offset and a time zone',
      { sendAt: '2026-03-29T09:00:00Z', timeZone: 'Europe/Paris' },
      'timeZone',
      'notWithOffset',
    ],
    ['not a date', { sendAt: 'tomorrow' }, 'sendAt', 'format:rfc3339'],
    ['not a calendar date', { sendAt: '2026-02-30T09:00:00', timeZone: 'UTC' }, 'sendAt', 'format:rfc3339'],
    ['an unknown zone', { sendAt: '2026-03-29T09:00:00', timeZone: 'Europe/Atlantis' }, 'timeZone', 'ianaTimeZone'],
    [
      'sendAt with maxOccurrences',
      { sendAt: '2026-03-29T09:00:00Z', maxOccurrences: 2 },
      'maxOccurrences',
      'onlyWithCron',
    ],
    ['both sendAt and cron', { sendAt: '2026-03-29T09:00:00Z', cron: '0 * * * *' }, 'cron', 'oneOf:sendAt,cron'],
    ['neither', {}, 'sendAt', 'oneOf:sendAt,cron'],
  ])('rejects %s', (_label, input, field, rule) => {
    expect(ruleOf(input)).toEqual({ field, rule });
  });
});

describe('resolveTiming: recurring', () => {
  it.each<[string, TimingInput, string, string]>([
    ['more than once a minute', { cron: '*/30 * * * * *' }, 'cron', 'minInterval:60s'],
    ['bad syntax', { cron: '0 0 25 * * *' }, 'cron', 'cronSyntax'],
    ['never occurring', { cron: '0 0 0 30 2 *' }, 'cron', 'noOccurrence'],
    ['first run beyond 366 days', { cron: '0 0 0 29 2 *' }, 'cron', 'maxAhead:366d'],
    ['startAt beyond 366 days', { cron: '0 * * * *', startAt: '2027-04-01T00:00:00Z' }, 'startAt', 'maxAhead:366d'],
    ['endAt in the past', { cron: '0 * * * *', endAt: '2026-03-01T00:00:00Z' }, 'endAt', 'notPast'],
    [
      'endAt before startAt',
      { cron: '0 * * * *', startAt: '2026-04-02T00:00:00Z', endAt: '2026-04-01T00:00:00Z' },
      'endAt',
      'afterStartAt',
    ],
    ['endAt before the first run', { cron: '0 0 0 1 * *', endAt: '2026-03-30T00:00:00Z' }, 'endAt', 'afterFirstRun'],
    ['maxOccurrences 0', { cron: '0 * * * *', maxOccurrences: 0 }, 'maxOccurrences', 'range:1-100000'],
    ['an unknown zone', { cron: '0 * * * *', timeZone: 'Nowhere' }, 'timeZone', 'ianaTimeZone'],
  ])('rejects %s', (_label, input, field, rule) => {
    expect(ruleOf(input)).toEqual({ field, rule });
  });

  it('accepts once a minute exactly', () => {
    expect(ruleOf({ cron: '* * * * *' })).toBeUndefined();
    expect(ruleOf({ cron: '0 * * * * *' })).toBeUndefined();
  });

  it('startAt: the first run is the first occurrence at or after it, in the zone, across the gap', () => {
    expect(
      allRuns({ cron: '0 30 2 * * *', timeZone: 'Europe/Paris', startAt: '2026-03-29T00:00:00Z', maxOccurrences: 3 }),
    ).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });

  it('startAt exactly on an occurrence includes it', () => {
    expect(allRuns({ cron: '0 9 * * *', startAt: '2026-04-01T09:00:00Z', maxOccurrences: 1 })).toEqual([
      '2026-04-01T09:00:00.000Z',
    ]);
  });

  it('endAt: no run after it, even in the repeated hour', () => {
    expect(
      allRuns(
        {
          cron: '30 1 * * *',
          timeZone: 'America/New_York',
          startAt: '2026-10-31T00:00:00Z',
          endAt: '2026-11-02T12:00:00Z',
        },
        NOW,
      ),
    ).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('maxOccurrences: completes after that many messages', () => {
    expect(allRuns({ cron: '0 0 9 * * 1-5', timeZone: 'Europe/Paris', maxOccurrences: 3 })).toEqual([
      '2026-03-30T07:00:00.000Z', // Monday 09:00 CEST
      '2026-03-31T07:00:00.000Z',
      '2026-04-01T07:00:00.000Z',
    ]);
  });
});

describe('nextAfterRun: catch-up after downtime', () => {
  const { timing } = resolveTiming({ cron: '0 */10 * * * *' }, NOW);

  it('late by less than the tolerance: nothing is skipped', () => {
    const occurrence = Date.parse('2026-03-28T12:10:00Z');
    expect(nextAfterRun(timing, occurrence, 1, occurrence + 30_000)).toEqual({
      next: Date.parse('2026-03-28T12:20:00Z'),
      skipped: 0,
    });
  });

  it('after an hour down: one catch-up send, the missed runs skipped and counted', () => {
    const occurrence = Date.parse('2026-03-28T12:10:00Z');
    const now = Date.parse('2026-03-28T13:15:00Z'); // the 12:10 run just went out as the catch-up
    // 12:20 … 13:10 were missed (6 runs); 13:20 is the next.
    expect(nextAfterRun(timing, occurrence, 1, now)).toEqual({ next: Date.parse('2026-03-28T13:20:00Z'), skipped: 6 });
  });

  it('a one-off has no next run', () => {
    const once = resolveTiming({ sendAt: '2026-03-28T13:00:00Z' }, NOW).timing;
    expect(nextAfterRun(once, Date.parse('2026-03-28T13:00:00Z'), 1, NOW)).toEqual({ next: null, skipped: 0 });
  });
});
