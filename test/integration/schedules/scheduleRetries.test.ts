/**
 * Scheduled messages that take a minute: sends retried after ACS errors, a send that hangs, a recurrence. They run
 * at once, each in its own thread with its faults scoped to that thread, at the default SCHEDULE_DISPATCH_CRON.
 */
import { startAppStack, type AppStack } from '../../support/appStack';
import { eventually } from '../../support/processes';
import {
  duplicatesOf,
  inSeconds,
  scheduleApi,
  sendingIdle,
  sentBy,
  threadWithMember,
  type ScheduleBody,
  type ThreadWithMember,
} from '../../support/schedules';

interface Started {
  thread: ThreadWithMember;
  created: ScheduleBody;
}

describe('scheduled messages: ACS retries, a hung send and a recurrence, side by side', () => {
  let stack: AppStack;
  let api: ReturnType<typeof scheduleApi>;
  let recurring: Started;
  let transient: Started;
  let hung: Started;

  beforeAll(async () => {
    stack = await startAppStack();
    api = scheduleApi(stack);
    const [r, t, h] = (await Promise.all(
      ['Recurring', 'Transient', 'Hung'].map((topic) => threadWithMember(stack, topic)),
    )) as [ThreadWithMember, ThreadWithMember, ThreadWithMember];
    // At most once a minute is allowed: at the second 5 s from now, twice, then it completes.
    const second = new Date(Date.now() + 5_000).getUTCSeconds();
    recurring = {
      thread: r,
      created: await api.create(r.threadId, { content: 'tick', cron: `${second} * * * * *`, maxOccurrences: 2 }),
    };
    await stack.admin.addFault({
      kind: 'status',
      operation: 'SendChatMessage',
      threadId: t.threadId,
      status: 503,
      count: 2,
    });
    transient = {
      thread: t,
      created: await api.create(t.threadId, { content: 'after two 503s', sendAt: inSeconds(2) }),
    };
    // ACS takes 25 s to answer this one send: the sender gives up at 20 s, not knowing whether it was posted.
    await stack.admin.addFault({
      kind: 'latency',
      operation: 'SendChatMessage',
      threadId: h.threadId,
      latencyMs: 25_000,
      count: 1,
    });
    hung = { thread: h, created: await api.create(h.threadId, { content: 'slow', sendAt: inSeconds(2) }) };
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('transient ACS errors are retried later: the message arrives once', async () => {
    // A 503 may come with the message posted: each retry first waits 30 s for ACS to settle, then looks for it.
    await api.reaches(transient.created.scheduleId, 'completed', 150_000);
    expect((await sentBy(transient.thread, transient.created.scheduleId)).map((m) => m.content)).toEqual([
      'after two 503s',
    ]);
  }, 180_000);

  it('a send that hangs past its timeout is abandoned, then found in the thread, not posted twice', async () => {
    await api.reaches(hung.created.scheduleId, 'completed', 150_000);
    await sendingIdle(stack);
    const messages = await sentBy(hung.thread, hung.created.scheduleId);
    expect(messages.map((m) => m.content)).toEqual(['slow']);
    expect((await api.read(hung.created.scheduleId)).lastMessageId).toBe(messages[0]?.id);
  }, 180_000);

  it('a recurring schedule sends exactly one message per occurrence, each on time, then completes', async () => {
    const done = await api.reaches(recurring.created.scheduleId, 'completed', 150_000);
    await sendingIdle(stack); // nothing left in progress that could still post a late duplicate
    const messages = await sentBy(recurring.thread, recurring.created.scheduleId);
    expect(messages).toHaveLength(2);
    expect(duplicatesOf(messages)).toEqual([]);
    const occurrences = messages.map((m) => Date.parse(m.occurrence));
    expect(occurrences[0]).toBe(Date.parse(recurring.created.nextRunAt ?? ''));
    expect((occurrences[1] ?? 0) - (occurrences[0] ?? 0)).toBe(60_000);
    for (const [i, m] of messages.entries()) {
      const late = m.createdOn.getTime() - (occurrences[i] ?? 0);
      expect(late).toBeGreaterThanOrEqual(0); // never early (createdOn is truncated to the second, as in ACS)
      expect(late).toBeLessThanOrEqual(2_000);
    }
    expect(done).toMatchObject({ occurrencesSent: 2, occurrencesSkipped: 0 });
    expect(done.messages.map((m) => m.messageId)).toEqual(messages.map((m) => m.id));
  }, 180_000);

  it('each tick logs due, sent, deferred and failed, and the oldest lateness', async () => {
    const line =
      /Scheduled messages: \d+ due, \d+ dispatched \(\d+ ahead of their due time\), \d+ deferred; since last tick \d+ sent, \d+ failed, \d+ dropped; oldest lateness \d+ ms/;
    // The tests before took over a minute, so a tick has run; the wait only covers a slow start.
    await eventually(() => line.test(stack.host.output()), Boolean, 70_000, 'a dispatcher tick');
  }, 90_000);
});
