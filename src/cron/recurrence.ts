/**
 * A cron expression evaluated in an IANA time zone, with the DST rules of scheduled messages (timeZone.ts):
 * croner finds the next matching wall time (in UTC, where no clock ever jumps), and each wall time is then mapped
 * to its instant: a wall time inside a spring-forward gap runs at the first instant after the gap, and a wall time
 * that occurs twice on a fall-back night runs once, at the earlier instant.
 */
import { Cron } from 'croner';
import { parseCronExpression, type CronDialect } from './ncrontab';
import { instantOfWall, wallOf } from './timeZone';

export interface Recurrence {
  readonly expression: string;
  readonly dialect: CronDialect;
  readonly timeZone: string;
  /** How many distinct seconds of a minute it can fire at (more than one means more than once a minute). */
  readonly secondsPerMinute: number;
  /** The first occurrence strictly after `after`, or null when there is none. */
  nextAfter(after: Date): Date | null;
}

// Wall times skipped because their instant is not after `after` (the second pass of a repeated hour): at most one
// per minute of that hour, so this bound is never reached by a valid schedule.
const MAX_SKIPPED_WALL_TIMES = 10_000;

/** Throws NcrontabError (naming the field and rule) for an invalid expression. */
export function parseRecurrence(expression: string, timeZone = 'UTC'): Recurrence {
  const parsed = parseCronExpression(expression);
  // utcOffset 0 keeps croner on a clock without DST, and is several times faster than its time-zone mode.
  const crons = parsed.patterns.map(
    (pattern) => new Cron(pattern, { mode: '6-part', domAndDow: true, utcOffset: 0, paused: true }),
  );
  const nextWall = (wall: number): number | null => {
    let best: number | null = null;
    for (const cron of crons) {
      const next = cron.nextRun(new Date(wall))?.getTime();
      if (next !== undefined && (best === null || next < best)) best = next;
    }
    return best;
  };
  return {
    expression,
    dialect: parsed.dialect,
    timeZone,
    secondsPerMinute: parsed.seconds.length,
    nextAfter(after) {
      const from = after.getTime();
      let wall = wallOf(from, timeZone);
      for (let i = 0; i < MAX_SKIPPED_WALL_TIMES; i++) {
        const next = nextWall(wall);
        if (next === null) return null;
        const { instant } = instantOfWall(next, timeZone);
        if (instant > from) return new Date(instant);
        wall = next;
      }
      return null;
    },
  };
}
