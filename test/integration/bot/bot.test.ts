import type { ChatMessage, ChatThreadClient } from '@azure/communication-chat';
import type { EmulatorEvent } from '../../../emulator/src/events/EmulatorEvent';
import { STORAGE_NAMES } from '../../../src/storage/names';
import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import { eventually } from '../../support/processes';
import { queueLength } from '../../support/queues';
import { sendingIdle } from '../../support/schedules';

/** A user in a thread with the app's bot, posting with its own SDK client and reading the bot's replies. */
interface Conversation {
  threadId: string;
  thread: ChatThreadClient;
  /** Posts `text` and waits for the bot's reply to it; returns the reply's text. */
  command(text: string, type?: 'text' | 'html'): Promise<string>;
  messages(): Promise<ChatMessage[]>;
}

async function converse(stack: AppStack, topic: string): Promise<Conversation> {
  const user = await stack.newUser();
  const created = await stack.api('POST', '/api/threads', {
    topic,
    participants: [{ id: user.id, displayName: 'Ada' }],
  });
  expect(created.status).toBe(201);
  const threadId = (created.json as { threadId: string }).threadId;
  const thread = user.chat.getChatThreadClient(threadId);
  const messages = async (): Promise<ChatMessage[]> => {
    const out: ChatMessage[] = [];
    for await (const m of thread.listMessages()) out.push(m);
    return out;
  };
  return {
    threadId,
    thread,
    messages,
    async command(text, type = 'text') {
      const { id } = await thread.sendMessage({ content: text }, { type, senderDisplayName: 'Ada' });
      const reply = await eventually(
        async () => (await messages()).find((m) => m.metadata?.['replyTo'] === id),
        (m) => m !== undefined,
        30_000,
        `the bot's reply to ${text}`,
      );
      expect(reply?.metadata?.['bot']).toBe('true');
      return reply?.content?.message ?? '';
    },
  };
}

const MARKER = 'marker: not a command';

/**
 * Waits until every chat event published so far has reached the app, chaos copies and retries included, and every
 * command it queued has run: from then on nothing more is posted unless someone posts. The emulator delivers one
 * event at a time, in order; chaos copies an event when it comes up and puts the copy anywhere behind it. So once
 * no original is pending, every copy exists, and a marker message posted then is delivered after all of them.
 */
async function eventsSettled(stack: AppStack, c: Conversation): Promise<void> {
  await eventually(
    () => stack.admin.webhook('app'),
    (w) => w?.pending === 0,
    60_000,
    'every event delivered or dead-lettered',
  );
  const published: EmulatorEvent[] = [];
  const delivered = new Set<string>();
  const stopEvents = stack.emulator.onEvent((e) => published.push(e));
  const stopDeliveries = stack.emulator.onDelivery((d) => {
    if (d.kind === 'delivered' && d.eventId) delivered.add(d.eventId);
  });
  try {
    const { id } = await c.thread.sendMessage({ content: MARKER });
    await eventually(
      () => published.filter((e) => e.data['messageId'] === id && e.eventType.endsWith('ReceivedInThread')),
      (events) => events.length > 0 && events.every((e) => delivered.has(e.id)),
      60_000,
      'the marker delivered',
    );
  } finally {
    stopEvents();
    stopDeliveries();
  }
  await eventually(
    () => queueLength(stack, STORAGE_NAMES.queues.botCommands),
    (n) => n === 0,
    60_000,
    'the bot command queue drained',
  );
}

