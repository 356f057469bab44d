/**
 * The nightly archive through its real triggers: a fast ARCHIVE_CRON makes the host's timer list the service
 * user's threads and queue one job per thread; the queue function archives each one.
 */
import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import { eventually } from '../../support/processes';
import {
  createThreadWithMember,
  expectedRecord,
  listAll,
  pool,
  readBack,
  sendMessages,
  type ManifestView,
  type SeededThread,
} from './archiveHelpers';

const THREADS = 30;

describe('history archive: the nightly timer', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack({ env: { ARCHIVE_CRON: '*/15 * * * * *' } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it(`archives all ${THREADS} threads of the service user through the queue`, async () => {
    const threads: SeededThread[] = await pool(THREADS, 5, async (i) => {
      const thread = await createThreadWithMember(stack, `Nightly ${i}`);
      await sendMessages(thread, 10 + i, `n${i}`);
      return thread;
    });
    const expected = new Map<string, number>();
    for (const t of threads) expected.set(t.threadId, (await listAll(t.member.chat)).length);

    // Every thread archived by a timer-queued run, up to the messages sent above.
    const manifests = await eventually(
      () =>
        Promise.all(
          threads.map(async (t) => {
            const res = await stack.api('GET', threadPath(t.threadId, '/archive'));
            return res.status === 200 ? (res.json as ManifestView) : undefined;
          }),
        ),
      (all) =>
        all.every(
          (m) =>
            m !== undefined &&
            m.counts.messages === expected.get(m.threadId) &&
            m.lastRun?.state === 'succeeded' &&
            m.lastRun.runId !== undefined,
        ),
      150_000,
      'every thread archived',
    );
    for (const m of manifests) expect((m as ManifestView).lastRun).toMatchObject({ state: 'succeeded' });
    const triggers = await Promise.all(
      threads.map(async (t) => {
        const res = await stack.api('GET', threadPath(t.threadId, '/archive'));
        return (res.json as { lastRun: { trigger: string } }).lastRun.trigger;
      }),
    );
    expect(new Set(triggers)).toEqual(new Set(['timer']));
    // Spot-check the content of a few.
    for (const t of [threads[0], threads[14], threads[29]] as SeededThread[]) {
      const listed = (await listAll(t.member.chat)).reverse();
      expect(await readBack(stack, t.threadId, '?includeSystem=true')).toEqual(listed.map(expectedRecord));
    }
  }, 300_000);
});
