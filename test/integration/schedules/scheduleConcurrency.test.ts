import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import type { HostProcess } from '../../support/hostProcess';
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

const THREADS = 20;
const PER_THREAD = 10;

async function post(host: HostProcess, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${host.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

describe('scheduled messages: two host processes dispatching at once on the same storage', () => {
  let stack: AppStack;
  let second: HostProcess;
  let threads: ThreadWithMember[];

  beforeAll(async () => {
    stack = await startAppStack({ env: FAST_DISPATCH_ENV });
    second = await stack.startHost();
    threads = [];
    for (let i = 0; i < THREADS; i++) threads.push(await threadWithMember(stack, `Busy ${i}`));
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('200 schedules due at the same instant: 200 messages, none twice', async () => {
    const dueAt = new Date(Date.now() + 25_000).toISOString();
    const ids: string[] = [];
    await Promise.all(
      threads.map(async (t, i) => {
        for (let j = 0; j < PER_THREAD; j++) {
          // Created through both hosts, as clients of a scaled-out app would.
          const host = (i + j) % 2 === 0 ? stack.host : second;
          const res = await post(host, threadPath(t.threadId, '/schedules'), { content: `t${i} m${j}`, sendAt: dueAt });
          expect(res.status).toBe(201);
          ids.push((res.json as { scheduleId: string }).scheduleId);
        }
      }),
    );
    expect(Date.now()).toBeLessThan(Date.parse(dueAt)); // all were created before they fell due

    const collect = async (): Promise<ScheduledMessage[]> =>
      (await Promise.all(threads.map((t) => scheduledMessages(t)))).flat();
    await eventually(collect, (all) => all.length >= THREADS * PER_THREAD, 180_000, '200 messages');
    await sendingIdle(stack); // nothing due, in progress or queued on the shared storage: no duplicate can follow
    const all = await collect();
    expect(all).toHaveLength(THREADS * PER_THREAD);
    expect(duplicatesOf(all)).toEqual([]);
    expect(new Set(all.map((m) => m.scheduleId))).toEqual(new Set(ids));
    expect(all.every((m) => m.occurrence === dueAt)).toBe(true);

    // Both processes ran the dispatcher over the rows (before their due time too: they are handed out ahead).
    const ticksOverRows = /Scheduled messages: .* [1-9]\d* index rows read/;
    expect(stack.host.output()).toMatch(ticksOverRows);
    expect(second.output()).toMatch(ticksOverRows);
    const sentBy = (h: HostProcess): number =>
      [...h.output().matchAll(/Scheduled sends in \S+: (\d+) sent/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(sentBy(stack.host) + sentBy(second)).toBe(THREADS * PER_THREAD);

    for (const t of threads) {
      const page = await stack.api('GET', threadPath(t.threadId, '/schedules?pageSize=100'));
      const schedules = (page.json as { schedules: { state: string; occurrencesSent: number }[] }).schedules;
      expect(schedules.map((s) => [s.state, s.occurrencesSent])).toEqual(
        Array.from({ length: PER_THREAD }, () => ['completed', 1]),
      );
    }
  }, 300_000);

  it('the per-thread active limit holds across processes', async () => {
    const t = await threadWithMember(stack, 'Limit across hosts');
    // A create that keeps losing the race for the thread's counter is told 409 "retry", and retries, as a client would.
    const create = async (i: number): Promise<{ status: number }> => {
      for (;;) {
        const res = await post(i % 2 === 0 ? stack.host : second, threadPath(t.threadId, '/schedules'), {
          content: `m${i}`,
          sendAt: new Date(Date.now() + 86_400_000).toISOString(),
        });
        if (res.status !== 409) return res;
      }
    };
    const results = await Promise.all(Array.from({ length: 110 }, (_, i) => create(i)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 400)).toHaveLength(10);
  }, 120_000);
});