describe('the chat bot, with ACS events delivered through Event Grid', () => {
  let stack: AppStack;
  beforeAll(async () => {
    // SCHEDULE_DISPATCH_CRON at its default (every minute): "in 3s" is sent on time all the same.
    stack = await startAppStack({ events: { functionName: 'acsChatEvents' } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('confirms /schedule in 3s hello, and hello arrives about 3 s later, once', async () => {
    const c = await converse(stack, 'schedule');
    const postedAt = Date.now();
    const reply = await c.command('/schedule in 3s hello');
    expect(reply).toMatch(/^Scheduled sch-\S+ for \d{4}-\d{2}-\d{2}T/);
    const hello = await eventually(
      async () => (await c.messages()).filter((m) => m.content?.message === 'hello'),
      (found) => found.length > 0,
      30_000,
      'hello',
    );
    const lateness = hello[0]!.createdOn.getTime() - postedAt;
    expect(lateness).toBeGreaterThanOrEqual(2_000); // the real service stamps whole seconds
    expect(lateness).toBeLessThanOrEqual(8_000); // not at the next minute's tick
    await sendingIdle(stack); // nothing due, in progress or queued: a second hello could not come later
    expect((await c.messages()).filter((m) => m.content?.message === 'hello')).toHaveLength(1);
  }, 90_000);

  it('answers every command, and says what was wrong with a malformed one', async () => {
    const c = await converse(stack, 'commands');
    expect(await c.command('/help')).toMatch(/\/schedule <when> <text>[\s\S]*\/every <cron> <text>[\s\S]*\/archive/);
    expect(await c.command('<p><b>/HELP</b></p>', 'html')).toMatch(/^Commands:/);
    expect(await c.command('/dance')).toBe('Unknown command /dance. Try /help.');

    expect(await c.command('/schedule in 3 x')).toMatch(/Could not schedule: "in 3" is not a duration/);
    expect(await c.command('/schedule in 10m')).toMatch(/say what to post after the time/);
    expect(await c.command('/schedule tomorrow x')).toMatch(/"tomorrow" is not a time/);
    expect(await c.command('/schedule 2026-01-01T00:00:00Z too late')).toMatch(/^Could not schedule: sendAt/);
    expect(await c.command('/schedule at 23:59 late call')).toMatch(/^Scheduled sch-/);

    expect(await c.command('/timezone Mars/Olympus')).toMatch(/not an IANA time zone name/);
    expect(await c.command('/timezone Europe/Paris')).toBe('Time zone set to Europe/Paris.');
    expect(await c.command('/timezone')).toMatch(/^Time zone: Europe\/Paris/);

    const every = await c.command('/every 0 30 9 * * 1-5 stand-up');
    expect(every).toMatch(/^Scheduled (sch-\S+) \(0 30 9 \* \* 1-5, Europe\/Paris\); first at /);
    expect(await c.command('/every 0 9 * * * five fields')).toMatch(
      /^Scheduled sch-\S+ \(0 9 \* \* \*, Europe\/Paris\)/,
    );
    expect(await c.command('/every * * * * * * spam')).toMatch(/^Could not schedule: .*minute/);
    expect(await c.command('/every 0 9')).toMatch(/give a cron expression and the text/);

    const listed = await c.command('/schedules');
    const everyId = /^Scheduled (sch-\S+)/.exec(every)?.[1] as string;
    expect(listed).toContain(everyId);
    expect(listed.split('\n')).toHaveLength(4); // the header and three active schedules
    expect(await c.command(`/cancel ${everyId}`)).toBe(`Cancelled ${everyId}.`);
    expect(await c.command('/cancel sch-nope')).toMatch(/^Could not cancel: /);
    expect(await c.command('/cancel')).toMatch(/say which schedule/);
    expect(await c.command('/schedules')).not.toContain(everyId);
    const api = await stack.api('GET', threadPath(c.threadId, '/schedules?state=active'));
    expect((api.json as { schedules: { scheduleId: string }[] }).schedules.map((s) => s.scheduleId)).not.toContain(
      everyId,
    );

    expect(await c.command('/topic Quarterly review')).toBe('Topic changed to "Quarterly review".');
    expect((await c.thread.getProperties()).topic).toBe('Quarterly review');
    expect(await c.command('/topic')).toMatch(/give the new topic/);

    expect(await c.command('/archive')).toMatch(/^Archived: \d+ new messages and \d+ changes/);
    const manifest = await stack.api('GET', threadPath(c.threadId, '/archive'));
    expect(manifest.status).toBe(200);
  }, 180_000);
});

describe('the chat bot when Event Grid delivers 30% of events twice and out of order', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack({ events: { functionName: 'acsChatEvents', chaos: 0.3 } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('gives each command exactly one effect and one reply, and never answers itself', async () => {
    const c = await converse(stack, 'chaos');
    const commands = [
      ...Array.from({ length: 6 }, (_, i) => `/schedule in 2h item-${i}`),
      '/topic First',
      '/timezone America/New_York',
      '/topic Second',
      '/help',
      '/schedules',
      '/dance',
    ];
    const sent: string[] = [];
    for (const text of commands) {
      const { id } = await c.thread.sendMessage({ content: text });
      sent.push(id);
    }
    const all = await eventually(
      () => c.messages(),
      (messages) => sent.every((id) => messages.some((m) => m.metadata?.['replyTo'] === id)),
      60_000,
      'a reply to every command',
    );
    // Every event has now reached the app, copies and retries included, and every command it queued has run: the
    // commands' copies and the events of the bot's own replies (delivered with the same chaos) included.
    await eventsSettled(stack, c);
    const settled = (await c.messages()).filter((m) => m.content?.message !== MARKER);
    for (const id of sent) expect(settled.filter((m) => m.metadata?.['replyTo'] === id)).toHaveLength(1);
    // It ignored the events of its own replies: no reply to a reply, nothing more than before.
    expect(settled.filter((m) => m.metadata?.['bot'] === 'true')).toHaveLength(sent.length);
    expect(settled.length).toBe(all.length);
    const schedules = await stack.api('GET', threadPath(c.threadId, '/schedules?state=active'));
    const listed = (schedules.json as { schedules: { content: string }[] }).schedules.map((s) => s.content).sort();
    expect(listed).toEqual(Array.from({ length: 6 }, (_, i) => `item-${i}`));
    const webhook = await stack.admin.webhook('app');
    expect(webhook?.duplicates).toBeGreaterThan(0);
  }, 180_000);
});
