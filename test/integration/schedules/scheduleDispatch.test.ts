import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import { eventually } from '../../support/processes';
import {
  FAST_DISPATCH_ENV,
  duplicatesOf,
  inSeconds,
  scheduledMessages,
  sendingIdle,
  threadWithMember,
  type ThreadWithMember,
} from '../../support/schedules';

interface ScheduleBody {
  scheduleId: string;
  state: string;
  nextRunAt?: string;
  lastMessageId?: string;
  occurrencesSent: number;
  messages: { occurrence: string; messageId: string }[];
  failure?: { code: string; message: string };
}

describe('scheduled messages: dispatch through the local host', () => {
  let stack: AppStack;
  let thread: ThreadWithMember;

  beforeAll(async () => {
    stack = await startAppStack({ env: FAST_DISPATCH_ENV });
    thread = await threadWithMember(stack);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const schedule = async (body: object, threadId = thread.threadId): Promise<ScheduleBody> => {
    const res = await stack.api('POST', threadPath(threadId, '/schedules'), body);
    expect(res.status).toBe(201);
    return res.json as ScheduleBody;
  };
  const read = async (id: string): Promise<ScheduleBody> =>
    (await stack.api('GET', `/api/schedules/${id}`)).json as ScheduleBody;

  it('a one-off at now+3 s arrives once, with its metadata, and the schedule completes with the message id', async () => {
    const created = await schedule({ content: 'in three seconds', sendAt: inSeconds(3), metadata: { origin: 'test' } });
    expect(created.state).toBe('active');

    const done = await eventually(
      () => read(created.scheduleId),
      (s) => s.state === 'completed',
      60_000,
      'completed',
    );
    const messages = (await scheduledMessages(thread)).filter((m) => m.scheduleId === created.scheduleId);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.content).toBe('in three seconds');
    expect(message?.metadata).toEqual({
      origin: 'test',
      scheduleId: created.scheduleId,
      scheduleOccurrence: created.nextRunAt,
    });
    expect(done).toMatchObject({ lastMessageId: message?.id, occurrencesSent: 1 });
    expect(done.messages).toEqual([expect.objectContaining({ occurrence: created.nextRunAt, messageId: message?.id })]);
    expect(done.nextRunAt).toBeUndefined();
  }, 90_000);

  it('a schedule cancelled before it is due never arrives', async () => {
    const created = await schedule({ content: 'never', sendAt: inSeconds(6) });
    const cancelled = await stack.api('DELETE', `/api/schedules/${created.scheduleId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ state: 'cancelled' });
    // Past its due time the dispatcher finds nothing due or in progress and no send is queued: it cannot arrive now.
    await sendingIdle(stack, { after: Date.parse(created.nextRunAt ?? '') + 1_000 });
    expect((await scheduledMessages(thread)).filter((m) => m.scheduleId === created.scheduleId)).toHaveLength(0);
    expect(await read(created.scheduleId)).toMatchObject({ state: 'cancelled', occurrencesSent: 0 });
  }, 60_000);

  it('an edit before it is due sends the new content', async () => {
    const created = await schedule({ content: 'old text', sendAt: inSeconds(6) });
    const got = await stack.api('GET', `/api/schedules/${created.scheduleId}`);
    const etag = got.headers.get('etag') ?? '';
    const edited = await stack.api(
      'PATCH',
      `/api/schedules/${created.scheduleId}`,
      { content: 'new text' },
      { 'if-match': etag },
    );
    expect(edited.status).toBe(200);
    await eventually(
      () => read(created.scheduleId),
      (s) => s.state === 'completed',
      60_000,
      'completed',
    );
    const messages = (await scheduledMessages(thread)).filter((m) => m.scheduleId === created.scheduleId);
    expect(messages.map((m) => m.content)).toEqual(['new text']);
  }, 90_000);

  it('a recurring schedule with a short cron sends exactly one message per occurrence', async () => {
    // Once a minute is the shortest recurrence allowed; two occurrences, then it completes.
    const created = await schedule({ content: 'tick', cron: '* * * * *', maxOccurrences: 2 });
    const done = await eventually(
      () => read(created.scheduleId),
      (s) => s.state === 'completed',
      200_000,
      'two occurrences',
    );
    await sendingIdle(stack); // nothing left in progress that could still post a late duplicate
    const messages = (await scheduledMessages(thread)).filter((m) => m.scheduleId === created.scheduleId);
    expect(messages).toHaveLength(2);
    expect(duplicatesOf(messages)).toEqual([]);
    const occurrences = messages.map((m) => m.occurrence);
    expect(new Set(occurrences).size).toBe(2);
    for (const o of occurrences) expect(new Date(o).getUTCSeconds()).toBe(0);
    expect(Date.parse(occurrences[1] ?? '') - Date.parse(occurrences[0] ?? '')).toBe(60_000);
    expect(done).toMatchObject({ occurrencesSent: 2, occurrencesSkipped: 0 });
    expect(done.messages.map((m) => m.messageId)).toEqual(messages.map((m) => m.id));
  }, 240_000);

  it('a deleted thread fails the schedule with the reason', async () => {
    const doomed = await threadWithMember(stack, 'Doomed');
    const created = await schedule({ content: 'too late', sendAt: inSeconds(5) }, doomed.threadId);
    expect((await stack.api('DELETE', threadPath(doomed.threadId))).status).toBe(204);
    const failed = await eventually(
      () => read(created.scheduleId),
      (s) => s.state === 'failed',
      60_000,
      'failed',
    );
    expect(failed.failure).toMatchObject({ code: 'threadNotFound' });
    expect(failed.failure?.message).toContain('no longer exists');
  }, 90_000);

  it('a removed service user fails the schedule with the reason', async () => {
    const other = await threadWithMember(stack, 'Left');
    const created = await schedule({ content: 'nobody to send it', sendAt: inSeconds(5) }, other.threadId);
    // The member removes the app's service user from the thread, as any member may.
    const client = other.member.getChatThreadClient(other.threadId);
    let serviceUser: string | undefined;
    for await (const p of client.listParticipants()) {
      const id = (p.id as { communicationUserId?: string }).communicationUserId;
      if (p.displayName && id) serviceUser = id;
    }
    expect(serviceUser).toBeDefined();
    await client.removeParticipant({ communicationUserId: serviceUser as string });
    const failed = await eventually(
      () => read(created.scheduleId),
      (s) => s.state === 'failed',
      60_000,
      'failed',
    );
    expect(failed.failure).toMatchObject({ code: 'serviceUserNotMember' });
  }, 90_000);

  it('transient ACS errors are retried later: the message arrives once', async () => {
    await stack.admin.addFault({ kind: 'status', operation: 'SendChatMessage', status: 503, count: 2 });
    const created = await schedule({ content: 'after two 503s', sendAt: inSeconds(2) });
    // A 503 may come with the message posted: each retry first waits 30 s for ACS to settle, then looks for it.
    await eventually(
      () => read(created.scheduleId),
      (s) => s.state === 'completed',
      150_000,
      'completed',
    );
    const messages = (await scheduledMessages(thread)).filter((m) => m.scheduleId === created.scheduleId);
    expect(messages.map((m) => m.content)).toEqual(['after two 503s']);
  }, 180_000);

  it('a send that hangs past its timeout is abandoned, then found in the thread, not posted twice', async () => {
    // ACS takes 25 s to answer this one send: the sender gives up at 20 s, not knowing whether it was posted.
    await stack.admin.addFault({ kind: 'latency', operation: 'SendChatMessage', latencyMs: 25_000, count: 1 });
    const created = await schedule({ content: 'slow', sendAt: inSeconds(2) });
    await eventually(
      () => read(created.scheduleId),
      (s) => s.state === 'completed',
      150_000,
      'completed',
    );
    await sendingIdle(stack);
    const messages = (await scheduledMessages(thread)).filter((m) => m.scheduleId === created.scheduleId);
    expect(messages.map((m) => m.content)).toEqual(['slow']);
    expect((await read(created.scheduleId)).lastMessageId).toBe(messages[0]?.id);
  }, 180_000);

  it('each tick logs due, sent, deferred and failed, and the oldest lateness', () => {
    expect(stack.host.output()).toMatch(
      /Scheduled messages: \d+ due, \d+ dispatched, \d+ deferred; since last tick \d+ sent, \d+ failed, \d+ dropped; oldest lateness \d+ ms/,
    );
  });
});
