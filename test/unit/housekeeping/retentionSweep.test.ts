/** Retention against real Table storage (Azurite): what is deleted, what stays. */
import { TableClient } from '@azure/data-tables';
import { runKeyOf, tableRunLog } from '../../../src/archive/runLog';
import { RetentionSweep } from '../../../src/housekeeping/retentionSweep';
import { tableIdempotencyStore } from '../../../src/idempotency/idempotencyStore';
import { tableJobStore } from '../../../src/participants/jobStore';
import { tableScheduleStore } from '../../../src/schedules/scheduleStore';
import { startAzurite, type TestAzurite } from '../../support/azurite';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-05T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('RetentionSweep', () => {
  let azurite: TestAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  const table = (name: string) =>
    TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  const keysOf = async (t: TableClient) => {
    const keys: string[] = [];
    for await (const e of t.listEntities()) keys.push(`${e.partitionKey}/${e.rowKey}`);
    return keys.sort();
  };

  it('deletes expired keys and records past RETENTION_DAYS, and keeps the rest', async () => {
    const [idem, schedules, jobs, runs] = ['retidem', 'retschedules', 'retjobs', 'retruns'].map(table) as [
      TableClient,
      TableClient,
      TableClient,
      TableClient,
    ];
    await Promise.all([idem, schedules, jobs, runs].map((t) => t.createTable()));

    // Idempotency keys: one answered two days ago (expired after 24 h), one answered just now.
    let clock = NOW - 2 * DAY;
    const store = tableIdempotencyStore(idem, { now: () => clock });
    const old = await store.claim('threads', 'old', 'fp');
    if (old.kind === 'claimed') await old.complete({ status: 201, body: {} });
    clock = NOW;
    const fresh = await store.claim('threads', 'fresh', 'fp');
    if (fresh.kind === 'claimed') await fresh.complete({ status: 201, body: {} });

    // Schedules (rows as the store writes them; the filter reads state and updatedAt).
    const scheduleRow = (rowKey: string, state: string, updatedAt: number) => ({
      partitionKey: 'p1',
      rowKey,
      threadId: 't1',
      state,
      updatedAt: iso(updatedAt),
    });
    for (const row of [
      scheduleRow('sch-old-completed', 'completed', NOW - 40 * DAY),
      scheduleRow('sch-old-cancelled', 'cancelled', NOW - 31 * DAY),
      scheduleRow('sch-old-failed', 'failed', NOW - 60 * DAY),
      scheduleRow('sch-old-active', 'active', NOW - 90 * DAY),
      scheduleRow('sch-recent-completed', 'completed', NOW - 29 * DAY),
      { partitionKey: 'p1', rowKey: '~thread', threadId: 't1', inserts: 5 },
    ]) {
      await schedules.createEntity(row);
    }

    // Jobs: the job row ('~job') and its participant rows share the job's partition.
    const job = (jobId: string, state: string, updatedAt: number) => [
      { partitionKey: jobId, rowKey: '~job', threadId: 't1', state, round: 1, updatedAt: iso(updatedAt) },
      { partitionKey: jobId, rowKey: '8:acs:a', status: 'added' },
      { partitionKey: jobId, rowKey: '8:acs:b', status: 'failed' },
    ];
    for (const row of [
      ...job('job-old-done', 'completed', NOW - 45 * DAY),
      ...job('job-old-running', 'running', NOW - 45 * DAY),
      ...job('job-recent-done', 'completed', NOW - DAY),
    ]) {
      await jobs.createEntity(row);
    }

    // Archive runs: thread A ran three times long ago (its latest stays), thread B recently.
    const runLog = tableRunLog(runs);
    const run = async (threadId: string, runId: string, at: number) =>
      runLog.add({
        runId,
        threadId,
        trigger: 'timer',
        state: 'succeeded',
        queuedAt: iso(at),
        finishedAt: iso(at + 60_000),
      });
    await run('thread-a', 'a1', NOW - 50 * DAY);
    await run('thread-a', 'a2', NOW - 40 * DAY);
    const a3 = await run('thread-a', 'a3', NOW - 35 * DAY);
    const b1 = await run('thread-b', 'b1', NOW - 2 * DAY);

    const sweep = new RetentionSweep({
      keys: tableIdempotencyStore(idem, { now: () => NOW }),
      schedules: tableScheduleStore(schedules),
      jobs: tableJobStore(jobs),
      runs: runLog,
      retentionDays: 30,
      now: () => NOW,
    });
    expect(await sweep.run()).toEqual({ idempotencyKeys: 1, schedules: 3, participantJobs: 1, archiveRuns: 2 });

    expect(await keysOf(idem)).toHaveLength(1);
    expect(await keysOf(schedules)).toEqual(['p1/sch-old-active', 'p1/sch-recent-completed', 'p1/~thread']);
    expect(await keysOf(jobs)).toEqual([
      'job-old-running/8:acs:a',
      'job-old-running/8:acs:b',
      'job-old-running/~job',
      'job-recent-done/8:acs:a',
      'job-recent-done/8:acs:b',
      'job-recent-done/~job',
    ]);
    expect(await keysOf(runs)).toEqual([`thread-a/${a3}`, `thread-b/${b1}`].sort());
    expect(runKeyOf('a3', new Date(NOW - 35 * DAY))).toBe(a3);

    // A second run finds nothing more.
    expect(await sweep.run()).toEqual({ idempotencyKeys: 0, schedules: 0, participantJobs: 0, archiveRuns: 0 });
  });

  it('deletes at most maxPerRun of each kind per run', async () => {
    const schedules = table('retbounded');
    await schedules.createTable();
    for (let i = 0; i < 5; i++) {
      await schedules.createEntity({
        partitionKey: 'p',
        rowKey: `sch-${i}`,
        state: 'completed',
        updatedAt: iso(NOW - 40 * DAY),
      });
    }
    const none = { pruneFinished: async () => 0, pruneCompleted: async () => 0 };
    const sweep = new RetentionSweep({
      keys: { pruneExpired: async () => 0 },
      schedules: tableScheduleStore(schedules),
      jobs: none,
      runs: none,
      retentionDays: 30,
      maxPerRun: 2,
      now: () => NOW,
    });
    expect((await sweep.run()).schedules).toBe(2);
    expect((await sweep.run()).schedules).toBe(2);
    expect((await sweep.run()).schedules).toBe(1);
  });
});
