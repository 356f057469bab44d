import path from 'path';
import { FIXTURES, startHostProcess, type HostProcess } from '../../../support/hostProcess';
import { HOST_CLI } from '../../../support/hostProcess';
import { eventually, exitCode, spawnNode } from '../../../support/processes';

describe('local host: timer triggers', () => {
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess(path.join(FIXTURES, 'timer-app'));
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('lists timers with their schedules', () => {
    expect(host.output()).toContain('tick: timerTrigger (* * * * * *)');
    expect(host.output()).toContain('slow: timerTrigger (%SLOW_SCHEDULE%)');
  });

  it('runs runOnStartup functions once at start', async () => {
    const records = await eventually(host.records, (r) => r.some((x) => x.fn === 'startup'), 10_000, 'startup run');
    expect(records.filter((x) => x.fn === 'startup')).toHaveLength(1);
    expect(records.find((x) => x.fn === 'startup')).toMatchObject({ isPastDue: false });
  });

  it('fires a 1-second schedule repeatedly', async () => {
    const records = await eventually(
      host.records,
      (r) => r.filter((x) => x.fn === 'tick').length >= 3,
      15_000,
      'three ticks',
    );
    const ticks = records.filter((x) => x.fn === 'tick');
    expect(ticks.every((x) => typeof x.isPastDue === 'boolean')).toBe(true);
    // Occurrences under a minute apart run without the schedule monitor, so no status (as in Azure).
    expect(ticks[0]).toMatchObject({ scheduleStatus: null });
  });

  it('never overlaps two runs of one timer (and says it skipped)', async () => {
    const records = await eventually(
      host.records,
      (r) => r.filter((x) => x.fn === 'slow' && x.phase === 'end').length >= 2,
      20_000,
      'two complete slow runs',
    );
    const slow = records.filter((x) => x.fn === 'slow').map((x) => x.phase);
    // Strictly alternating start/end: a second run never began while one was in progress.
    for (let i = 0; i < slow.length; i++) expect(slow[i]).toBe(i % 2 === 0 ? 'start' : 'end');
    expect(host.output()).toMatch(/Timer 'slow' is still running; skipping the run due at/);
  });

  it('retries a failing timer per its retry policy, with retryContext', async () => {
    const records = await eventually(
      host.records,
      (r) => r.filter((x) => x.fn === 'flaky').length >= 3,
      15_000,
      'three flaky attempts',
    );
    const attempts = records.filter((x) => x.fn === 'flaky');
    expect(attempts.map((x) => x.retryCount)).toEqual([0, 1, 2]);
    expect(attempts.every((x) => x.maxRetryCount === 3)).toBe(true);
    expect(host.output()).toContain("Retrying 'Functions.flaky' (retry 1 of 3) in 1000ms");
    expect(host.output()).toContain("Retrying 'Functions.flaky' (retry 2 of 3) in 1000ms");
    expect(host.output()).not.toContain('(retry 3 of 3)');
  });

  it('runs a timer now through the admin endpoint', async () => {
    const before = host.records().filter((x) => x.fn === 'startup').length;
    const res = await fetch(`${host.url}/admin/functions/startup`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(202);
    await eventually(host.records, (r) => r.filter((x) => x.fn === 'startup').length === before + 1, 5000, 'admin run');
  });
});

describe('local host: invalid NCRONTAB schedules are rejected at start', () => {
  const cases: [string, string, RegExp][] = [
    ['five fields', '0 */5 * * *', /expected 6 fields/],
    ['day-of-week 7', '0 0 0 * * 7', /day-of-week field '7': 7 is outside 0-6/],
    ['garbage', 'every tuesday please', /expected 6 fields/],
    ['garbage in a field', '0 0 x * * *', /hour field 'x'/],
    ['a Quartz L', '0 0 0 L * *', /'\?', 'L', 'W' and '#' are not supported/],
  ];

  it.each(cases)('%s', async (_label, schedule, reason) => {
    const child = spawnNode(HOST_CLI, ['--app-dir', path.join(FIXTURES, 'bad-timer-app'), '--port', '0'], {
      env: { ...process.env, BAD_SCHEDULE: schedule },
    });
    try {
      expect(await exitCode(child.child)).toBe(1);
      const out = child.output();
      expect(out).toContain(`Function "nightlyReport": invalid schedule '${schedule}'`);
      expect(out).toMatch(reason);
      expect(out).not.toContain('listening');
    } finally {
      await child.stop();
    }
  });

  it('names an app setting the schedule refers to but that is missing', async () => {
    const env = { ...process.env };
    delete env.BAD_SCHEDULE;
    const child = spawnNode(HOST_CLI, ['--app-dir', path.join(FIXTURES, 'bad-timer-app'), '--port', '0'], { env });
    try {
      expect(await exitCode(child.child)).toBe(1);
      expect(child.output()).toContain(
        `Function "nightlyReport": schedule '%BAD_SCHEDULE%': app setting 'BAD_SCHEDULE' is not set`,
      );
    } finally {
      await child.stop();
    }
  });
});
