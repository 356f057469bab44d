/** Helpers for scheduled-message tests: threads with a member who reads them, and the messages schedules sent. */
import type { ChatClient } from '@azure/communication-chat';
import type { AppStack } from './appStack';

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
