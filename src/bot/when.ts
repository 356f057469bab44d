/**
 * `<when>` of `/schedule`: `in 10m` / `in 2h` / `in 45s` / `in 1d`, `at 09:30` (the next such local time in the
 * thread's time zone), or an RFC 3339 time. Returns the instant, or a sentence saying what was wrong. Time zones
 * are read with the scheduler's own helpers (src/cron/timeZone.ts), so the bot and schedules agree on them.
 */
import { wallOf } from '../cron/timeZone';

/**
 * `sendAt` is an instant (RFC 3339 with an offset) or, for `at`, a local date-time to read in `timeZone`: the
 * scheduler applies its DST rules to it (a time in a gap runs at the next valid instant), one place for them.
 */
export type WhenResult = { ok: true; sendAt: string; timeZone?: string; rest: string } | { ok: false; error: string };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseWhen(args: string, timeZone: string, now: Date): WhenResult {
  const words = args.split(/\s+/).filter(Boolean);
  const first = (words[0] ?? '').toLowerCase();
  if (!first) return { ok: false, error: 'say when: `in 10m`, `in 2h`, `at 09:30` or an RFC 3339 time' };
  if (first === 'in') {
    const amount = words[1] ?? '';
    const m = /^(\d{1,6})(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)$/i.exec(amount);
    if (!m)
      return { ok: false, error: `"in ${amount}" is not a duration: use a number and s, m, h or d, e.g. \`in 10m\`` };
    const ms = Number(m[1]) * (UNIT_MS[(m[2] as string)[0]?.toLowerCase() as string] as number);
    return { ok: true, sendAt: new Date(now.getTime() + ms).toISOString(), rest: words.slice(2).join(' ') };
  }
  if (first === 'at') {
    const time = words[1] ?? '';
    const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time);
    if (!m) return { ok: false, error: `"at ${time}" is not a time of day: use 24-hour HH:MM, e.g. \`at 09:30\`` };
    return {
      ok: true,
      sendAt: nextLocalTime(Number(m[1]), Number(m[2]), timeZone, now),
      timeZone,
      rest: words.slice(2).join(' '),
    };
  }
  if (/^\d{4}-\d{2}-\d{2}T/i.test(first)) {
    const at = /(Z|[+-]\d{2}:\d{2})$/i.test(first) ? new Date(first) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime())) {
      return {
        ok: false,
        error: `"${words[0]}" is not an RFC 3339 time with an offset, e.g. 2026-12-24T18:00:00+01:00`,
      };
    }
    return { ok: true, sendAt: at.toISOString(), rest: words.slice(1).join(' ') };
  }
  return { ok: false, error: `"${words[0]}" is not a time: use \`in 10m\`, \`at 09:30\` or an RFC 3339 time` };
}

/** The local date-time (`YYYY-MM-DDTHH:MM:00`) of the next hh:mm in `timeZone`: today if still ahead, else tomorrow. */
export function nextLocalTime(hour: number, minute: number, timeZone: string, now: Date): string {
  // The wall time: the local date and time written as UTC, so its UTC fields are the local ones.
  const today = new Date(wallOf(now.getTime(), timeZone));
  const ahead = hour * 60 + minute > today.getUTCHours() * 60 + today.getUTCMinutes();
  const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + (ahead ? 0 : 1)));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day.toISOString().slice(0, 10)}T${pad(hour)}:${pad(minute)}:00`;
}
