/** Helpers for scheduled-message tests: threads with a member who reads them, and the messages schedules sent. */
import type { ChatClient } from '@azure/communication-chat';
import { TableClient } from '@azure/data-tables';
import { STORAGE_NAMES } from '../../src/storage/names';
import { threadPath, type AppStack } from './appStack';
import { eventually } from './processes';
import { queueLength } from './queues';

export interface ThreadWithMember {
  threadId: string;
  /** A member's own chat client, to read the thread as a user would. */
  member: ChatClient;
}

/** A dispatcher fast enough for tests. */
export const FAST_DISPATCH_ENV = { SCHEDULE_DISPATCH_CRON: '*/2 * * * * *' };

export async function threadWithMember(stack: AppStack, topic = 'Scheduled'): Promise<ThreadWithMember> {
  const user = await stack.newUser();
  const res = await stack.api('POST', '/api/threads', { topic, participants: [{ id: user.id }] });
  if (res.status !== 201) throw new Error(`POST /api/threads: ${res.status} ${res.text}`);
  return { threadId: (res.json as { threadId: string }).threadId, member: user.chat };
}

export interface ScheduledMessage {
  id: string;
  content: string;
  createdOn: Date;
  scheduleId: string;
  occurrence: string;
  metadata: Record<string, string>;
}

/** Every message in the thread that a schedule sent (it carries scheduleId metadata), oldest first. */
export async function scheduledMessages(thread: ThreadWithMember): Promise<ScheduledMessage[]> {
  const out: ScheduledMessage[] = [];
  for await (const m of thread.member.getChatThreadClient(thread.threadId).listMessages({ maxPageSize: 200 })) {
    const scheduleId = m.metadata?.['scheduleId'];
    if (!scheduleId) continue;
    out.push({
      id: m.id,
      content: m.content?.message ?? '',
      createdOn: m.createdOn,
      scheduleId,
      occurrence: m.metadata?.['scheduleOccurrence'] ?? '',
      metadata: m.metadata ?? {},
    });
  }
  return out.reverse();
}

/** Keys (schedule|occurrence) seen more than once. */
export function duplicatesOf(messages: readonly ScheduledMessage[]): string[] {
  const seen = new Map<string, number>();
  for (const m of messages)
    seen.set(`${m.scheduleId}|${m.occurrence}`, (seen.get(`${m.scheduleId}|${m.occurrence}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

export const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();

/** Due-index rows (table `scheduledue`) of occurrences due by `at` that have not finished: waiting or in progress. */
export async function unfinishedDueRows(stack: AppStack, at = Date.now()): Promise<number> {
  const table = TableClient.fromConnectionString(stack.azurite.connectionString, STORAGE_NAMES.tables.scheduleDue, {
    allowInsecureConnection: true,
  });
  let n = 0;
  try {
    for await (const row of table.listEntities<{ dueAt: number; outcome?: string }>()) {
      if (row.dueAt <= at && !row.outcome) n++;
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0; // no schedule was ever created
    throw error;
  }
  return n;
}

/**
 * Waits until scheduled sending has nothing left to do, without waiting for a dispatcher tick: every occurrence due
 * by now (and by `after`, when given) has finished in the due index, and the send queue holds no message, delayed or
 * being handled. From then on nothing is sent until something new falls due, so a test proving that something is
 * NOT sent (a duplicate, a cancelled schedule) waits for this rather than for a fixed time.
 *
 * `queue: 'ignored'` leaves out the queue: after a SIGKILL the genuine runtime keeps the killed host's in-flight
 * messages invisible for about 10 minutes. Once every occurrence they carry is recorded (its schedule completed),
 * their late delivery is a duplicate the sender skips without posting.
 */
export async function sendingIdle(
  stack: AppStack,
  options: { after?: number; timeoutMs?: number; queue?: 'drained' | 'ignored' } = {},
): Promise<void> {
  const wait = (options.after ?? 0) - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await eventually(
    async () =>
      (await unfinishedDueRows(stack)) +
      (options.queue === 'ignored' ? 0 : await queueLength(stack, STORAGE_NAMES.queues.scheduleSends)),
    (busy) => busy === 0,
    options.timeoutMs ?? 120_000,
    'no scheduled occurrence due or in progress, and an empty send queue',
  );
}

/** A schedule as the API returns it (the fields the tests read). */
export interface ScheduleBody {
  scheduleId: string;
  state: string;
  nextRunAt?: string;
  lastMessageId?: string;
  occurrencesSent: number;
  occurrencesSkipped: number;
  messages: { occurrence: string; messageId: string }[];
  failure?: { code: string; message: string };
}

/** The schedules API of one stack, for tests. */
export function scheduleApi(stack: AppStack) {
  const read = async (id: string): Promise<ScheduleBody> =>
    (await stack.api('GET', `/api/schedules/${id}`)).json as ScheduleBody;
  return {
    async create(threadId: string, body: object): Promise<ScheduleBody> {
      const res = await stack.api('POST', threadPath(threadId, '/schedules'), body);
      if (res.status !== 201) throw new Error(`POST schedules: ${res.status} ${res.text}`);
      return res.json as ScheduleBody;
    },
    read,
    /** Waits until the schedule reaches `state` (completed by default). */
    reaches: (id: string, state = 'completed', timeoutMs = 60_000): Promise<ScheduleBody> =>
      eventually(
        () => read(id),
        (s) => s.state === state,
        timeoutMs,
        state,
      ),
  };
}

/** The messages one schedule sent in the thread, oldest first. */
export async function sentBy(thread: ThreadWithMember, scheduleId: string): Promise<ScheduledMessage[]> {
  return (await scheduledMessages(thread)).filter((m) => m.scheduleId === scheduleId);
}

/**
 * Waits for the next whole second and returns it. ACS stamps a message's createdOn to the second (truncated), so a
 * due time on a whole second makes "createdOn >= due" mean "not sent early".
 */
export async function nextWholeSecond(): Promise<number> {
  const at = Math.ceil(Date.now() / 1000) * 1000;
  await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
  return at;
}
