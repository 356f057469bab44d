import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import { testHostKind } from '../../support/hostKind';
import { eventually } from '../../support/processes';
import {
  FAST_DISPATCH_ENV,
  duplicatesOf,
  scheduledMessages,
  sendingIdle,
  threadWithMember,
  type ScheduledMessage,
  type ThreadWithMember,
} from '../../support/schedules';

const THREADS = 50;
const PER_THREAD = 10;
const TOTAL = THREADS * PER_THREAD;

describe('scheduled messages: kill -9 of the host mid-dispatch', () => {
  let stack: AppStack;
  let threads: ThreadWithMember[];

  beforeAll(async () => {
    stack = await startAppStack({ env: FAST_DISPATCH_ENV });
    threads = [];
    for (let i = 0; i < THREADS; i += 10) {
      threads.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => threadWithMember(stack, `T${i + j}`)))));
    }
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('500 due schedules, host killed while sending, then restarted: 500 messages, none twice, none lost', async () => {
    const dueAt = new Date(Date.now() + 30_000).toISOString();
    const ids: string[] = [];
    await Promise.all(
      threads.map(async (t, i) => {
        for (let j = 0; j < PER_THREAD; j++) {
          const res = await stack.api('POST', threadPath(t.threadId, '/schedules'), {
            content: `t${i} m${j}`,
            sendAt: dueAt,
          });
          expect(res.status).toBe(201);
          ids.push((res.json as { scheduleId: string }).scheduleId);
        }
      }),
    );
    expect(Date.now()).toBeLessThan(Date.parse(dueAt));

    // Slow sends keep many in flight, so the kill lands mid-dispatch and some are posted by ACS after it.
    await stack.admin.addFault({ kind: 'latency', operation: 'SendChatMessage', latencyMs: 2_000 });
    const baseline = (await stack.admin.state()).messages;
    const sentSoFar = async (): Promise<number> => (await stack.admin.state()).messages - baseline;
    // Probe from the due time on, at full rate: the kill must land soon after the first sends.
    await new Promise((resolve) => setTimeout(resolve, Date.parse(dueAt) - Date.now()));
    const atKill = await eventually(sentSoFar, (n) => n >= 40, 120_000, 'the first sends');
    await stack.restartHost({ kill: true });
    const afterKill = await sentSoFar();
    expect(atKill).toBeLessThan(TOTAL);
    await stack.admin.clearFaults();

    await eventually(sentSoFar, (n) => n >= TOTAL, 300_000, `${TOTAL} messages`);
    // The killed host's claims expire and what it held is handed out again. Once every occurrence has finished, no
    // late duplicate can be posted: the local host's lease frees the killed host's messages within 30 s, and the
    // queue drains; the runtime keeps them invisible about 10 minutes, and then they are duplicates the sender skips.
    await sendingIdle(stack, { timeoutMs: 300_000, queue: testHostKind() === 'functions' ? 'ignored' : 'drained' });
    const all: ScheduledMessage[] = (await Promise.all(threads.map((t) => scheduledMessages(t)))).flat();
    expect(await sentSoFar()).toBe(TOTAL);
    expect(all).toHaveLength(TOTAL);
    expect(duplicatesOf(all)).toEqual([]);
    expect(new Set(all.map((m) => m.scheduleId))).toEqual(new Set(ids));

    // Messages ACS posted after the kill are recorded once their send lease has passed (found by metadata).
    const stateCounts = async (): Promise<Record<string, number>> => {
      const states: Record<string, number> = {};
      for (const t of threads) {
        const page = await stack.api('GET', threadPath(t.threadId, '/schedules?pageSize=100'));
        for (const s of (page.json as { schedules: { state: string }[] }).schedules) {
          states[s.state] = (states[s.state] ?? 0) + 1;
        }
      }
      return states;
    };
    expect(await eventually(stateCounts, (s) => s['completed'] === TOTAL, 300_000, 'all completed')).toEqual({
      completed: TOTAL,
    });
    // Recording them sent nothing more.
    expect(await sentSoFar()).toBe(TOTAL);
    const recovered = [...stack.host.output().matchAll(/\((\d+) found already posted\)/g)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    process.stdout.write(
      `kill -9 at ${atKill} messages sent (${afterKill} just after); the new host recorded ${recovered} it found already posted\n`,
    );
  }, 600_000);
});
