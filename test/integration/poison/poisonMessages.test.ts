/**
 * Each queue's poison path, on the host under test: a message the host gave up on (it failed `maxDequeueCount`
 * deliveries, so the host moved it to `<queue>-poison`, as the differential suite shows both hosts do) ends the work
 * it carried visibly, with an error logged. The message is put in the poison queue the way the host leaves it, so
 * the test does not wait through five failing deliveries.
 */
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '@azure/communication-chat';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { runKeyOf, tableRunLog } from '../../../src/archive/runLog';
import { tableJobStore } from '../../../src/participants/jobStore';
import { GAVE_UP_REPLY } from '../../../src/bot/bot';
import { poisonQueueOf, STORAGE_NAMES } from '../../../src/storage/names';
import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import { eventually } from '../../support/processes';
import { queueLength } from '../../support/queues';

describe('poison messages: nothing stays in progress without a word', () => {
  let stack: AppStack;

  beforeAll(async () => {
    stack = await startAppStack();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** Puts `message` in `<queue>-poison` as the host leaves it there (base64 JSON, host.json messageEncoding). */
  async function poison(queue: string, message: unknown): Promise<void> {
    const client = QueueServiceClient.fromConnectionString(stack.azurite.connectionString).getQueueClient(
      poisonQueueOf(queue),
    );
    await client.createIfNotExists();
    await client.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
  }

  /** Waits until the host has handled every message put in `<queue>-poison`. */
  async function poisonHandled(queue: string): Promise<void> {
    await eventually(
      () => queueLength(stack, poisonQueueOf(queue)),
      (n) => n === 0,
      60_000,
      `${poisonQueueOf(queue)} handled`,
    );
  }

  const table = (name: string): TableClient =>
    TableClient.fromConnectionString(stack.azurite.connectionString, name, { allowInsecureConnection: true });

  async function newThread(topic: string): Promise<{ threadId: string; memberId: string; member: AppStackUser }> {
    const member = await stack.newUser();
    const res = await stack.api('POST', '/api/threads', { topic, participants: [{ id: member.id }] });
    expect(res.status).toBe(201);
    return { threadId: (res.json as { threadId: string }).threadId, memberId: member.id, member };
  }

  it('archive-jobs: the run a crashed attempt left running ends failed, saying it was given up', async () => {
    const { threadId } = await newThread('Poisoned archive');
    const runs = tableRunLog(table(STORAGE_NAMES.tables.archiveRuns));
    const queuedAt = new Date();
    const job = { threadId, runId: 'poisoned-run', runKey: runKeyOf('poisoned-run', queuedAt), trigger: 'timer' };
    // What an attempt that died mid-run leaves behind (the queue delivered it again until it gave up).
    await runs.add({
      runId: job.runId,
      threadId,
      trigger: 'timer',
      state: 'running',
      queuedAt: queuedAt.toISOString(),
    });

    await poison(STORAGE_NAMES.queues.archiveJobs, job);
    await poisonHandled(STORAGE_NAMES.queues.archiveJobs);

    const res = await stack.api('GET', threadPath(threadId, '/archive'));
    expect(res.status).toBe(200);
    expect((res.json as { lastRun?: unknown }).lastRun).toMatchObject({
      runId: 'poisoned-run',
      state: 'failed',
      finishedAt: expect.any(String),
      error: expect.stringContaining('failed on every delivery of its queue message'),
    });
    expect(stack.host.output()).toContain(`A ${STORAGE_NAMES.queues.archiveJobs} message failed on every delivery`);
  }, 120_000);

  it('participant-retries: participants still retrying end failed with the reason, and the job completes', async () => {
    const { threadId, memberId } = await newThread('Poisoned retries');
    const jobId = randomUUID();
    const jobs = tableJobStore(table(STORAGE_NAMES.tables.participantJobs));
    const retrying = { status: 'retrying' as const, attempts: 3, nextAttemptAt: new Date().toISOString() };
    // A job the way bulk add leaves it while its background rounds run: one added, two still retrying.
    await jobs.create({ jobId, threadId, createdAt: new Date().toISOString() }, [
      { id: memberId, status: 'added', attempts: 1 },
      { id: '8:acs:poisoned-one', ...retrying },
      { id: '8:acs:poisoned-two', ...retrying },
    ]);

    await poison(STORAGE_NAMES.queues.participantRetries, { jobId, round: 0 });
    await poisonHandled(STORAGE_NAMES.queues.participantRetries);

    const res = await stack.api('GET', threadPath(threadId, `/participants/jobs/${jobId}`));
    expect(res.status).toBe(200);
    const job = res.json as { state: string; participants: { id: string; status: string; error?: unknown }[] };
    expect(job.state).toBe('completed');
    expect(job.participants.find((p) => p.id === memberId)).toMatchObject({ status: 'added' });
    for (const id of ['8:acs:poisoned-one', '8:acs:poisoned-two']) {
      expect(job.participants.find((p) => p.id === id)).toMatchObject({
        status: 'failed',
        error: { code: 'RetriesAbandoned', message: expect.stringContaining('every delivery of its queue message') },
      });
    }
    expect(stack.host.output()).toContain(
      `A ${STORAGE_NAMES.queues.participantRetries} message failed on every delivery`,
    );
  }, 120_000);

  it('schedule-sends: logged and handed out again, not sent early or marked sent; given up after 3, visibly', async () => {
    const { threadId, member } = await newThread('Poisoned sends');
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await stack.api('POST', threadPath(threadId, '/schedules'), { content: 'later', sendAt });
    expect(created.status).toBe(201);
    const { scheduleId } = created.json as { scheduleId: string };
    const said = `A ${STORAGE_NAMES.queues.scheduleSends} message failed on every delivery and was given up: scheduled messages in ${threadId}: ${scheduleId}@${sendAt}`;
    const poisonOnce = async (): Promise<void> => {
      await poison(STORAGE_NAMES.queues.scheduleSends, {
        threadId,
        items: [{ scheduleId, occurrence: sendAt, attempt: 5 }],
      });
      await poisonHandled(STORAGE_NAMES.queues.scheduleSends);
    };
    const read = async (): Promise<{
      state: string;
      nextRunAt?: string;
      failure?: { code: string; message: string };
    }> => (await stack.api('GET', `/api/schedules/${scheduleId}`)).json as { state: string };

    await poisonOnce();
    expect(stack.host.output()).toContain(
      `${said} will be handed out again once its claim expires (poisoned 1 of 3 times)`,
    );
    const view = await read();
    expect({ state: view.state, nextRunAt: Date.parse(view.nextRunAt ?? '') }).toEqual({
      state: 'active',
      nextRunAt: Date.parse(sendAt),
    });

    // The third poisoned hand-out gives the occurrence up instead of handing it out for ever.
    await poisonOnce();
    await poisonOnce();
    expect(stack.host.output()).toContain(`${said} was given up: its schedule is failed (deliveryFailed)`);
    const failed = await read();
    expect(failed).toMatchObject({ state: 'failed', failure: { code: 'deliveryFailed' } });
    expect(failed.failure?.message).toMatch(/failed on every queue delivery of 3 hand-outs/);
    expect(failed.nextRunAt).toBeUndefined();

    const posted: string[] = [];
    for await (const m of member.chat.getChatThreadClient(threadId).listMessages())
      if (m.type === 'text') posted.push(m.content?.message ?? '');
    expect(posted).toEqual([]);
  }, 120_000);

  it('bot-commands: the user is told once that the command could not be carried out', async () => {
    const { threadId, member } = await newThread('Poisoned command');
    const thread = member.chat.getChatThreadClient(threadId);
    const { id: messageId } = await thread.sendMessage({ content: '/help' });
    const command = {
      threadId,
      messageId,
      senderId: member.id,
      body: '/help',
      type: 'text',
      postedAt: new Date().toISOString(),
    };
    const replies = async (): Promise<ChatMessage[]> => {
      const out: ChatMessage[] = [];
      for await (const m of thread.listMessages()) if (m.metadata?.['replyTo'] === messageId) out.push(m);
      return out;
    };

    await poison(STORAGE_NAMES.queues.botCommands, command);
    await poisonHandled(STORAGE_NAMES.queues.botCommands);
    const first = await replies();
    expect(first.map((m) => m.content?.message)).toEqual([GAVE_UP_REPLY]);
    expect(stack.host.output()).toContain(`A ${STORAGE_NAMES.queues.botCommands} message failed on every delivery`);

    // The same message given up twice (a poison message delivered again): still one reply.
    await poison(STORAGE_NAMES.queues.botCommands, command);
    await poisonHandled(STORAGE_NAMES.queues.botCommands);
    expect((await replies()).map((m) => m.id)).toEqual(first.map((m) => m.id));
  }, 120_000);
});

type AppStackUser = Awaited<ReturnType<AppStack['newUser']>>;
