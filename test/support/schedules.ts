/** Helpers for scheduled-message tests: threads with a member who reads them, and the messages schedules sent. */
import type { ChatClient } from '@azure/communication-chat';
import { STORAGE_NAMES } from '../../src/storage/names';
import type { AppStack } from './appStack';
import type { HostProcess } from './hostProcess';
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

/**
 * The dispatcher's message for a tick that read no index row at all: no occurrence due, in progress or finished.
 * Matched on the message alone: the local host prefixes `[time] Functions.dispatchSchedules:`, the runtime's
 * console logger puts `info: Function.dispatchSchedules.User[0]` on the line before.
 */
const IDLE_TICK = /Scheduled messages: 0 due, 0 dispatched, 0 deferred; .* 0 index rows read/;

/**
 * Waits until scheduled sending has nothing left to do: a dispatcher tick logged by `host` after this call (and
 * after `after`, when given) read no index row, and the send queue then held no message, delayed or being handled.
 * From then on nothing is sent until something new falls due, so a test proving that something is NOT sent (a
 * duplicate, a cancelled schedule) waits for this rather than for a fixed time. A tick logs when it ends, a few
 * milliseconds after it read: give `after` a second of margin past the time that matters.
 */
export async function sendingIdle(
  stack: AppStack,
  options: { host?: HostProcess; after?: number; timeoutMs?: number } = {},
): Promise<void> {
  const host = options.host ?? stack.host;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const wait = (options.after ?? 0) - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  for (;;) {
    // Only output written from now on counts, so the tick it shows ended after `after`.
    const from = host.output().length;
    await eventually(
      () => IDLE_TICK.test(host.output().slice(from)),
      (idle) => idle,
      Math.max(0, deadline - Date.now()),
      'a dispatcher tick with nothing due or in progress',
    );
    if ((await queueLength(stack, STORAGE_NAMES.queues.scheduleSends)) === 0) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for the schedule-sends queue to drain');
  }
}
