/**
 * The archive under the ACS list-messages limits: with the emulator enforcing the real rate limits and the service
 * user's budget for the thread already used up, a run waits out the 429s (Retry-After) and still archives every
 * message once; injected 429s without Retry-After and 503s are retried with backoff the same way.
 */
import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import {
  archiveNow,
  createThreadWithMember,
  expectedRecord,
  listAll,
  readBack,
  sendMessages,
  verifyStoredArchive,
  waitForRun,
} from './archiveHelpers';

describe('history archive: ACS limits', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.admin.setThrottling(false).catch(() => undefined);
    await stack?.stop();
  });

  it('waits out throttling (429 + Retry-After) and archives everything once', async () => {
    const thread = await createThreadWithMember(stack, 'Throttled');
    await sendMessages(thread, 1_000, 't');
    const listed = (await listAll(thread.member.chat)).reverse();

    // Use up the service user's list budget for this thread (50 calls per 10 s), as the app's own identity.
    const props = await stack.api('GET', threadPath(thread.threadId));
    const serviceUserId = (props.json as { createdBy: string }).createdBy;
    const { token } = await stack.identity.getToken({ communicationUserId: serviceUserId }, ['chat']);
    const asService = stack.chatAs(token).getChatThreadClient(thread.threadId);
    await stack.admin.setThrottling(true);
    let throttled: { statusCode?: number } | undefined;
    for (let i = 0; i < 60 && !throttled; i++) {
      try {
        await asService.listMessages({ maxPageSize: 1 }).byPage().next();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 429) throw error;
        throttled = error as { statusCode?: number };
      }
    }
    expect(throttled?.statusCode).toBe(429);

    const runId = await archiveNow(stack, thread.threadId);
    const done = await waitForRun(stack, thread.threadId, runId, 120_000);
    await stack.admin.setThrottling(false);
    expect(done.lastRun).toMatchObject({ state: 'succeeded', newMessages: listed.length });
    expect(await verifyStoredArchive(stack, thread.threadId)).toHaveLength(listed.length);
    expect(await readBack(stack, thread.threadId, '?includeSystem=true')).toEqual(listed.map(expectedRecord));
  }, 240_000);

  it('retries 429 without Retry-After and 503 page by page', async () => {
    const thread = await createThreadWithMember(stack, 'Faulty');
    await sendMessages(thread, 700, 'f');
    const listed = (await listAll(thread.member.chat)).reverse();
    const faults = [
      await stack.admin.addFault({ kind: 'status', operation: 'ListChatMessages', status: 429, count: 2 }),
      await stack.admin.addFault({ kind: 'status', operation: 'ListChatMessages', status: 503, count: 2 }),
    ];
    const done = await waitForRun(stack, thread.threadId, await archiveNow(stack, thread.threadId));
    for (const f of faults) expect(await stack.admin.fault(f.id)).toBeUndefined(); // used up
    expect(done.lastRun).toMatchObject({ state: 'succeeded', newMessages: listed.length });
    expect(await verifyStoredArchive(stack, thread.threadId)).toHaveLength(listed.length);
    expect(await readBack(stack, thread.threadId, '?includeSystem=true')).toEqual(listed.map(expectedRecord));
  }, 120_000);
});
