import { htmlToText, parseCommand } from '../../../src/bot/commands';
import { nextLocalTime, parseWhen } from '../../../src/bot/when';

describe('parseCommand', () => {
  it.each([
    ['/help', 'help', ''],
    ['  /HELP  ', 'help', ''],
    ['/Schedule   in 10m    hello   world', 'schedule', 'in 10m    hello   world'],
    ['/every 0 30 9 * * 1-5 standup', 'every', '0 30 9 * * 1-5 standup'],
    ['/topic\nNew topic', 'topic', 'New topic'],
  ])('%j → %s', (text, name, args) => {
    expect(parseCommand(text)).toEqual({ kind: 'command', command: { name, args } });
  });

  it('strips html first', () => {
    expect(parseCommand('<p><b>/schedule</b> in 2h&nbsp;lunch &amp; learn</p>', 'html')).toEqual({
      kind: 'command',
      command: { name: 'schedule', args: 'in 2h lunch & learn' },
    });
    expect(htmlToText('<div>a<br/>b</div><script>x</script>')).toBe('a b');
  });

  it('tells unknown commands from ordinary chat', () => {
    expect(parseCommand('/dance now')).toEqual({ kind: 'unknown', word: 'dance' });
    expect(parseCommand('hello /help')).toEqual({ kind: 'none' });
    expect(parseCommand('/')).toEqual({ kind: 'none' });
    expect(parseCommand('// comment')).toEqual({ kind: 'none' });
  });
});

describe('parseWhen', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  it('reads durations', () => {
    expect(parseWhen('in 10m hi there', 'UTC', now)).toEqual({
      ok: true,
      sendAt: '2026-12-01T10:10:00.000Z',
      rest: 'hi there',
    });
    expect(parseWhen('in 2h x', 'UTC', now)).toMatchObject({ sendAt: '2026-12-01T12:00:00.000Z' });
    expect(parseWhen('in 3s x', 'UTC', now)).toMatchObject({ sendAt: '2026-12-01T10:00:03.000Z' });
    expect(parseWhen('in 1d x', 'UTC', now)).toMatchObject({ sendAt: '2026-12-02T10:00:00.000Z' });
  });

  it('reads a time of day in the thread time zone, today or tomorrow', () => {
    expect(parseWhen('at 09:30 x', 'UTC', now)).toMatchObject({ sendAt: '2026-12-02T09:30:00', timeZone: 'UTC' });
    expect(parseWhen('at 11:15 x', 'UTC', now)).toMatchObject({ sendAt: '2026-12-01T11:15:00' });
    // 10:00 UTC is 11:00 in Paris: 09:30 there has passed, so tomorrow; 12:00 is still ahead.
    expect(parseWhen('at 09:30 x', 'Europe/Paris', now)).toMatchObject({
      sendAt: '2026-12-02T09:30:00',
      timeZone: 'Europe/Paris',
    });
    expect(parseWhen('at 12:00 x', 'Europe/Paris', now)).toMatchObject({ sendAt: '2026-12-01T12:00:00' });
    // 10:00 UTC is 05:00 in New York.
    expect(parseWhen('at 06:00 x', 'America/New_York', now)).toMatchObject({ sendAt: '2026-12-01T06:00:00' });
  });

  it('picks the local date across midnight in the thread time zone', () => {
    // 23:30 UTC on 1 Dec is 00:30 on 2 Dec in Paris: 09:00 is still ahead that (local) day.
    expect(nextLocalTime(9, 0, 'Europe/Paris', new Date('2026-12-01T23:30:00Z'))).toBe('2026-12-02T09:00:00');
  });

  it('rolls over the end of a month and a year, and names a time in a DST gap for the scheduler to resolve', () => {
    expect(nextLocalTime(9, 0, 'UTC', new Date('2026-12-31T10:00:00Z'))).toBe('2027-01-01T09:00:00');
    expect(nextLocalTime(8, 0, 'America/New_York', new Date('2027-03-01T04:00:00Z'))).toBe('2027-03-01T08:00:00');
    // 29 March 2026, 00:30 in Paris: 02:30 does not exist that night; the schedule's DST rule takes it from here.
    expect(nextLocalTime(2, 30, 'Europe/Paris', new Date('2026-03-28T23:30:00Z'))).toBe('2026-03-29T02:30:00');
  });

  it('reads RFC 3339 with an offset', () => {
    expect(parseWhen('2026-12-24T18:00:00+01:00 party', 'UTC', now)).toEqual({
      ok: true,
      sendAt: '2026-12-24T17:00:00.000Z',
      rest: 'party',
    });
  });

  it.each([
    ['', /say when/],
    ['in ten minutes x', /"in ten" is not a duration/],
    ['at 25:00 x', /"at 25:00" is not a time of day/],
    ['2026-12-24T18:00:00 x', /not an RFC 3339 time with an offset/],
    ['tomorrow x', /"tomorrow" is not a time/],
  ])('refuses %j saying why', (args, error) => {
    const result = parseWhen(args, 'UTC', now);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});
