import { parseNcrontab, type NcrontabSchedule } from '../../../src/cron/ncrontab';
import type { RegisteredFunction } from '../../worker/coreApi';
import { invoke } from '../../worker/invoke';
import { functionsWithTrigger, triggerOf, type LoadedApp } from '../../worker/loadApp';
import type { LogSink } from '../../worker/log';
import { retryPolicyOf } from './retryPolicy';
import { dotNetTime, type ScheduleMonitor, type ScheduleStatus } from './scheduleMonitor';
import { resolveSettingRefs } from '../../worker/settings';

// A tick this much later than scheduled counts as past due.
const PAST_DUE_TOLERANCE_MS = 1000;
// setTimeout cannot wait longer than 2^31-1 ms; longer waits are chained.
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface TimerInfo {
  name: string;
  expression: string;
  schedule: NcrontabSchedule;
  runOnStartup: boolean;
  /** Persist schedule status (runtime default: on when occurrences are at least a minute apart). */
  useMonitor: boolean;
}

function defaultUseMonitor(schedule: NcrontabSchedule): boolean {
  const first = schedule.nextRun(new Date());
  const second = first && schedule.nextRun(first);
  return !first || !second || second.getTime() - first.getTime() >= 60_000;
}

/** Resolves and validates every timer schedule; throws naming the function and schedule. */
export function compileTimers(app: LoadedApp): TimerInfo[] {
  const timers: TimerInfo[] = [];
  for (const fn of functionsWithTrigger(app, 'timertrigger')) {
    const binding = triggerOf(fn).binding;
    const name = fn.metadata.name;
    const raw = typeof binding.schedule === 'string' ? binding.schedule : '';
    let expression: string;
    try {
      expression = resolveSettingRefs(raw);
    } catch (err) {
      throw new Error(`Function "${name}": schedule '${raw}': ${(err as Error).message}`);
    }
    try {
      const schedule = parseNcrontab(expression);
      const useMonitor = typeof binding.useMonitor === 'boolean' ? binding.useMonitor : defaultUseMonitor(schedule);
      timers.push({ name, expression, schedule, runOnStartup: binding.runOnStartup === true, useMonitor });
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
  private status: ScheduleStatus | undefined;
  private monitorCheck: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryWake: (() => void) | undefined;

  constructor(
    private readonly app: LoadedApp,
    private readonly fn: RegisteredFunction,
    readonly info: TimerInfo,
    private readonly sink: LogSink,
    /** Only given when the timer uses the monitor and storage is configured. */
    private readonly monitor?: ScheduleMonitor,
  ) {}

  start(): void {
    if (this.info.runOnStartup) this.fire(new Date(), false);
    this.scheduleNext(new Date());
    if (this.monitor) this.monitorCheck = this.checkPastDue(this.monitor);
  }

  /** An occurrence missed while no host ran (stored Next is in the past) runs once, with isPastDue. */
  private async checkPastDue(monitor: ScheduleMonitor): Promise<void> {
    try {
      const stored = await monitor.read(this.info.name);
      const now = new Date();
      if (stored && Date.parse(stored.Next) < now.getTime()) {
        this.status = stored;
        this.sink(
          'information',
          `Timer '${this.info.name}' missed its run due at ${stored.Next}; running it now (past due)`,
        );
        this.fire(new Date(stored.Next), true);
      } else if (stored) {
        this.status = stored;
      } else {
        const next = this.info.schedule.nextRun(now);
        this.status = {
          Last: '0001-01-01T00:00:00Z',
          Next: dotNetTime(next ?? now),
          LastUpdated: dotNetTime(now),
        };
        await monitor.write(this.info.name, this.status);
      }
    } catch (err) {
      this.sink('warning', `Timer '${this.info.name}': schedule status unavailable (${(err as Error).message})`);
    }
  }

  /** Fires now (admin invoke); returns false when a run is already in progress. */
  runNow(): boolean {
    return this.fire(new Date(), false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle) clearTimeout(this.handle);
    // A pending retry is abandoned at shutdown.
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryWake?.();
    await this.monitorCheck;
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
    // Without the monitor the runtime passes no schedule status (null), as here.
    const input = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: this.monitor ? (this.status ?? null) : null,
      IsPastDue: isPastDue,
    };
    this.running = this.invokeWithRetries(JSON.stringify(input))
      .then(() => this.recordRun(scheduled))
      .finally(() => {
        this.running = undefined;
      });
    return true;
  }

  /** One run, retried per the function's retry policy (the runtime honours retries for timers). */
  private async invokeWithRetries(json: string): Promise<void> {
    const policy = retryPolicyOf(this.fn);
    for (let retryCount = 0; ; retryCount++) {
      const retryContext = policy ? { retryCount, maxRetryCount: policy.maxRetryCount } : undefined;
      const result = await invoke(this.app, this.fn, { data: { json }, retryContext }, this.sink);
      if (result.ok || !policy || this.stopped) return;
      if (policy.maxRetryCount !== -1 && retryCount >= policy.maxRetryCount) return;
      const delay = policy.delayMs(retryCount + 1);
      const limit = policy.maxRetryCount === -1 ? 'unlimited' : String(policy.maxRetryCount);
      this.sink(
        'warning',
        `Retrying 'Functions.${this.info.name}' (retry ${retryCount + 1} of ${limit}) in ${delay}ms`,
      );
      await new Promise<void>((resolve) => {
        this.retryWake = resolve;
        this.retryTimer = setTimeout(resolve, delay);
      });
    }
  }

  private async recordRun(scheduled: Date): Promise<void> {
    if (!this.monitor) return;
    const now = new Date();
    const next = this.info.schedule.nextRun(now) ?? now;
    this.status = { Last: dotNetTime(scheduled), Next: dotNetTime(next), LastUpdated: dotNetTime(now) };
    try {
      await this.monitor.write(this.info.name, this.status);
    } catch (err) {
      this.sink('warning', `Timer '${this.info.name}': could not save schedule status (${(err as Error).message})`);
    }
  }
}
