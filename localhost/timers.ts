import { parseNcrontab, type NcrontabSchedule } from '../src/cron/ncrontab';
import type { RegisteredFunction } from './coreApi';
import { invoke } from './invoke';
import { triggerOf, type LoadedApp } from './loadApp';
import type { LogSink } from './log';
import { resolveSettingRefs } from './settings';

// A tick this much later than scheduled counts as past due.
const PAST_DUE_TOLERANCE_MS = 1000;
// setTimeout cannot wait longer than 2^31-1 ms; longer waits are chained.
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface TimerInfo {
  name: string;
  expression: string;
  schedule: NcrontabSchedule;
  runOnStartup: boolean;
}

/** Resolves and validates every timer schedule; throws naming the function and schedule. */
export function compileTimers(app: LoadedApp): TimerInfo[] {
  const timers: TimerInfo[] = [];
  for (const fn of app.registry.functions.values()) {
    const binding = triggerOf(fn).binding;
    if (String(binding.type).toLowerCase() !== 'timertrigger') continue;
    const name = fn.metadata.name;
    const raw = typeof binding.schedule === 'string' ? binding.schedule : '';
    let expression: string;
    try {
      expression = resolveSettingRefs(raw);
    } catch (err) {
      throw new Error(`Function "${name}": schedule '${raw}': ${(err as Error).message}`);
    }
    try {
      timers.push({
        name,
        expression,
        schedule: parseNcrontab(expression),
        runOnStartup: binding.runOnStartup === true,
      });
    } catch (err) {
      throw new Error(`Function "${name}": invalid schedule '${expression}': ${(err as Error).message}`);
    }
  }
  return timers;
}

/** Runs one timer function on its schedule; never two runs at once. */
export class TimerRunner {
  private handle: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private last: Date | undefined;

  constructor(
    private readonly app: LoadedApp,
    private readonly fn: RegisteredFunction,
    readonly info: TimerInfo,
    private readonly sink: LogSink,
  ) {}

  start(): void {
    if (this.info.runOnStartup) this.fire(new Date(), false);
    this.scheduleNext(new Date());
  }

  /** Fires now (admin invoke); returns false when a run is already in progress. */
  runNow(): boolean {
    return this.fire(new Date(), false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle) clearTimeout(this.handle);
    await this.running;
  }

  private scheduleNext(after: Date): void {
    if (this.stopped) return;
    const next = this.info.schedule.nextRun(after);
    if (!next) {
      this.sink('warning', `Timer '${this.info.name}' has no future occurrence of '${this.info.expression}'`);
      return;
    }
    const wait = (): void => {
      const delay = next.getTime() - Date.now();
      if (delay > MAX_TIMEOUT_MS) {
        this.handle = setTimeout(wait, MAX_TIMEOUT_MS);
        return;
      }
      this.handle = setTimeout(
        () => {
          const late = Date.now() - next.getTime() > PAST_DUE_TOLERANCE_MS;
          this.fire(next, late);
          this.scheduleNext(next);
        },
        Math.max(0, delay),
      );
    };
    wait();
  }

  private fire(scheduled: Date, isPastDue: boolean): boolean {
    if (this.stopped) return false;
    if (this.running) {
      this.sink(
        'warning',
        `Timer '${this.info.name}' is still running; skipping the run due at ${scheduled.toISOString()}`,
      );
      return false;
    }
    const now = new Date();
    const status = {
      Last: (this.last ?? scheduled).toISOString(),
      Next: (this.info.schedule.nextRun(now) ?? now).toISOString(),
      LastUpdated: now.toISOString(),
    };
    this.last = scheduled;
    const input = { Schedule: { AdjustForDST: true }, ScheduleStatus: status, IsPastDue: isPastDue };
    this.running = invoke(this.app, this.fn, { data: { json: JSON.stringify(input) } }, this.sink)
      .then(() => undefined)
      .finally(() => {
        this.running = undefined;
      });
    return true;
  }
}
