import { AcsFailure } from '../../../src/acs/acsErrors';
import { Bot, type BotSchedule, type BotSchedules, type CommandJob } from '../../../src/bot/bot';
import { handleChatEvent, type ChatEventDeps } from '../../../src/bot/chatEvents';
import { isValidTimeZone } from '../../../src/cron/timeZone';
import { DomainError } from '../../../src/domainErrors';
import type { Claim, IdempotencyStore } from '../../../src/idempotency/idempotencyStore';
import { FakeChat, SERVICE_USER, userId } from '../../support/fakeChat';

class MemoryClaims implements IdempotencyStore {
  readonly rows = new Map<string, { done?: unknown }>();
  async claim(scope: string, key: string): Promise<Claim> {
    const id = `${scope}|${key}`;
    const row = this.rows.get(id);
    if (row?.done !== undefined) return { kind: 'replay', answer: { status: 200, body: row.done } };
    if (row) throw new DomainError('conflict', 'in flight');
    this.rows.set(id, {});
    return {
      kind: 'claimed',
      takenOver: false,
      firstClaimedAt: Date.now(),
      complete: async (answer) => void this.rows.set(id, { done: answer.body }),
      release: async () => void this.rows.delete(id),
    };
  }
}

class MemorySchedules implements BotSchedules {
  readonly byKey = new Map<string, BotSchedule & { threadId: string; sendAt?: string; timeZone?: string }>();
  async createOnce(
    threadId: string,
    input: { content: string; sendAt?: string; cron?: string; timeZone?: string },
    once: { key: string; at: number },
  ) {
    const key = once.key;
    if (input.cron === '* * * * * *') throw new DomainError('limit', 'cron: recurs more often than once a minute');
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const s = {
      scheduleId: `sch-${this.byKey.size + 1}`,
      state: 'active',
      threadId,
      nextRunAt: input.sendAt ?? '2026-12-02T09:00:00.000Z',
      ...input,
    };
    this.byKey.set(key, s);
    return s;
  }
  async list(threadId: string) {
    return [...this.byKey.values()].filter((s) => s.threadId === threadId);
  }
  async cancel(threadId: string, scheduleId: string) {
    const s = [...this.byKey.values()].find((x) => x.scheduleId === scheduleId && x.threadId === threadId);
    if (!s) throw new DomainError('notFound', `No schedule ${scheduleId} in this thread.`);
    s.state = 'cancelled';
    return s;
  }
}

function setup() {
  const chat = new FakeChat();
  const threadId = '19:t1@thread.v2';
  chat.addThread(threadId);
  chat.thread(threadId).info.topic = 'Old';
  const schedules = new MemorySchedules();
  const zones = new Map<string, string>();
  const archived: string[] = [];
  const settings = {
    timeZone: async (t: string) => zones.get(t),
    setTimeZone: async (t: string, z: string) => void zones.set(t, z),
  };
  const bot = new Bot({
    chat,
    schedules,
    archive: {
      archiveNow: async (t) => (
        archived.push(t),
        { outcome: 'succeeded', newMessages: 42, changes: 3, records: 45, parts: 1 }
      ),
    },
    settings,
    claims: new MemoryClaims(),
    displayName: 'Chat Bot',
    now: () => new Date('2026-12-01T10:00:00Z'),
  });
  let n = 0;
  const job = (body: string, type: 'text' | 'html' = 'text'): CommandJob => ({
    threadId,
    messageId: `m${++n}`,
    senderId: userId(1),
    body,
    type,
    postedAt: '2026-12-01T10:00:00Z',
  });
  const replies = () => chat.thread(threadId).messages.map((m) => m.content.message);
  return { chat, bot, job, replies, schedules, settings, threadId, zones, archived };
}

