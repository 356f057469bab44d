/**
 * Wall-clock time in an IANA time zone, and back. A "wall" time is the local date and time written as if it were
 * UTC (epoch milliseconds), so plain UTC arithmetic and croner in UTC can work on it without any DST logic.
 *
 * The DST rules of scheduled messages live here: a wall time that does not exist (spring forward) resolves to the
 * first instant after the gap; a wall time that exists twice (fall back) resolves to the earlier instant only.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for names the runtime's time-zone database knows (IANA names such as `Europe/Paris`, and `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  // Offsets like "+02:00" are not IANA names, though newer runtimes accept them.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `instant`, in milliseconds (local = UTC + offset). */
export function offsetAt(instant: number, timeZone: string): number {
  const seconds = Math.floor(instant / 1000) * 1000;
  const parts = formatterFor(timeZone).formatToParts(new Date(seconds));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const bc = parts.find((p) => p.type === 'era')?.value === 'BC';
  const year = bc ? 1 - get('year') : get('year');
  const wall = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  // Date.UTC maps years 0-99 to 1900-1999; irrelevant for schedules, which live within a year of now.
  return wall - seconds;
}

/** The wall time (local time written as UTC) of `instant` in the zone. */
export function wallOf(instant: number, timeZone: string): number {
  return instant + offsetAt(instant, timeZone);
}

export interface WallResolution {
  instant: number;
  /** `skipped`: the wall time fell in a DST gap; `repeated`: it existed twice and the earlier instant was taken. */
  kind: 'exact' | 'skipped' | 'repeated';
}

/** The instant a wall time denotes in the zone, by the DST rules above. */
export function instantOfWall(wall: number, timeZone: string): WallResolution {
  // At most one transition lies within a day either side, so these are the only offsets in play.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => offsetAt(instant, timeZone) === wall - instant)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) return { instant: first, kind: candidates.length > 1 ? 'repeated' : 'exact' };
  // In a gap: the clock jumped from `before` to `after`; find the instant of the jump (whole seconds).
  let lo = Math.floor((wall - after) / 1000); // still on the old offset
  let hi = Math.ceil((wall - before) / 1000); // already on the new one
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid * 1000, timeZone) === after) hi = mid;
    else lo = mid;
  }
  return { instant: hi * 1000, kind: 'skipped' };
}
