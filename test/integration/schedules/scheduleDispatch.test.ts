/**
 * Scheduled messages through a host at the default SCHEDULE_DISPATCH_CRON (every minute): what falls due before
 * the next tick is sent at its due time, not at the tick. The scenarios that take a minute (ACS retries, a
 * recurrence) are in scheduleRetries.test.ts, so the two files run side by side.
 */
import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import {
  inSeconds,
  nextWholeSecond,
  scheduleApi,
  sendingIdle,
  sentBy,
  threadWithMember,
  type ThreadWithMember,
} from '../../support/schedules';

describe('scheduled messages: sent on time at the default dispatcher cron (every minute)', () => {
  let stack: AppStack;
  let thread: ThreadWithMember;
  let api: ReturnType<typeof scheduleApi>;

  beforeAll(async () => {
    stack = await startAppStack(); // SCHEDULE_DISPATCH_CRON at its default
    api = scheduleApi(stack);
    thread = await threadWithMember(stack);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('a one-off due 5 s ahead is posted 4.5 to 7 s later, not at the next tick; once, with its metadata', async () => {
    const asked = await nextWholeSecond();
    const sendAt = new Date(asked + 5_000).toISOString();
    const created = await api.create(thread.threadId, {
      content: 'in five seconds',
      sendAt,
      metadata: { origin: 'test' },
    });
    expect(created.state).toBe('active');

    const done = await api.reaches(created.scheduleId, 'completed', 30_000);
    const messages = await sentBy(thread, created.scheduleId);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    const postedAfter = (message?.createdOn.getTime() ?? 0) - asked;
    expect(postedAfter).toBeGreaterThanOrEqual(5_000); // not early (see nextWholeSecond), so 4.5 s at the least
    expect(postedAfter).toBeLessThanOrEqual(7_000);
    expect(message?.content).toBe('in five seconds');
    expect(message?.metadata).toEqual({
      origin: 'test',
      scheduleId: created.scheduleId,
      scheduleOccurrence: created.nextRunAt,
    });
    expect(done).toMatchObject({ lastMessageId: message?.id, occurrencesSent: 1 });
    expect(done.messages).toEqual([expect.objectContaining({ occurrence: created.nextRunAt, messageId: message?.id })]);
    expect(done.nextRunAt).toBeUndefined();
  }, 60_000);

  it('an edit that moves a schedule earlier sends it at the new time', async () => {
    const created = await api.create(thread.threadId, { content: 'moved', sendAt: inSeconds(120) }); // after the next tick
    const got = await stack.api('GET', `/api/schedules/${created.scheduleId}`);
    const asked = await nextWholeSecond();
    const edited = await stack.api(
      'PATCH',
      `/api/schedules/${created.scheduleId}`,
      { sendAt: new Date(asked + 3_000).toISOString() },
      { 'if-match': got.headers.get('etag') ?? '' },
    );
    expect(edited.status).toBe(200);
    await api.reaches(created.scheduleId, 'completed', 30_000);
    const messages = await sentBy(thread, created.scheduleId);
    expect(messages).toHaveLength(1);
    const postedAfter = (messages[0]?.createdOn.getTime() ?? 0) - asked;
    expect(postedAfter).toBeGreaterThanOrEqual(3_000);
    expect(postedAfter).toBeLessThanOrEqual(5_000);
    await sendingIdle(stack); // the occurrence it replaced is gone from the index: nothing more can come
    expect(await sentBy(thread, created.scheduleId)).toHaveLength(1);
  }, 60_000);

  it('a schedule cancelled before it is due never arrives', async () => {
    const created = await api.create(thread.threadId, { content: 'never', sendAt: inSeconds(4) });
    const cancelled = await stack.api('DELETE', `/api/schedules/${created.scheduleId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ state: 'cancelled' });
    // Past its due time nothing is due or in progress and no send is queued: it cannot arrive now.
    await sendingIdle(stack, { after: Date.parse(created.nextRunAt ?? '') + 1_000 });
    expect(await sentBy(thread, created.scheduleId)).toHaveLength(0);
    expect(await api.read(created.scheduleId)).toMatchObject({ state: 'cancelled', occurrencesSent: 0 });
  }, 60_000);

  it('an edit before it is due sends the new content', async () => {
    const created = await api.create(thread.threadId, { content: 'old text', sendAt: inSeconds(4) });
    const got = await stack.api('GET', `/api/schedules/${created.scheduleId}`);
    const edited = await stack.api(
      'PATCH',
      `/api/schedules/${created.scheduleId}`,
      { content: 'new text' },
      { 'if-match': got.headers.get('etag') ?? '' },
    );
    expect(edited.status).toBe(200);
    await api.reaches(created.scheduleId);
    expect((await sentBy(thread, created.scheduleId)).map((m) => m.content)).toEqual(['new text']);
  }, 60_000);

  it('a deleted thread fails the schedule with the reason', async () => {
    const doomed = await threadWithMember(stack, 'Doomed');
    const created = await api.create(doomed.threadId, { content: 'too late', sendAt: inSeconds(3) });
    expect((await stack.api('DELETE', threadPath(doomed.threadId))).status).toBe(204);
    const failed = await api.reaches(created.scheduleId, 'failed');
    expect(failed.failure).toMatchObject({ code: 'threadNotFound' });
    expect(failed.failure?.message).toContain('no longer exists');
  }, 60_000);

  it('a removed service user fails the schedule with the reason', async () => {
    const other = await threadWithMember(stack, 'Left');
    const created = await api.create(other.threadId, { content: 'nobody to send it', sendAt: inSeconds(3) });
    // The member removes the app's service user from the thread, as any member may.
    const client = other.member.getChatThreadClient(other.threadId);
    let serviceUser: string | undefined;
    for await (const p of client.listParticipants()) {
      const id = (p.id as { communicationUserId?: string }).communicationUserId;
      if (p.displayName && id) serviceUser = id;
    }
    expect(serviceUser).toBeDefined();
    await client.removeParticipant({ communicationUserId: serviceUser as string });
    const failed = await api.reaches(created.scheduleId, 'failed');
    expect(failed.failure).toMatchObject({ code: 'serviceUserNotMember' });
  }, 60_000);
});