describe('Bot', () => {
  it('replies once per command, threaded to it and marked as the bot', async () => {
    const { bot, job, chat, threadId } = setup();
    const j = job('/help');
    await bot.run(j);
    await bot.run(j); // the same command delivered again
    const messages = chat.thread(threadId).messages;
    expect(messages).toHaveLength(1);
    expect(messages[0]?.metadata).toEqual({ bot: 'true', replyTo: j.messageId });
    expect(messages[0]?.content.message).toContain('/schedule <when> <text>');
  });

  it('schedules with /schedule and says where each argument went wrong', async () => {
    const { bot, job, replies, schedules } = setup();
    await bot.run(job('/schedule in 3s hello there'));
    expect([...schedules.byKey.values()][0]).toMatchObject({
      content: 'hello there',
      sendAt: '2026-12-01T10:00:03.000Z',
    });
    await bot.run(job('/schedule in 3 hello'));
    await bot.run(job('/schedule in 10m'));
    await bot.run(job('/schedule whenever x'));
    expect(replies().reverse()).toEqual([
      'Scheduled sch-1 for 2026-12-01T10:00:03.000Z.',
      expect.stringMatching(/^Could not schedule: "in 3" is not a duration/),
      expect.stringMatching(/^Could not schedule: say what to post after the time/),
      expect.stringMatching(/^Could not schedule: "whenever" is not a time/),
    ]);
  });

  it('reads `at` in the thread time zone set with /timezone', async () => {
    const { bot, job, replies, schedules } = setup();
    await bot.run(job('/timezone Mars/Olympus'));
    await bot.run(job('/timezone Europe/Paris'));
    await bot.run(job('/schedule at 09:30 standup'));
    expect(replies()[2]).toMatch(/not an IANA time zone name/);
    expect(replies()[1]).toBe('Time zone set to Europe/Paris.');
    expect([...schedules.byKey.values()][0]).toMatchObject({ sendAt: '2026-12-02T09:30:00', timeZone: 'Europe/Paris' });
  });

  it('/timezone accepts exactly the names schedules accept (one rule, src/cron/timeZone.ts)', async () => {
    const names = ['Europe/Paris', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/GMT+5', 'Mars/Olympus', '+02:00'];
    for (const name of names) {
      const { bot, job, replies } = setup();
      await bot.run(job(`/timezone ${name}`));
      const accepted = replies()[0] === `Time zone set to ${name}.`;
      expect({ name, accepted }).toEqual({ name, accepted: isValidTimeZone(name) });
    }
  });

  it('/every takes six fields when they parse, else five, and reports the service refusing', async () => {
    const { bot, job, replies, schedules } = setup();
    await bot.run(job('/every 0 9 * * 1-5 standup now'));
    expect([...schedules.byKey.values()][0]).toMatchObject({
      cron: '0 9 * * 1-5',
      content: 'standup now',
      timeZone: 'UTC',
    });
    await bot.run(job('/every * * * * * * spam'));
    expect(replies()[0]).toMatch(/Could not schedule: cron: recurs more often than once a minute/);
    await bot.run(job('/every 0 9'));
    expect(replies()[0]).toMatch(/give a cron expression and the text/);
  });

  it('/schedules lists, /cancel cancels and names an unknown id', async () => {
    const { bot, job, replies } = setup();
    await bot.run(job('/schedule in 1h a'));
    await bot.run(job('/schedules'));
    expect(replies()[0]).toMatch(/^Schedules:\nsch-1 active next .*: a$/);
    await bot.run(job('/cancel sch-1'));
    expect(replies()[0]).toBe('Cancelled sch-1.');
    await bot.run(job('/cancel sch-9'));
    expect(replies()[0]).toBe('Could not cancel: No schedule sch-9 in this thread.');
    await bot.run(job('/cancel'));
    expect(replies()[0]).toMatch(/say which schedule/);
  });

  it('/topic, /archive, unknown commands, html commands', async () => {
    const { bot, job, replies, chat, threadId, archived } = setup();
    await bot.run(job('<p>/TOPIC   Quarterly&nbsp;review</p>', 'html'));
    expect(chat.thread(threadId).info.topic).toBe('Quarterly review');
    await bot.run(job('/archive'));
    expect(archived).toEqual([threadId]);
    await bot.run(job('/dance'));
    expect(replies().reverse()).toEqual([
      'Topic changed to "Quarterly review".',
      'Archived: 42 new messages and 3 changes (45 records in 1 new part(s)).',
      'Unknown command /dance. Try /help.',
    ]);
  });

  it('lets a transient ACS failure through for a retry, and then replies once', async () => {
    const { bot, job, chat, threadId } = setup();
    const j = job('/topic New');
    const update = chat.updateTopic.bind(chat);
    chat.updateTopic = async () => {
      throw new AcsFailure('transient', 'ACS answered 503', 503);
    };
    await expect(bot.run(j)).rejects.toThrow('503');
    chat.updateTopic = update;
    await bot.run(j);
    expect(chat.thread(threadId).messages.map((m) => m.content.message)).toEqual(['Topic changed to "New".']);
  });

  it('does not read a storage 403 as ACS refusing the service user: it fails the run, for the queue to log', async () => {
    const { bot, job, chat, threadId, zones, settings } = setup();
    const storage403 = Object.assign(new Error('This request is not authorized to perform this operation.'), {
      name: 'RestError',
      statusCode: 403,
      code: 'AuthorizationFailure',
    });
    const j = job('/timezone Europe/Paris');
    settings.setTimeZone = async () => {
      throw storage403;
    };
    await expect(bot.run(j)).rejects.toBe(storage403);
    expect(chat.thread(threadId).messages).toEqual([]); // no "I may not do that in this thread."
    expect(zones.size).toBe(0);
  });

  it('does not answer a bug (a TypeError) as an ACS refusal, nor swallow it', async () => {
    const { bot, job, chat, threadId } = setup();
    const bug = new TypeError("Cannot read properties of undefined (reading 'topic')");
    chat.updateTopic = async () => {
      throw bug;
    };
    await expect(bot.run(job('/topic New'))).rejects.toBe(bug);
    expect(chat.thread(threadId).messages).toEqual([]);
  });
});

describe('handleChatEvent', () => {
  function deps() {
    const seen = new Set<string>();
    const queued: unknown[] = [];
    const noted: string[] = [];
    const d: ChatEventDeps = {
      serviceUserId: async () => SERVICE_USER,
      dedupe: {
        seen: async (id) => seen.has(id),
        remember: async (id) => void seen.add(id),
      },
      commands: { send: async (m) => void queued.push(m) },
      noteChanged: async (t, m) => void noted.push(`${t}/${m}`),
    };
    return { d, queued, noted };
  }
  const received = (id: string, body: string, extra: Record<string, unknown> = {}) => ({
    id,
    eventType: 'Microsoft.Communication.ChatMessageReceivedInThread',
    eventTime: '2026-12-01T10:00:00Z',
    data: {
      threadId: '19:t@thread.v2',
      messageId: '17',
      messageBody: body,
      type: 'Text',
      senderCommunicationIdentifier: { rawId: userId(1), communicationUser: { id: userId(1) } },
      composeTime: '2026-12-01T10:00:00Z',
      metadata: {},
      ...extra,
    },
  });

  it('queues a command once, however often the event comes', async () => {
    const { d, queued } = deps();
    expect(await handleChatEvent(received('e1', '/help'), d)).toEqual({ outcome: 'queued' });
    expect(await handleChatEvent(received('e1', '/help'), d)).toEqual({ outcome: 'duplicate' });
    expect(queued).toEqual([
      {
        threadId: '19:t@thread.v2',
        messageId: '17',
        senderId: userId(1),
        body: '/help',
        type: 'text',
        postedAt: '2026-12-01T10:00:00Z',
      },
    ]);
  });

  it('ignores its own messages, bot-marked ones, plain chat and unknown types', async () => {
    const { d, queued } = deps();
    const self = { senderCommunicationIdentifier: { rawId: SERVICE_USER, communicationUser: { id: SERVICE_USER } } };
    expect((await handleChatEvent(received('a', '/help', self), d)).outcome).toBe('ignored');
    expect((await handleChatEvent(received('b', '/help', { metadata: { bot: 'true' } }), d)).outcome).toBe('ignored');
    expect((await handleChatEvent(received('c', 'hello'), d)).outcome).toBe('ignored');
    expect(
      (await handleChatEvent({ id: 'd', eventType: 'Microsoft.Communication.Unknown', data: {} }, d)).outcome,
    ).toBe('ignored');
    expect(queued).toEqual([]);
  });

  it('notes edits and deletions for the archive', async () => {
    const { d, noted } = deps();
    for (const type of ['Edited', 'Deleted']) {
      await handleChatEvent(
        {
          id: type,
          eventType: `Microsoft.Communication.ChatMessage${type}InThread`,
          data: { threadId: 't', messageId: '9' },
        },
        d,
      );
    }
    expect(noted).toEqual(['t/9', 't/9']);
  });

  it('does not note the event when it could not be queued, so the redelivery goes through', async () => {
    const { d, queued } = deps();
    const send = d.commands.send;
    d.commands.send = async () => {
      throw new Error('queue down');
    };
    await expect(handleChatEvent(received('e2', '/help'), d)).rejects.toThrow('queue down');
    d.commands.send = send;
    expect(await handleChatEvent(received('e2', '/help'), d)).toEqual({ outcome: 'queued' });
    expect(queued).toHaveLength(1);
  });
});

describe('a chat event through a crash', () => {
  /** A step that never returns: the process died there. */
  const crash = (reached: () => void) => () => (reached(), new Promise<never>(() => undefined));
  const event = (id: string) => ({
    id,
    eventType: 'Microsoft.Communication.ChatMessageReceivedInThread',
    eventTime: '2026-12-01T10:00:00Z',
    data: {
      threadId: '19:t1@thread.v2',
      messageId: 'm-crash',
      messageBody: '/help',
      type: 'Text',
      senderCommunicationIdentifier: { rawId: userId(1), communicationUser: { id: userId(1) } },
      composeTime: '2026-12-01T10:00:00Z',
      metadata: {},
    },
  });

  it('still yields one reply when the process dies between the dedupe row and the enqueue', async () => {
    const { bot, replies } = setup();
    const rows = new Set<string>();
    const queued: CommandJob[] = [];
    let crashed!: () => void;
    const died = new Promise<void>((resolve) => (crashed = resolve));
    const dedupe = {
      seen: async (id: string) => rows.has(id),
      remember: async (id: string) => void rows.add(id),
    };
    const deps = (send: ChatEventDeps['commands']['send']): ChatEventDeps => ({
      serviceUserId: async () => SERVICE_USER,
      dedupe,
      commands: { send },
      noteChanged: async () => undefined,
    });

    // First delivery: the process dies while enqueuing (no catch runs); Event Grid gets no answer.
    void handleChatEvent(event('e-crash'), deps(crash(crashed)));
    await died;
    // Event Grid delivers again to a new process.
    await handleChatEvent(
      event('e-crash'),
      deps(async (job) => void queued.push(job)),
    );
    for (const job of queued) await bot.run(job);
    expect(replies()).toHaveLength(1);
  });
});
