/**
 * What the app does with an ACS chat event from Event Grid, decided fast so delivery is never held: commands go
 * on a queue (the bot runs them there), message edits and deletions are noted for the archive, everything else
 * (unknown types, ordinary chat, the bot's own messages) is acknowledged and dropped. Event Grid delivers at least
 * once and in no order: a redelivered event is recognised by its id and has no second effect.
 */
import type { JsonQueue } from '../storage/jsonQueue';
import { BOT_METADATA_KEY, type CommandJob } from './bot';
import { htmlToText } from './commands';

export const CHAT_EVENT_TYPES = {
  received: 'Microsoft.Communication.ChatMessageReceivedInThread',
  edited: 'Microsoft.Communication.ChatMessageEditedInThread',
  deleted: 'Microsoft.Communication.ChatMessageDeletedInThread',
} as const;

export interface ChatEvent {
  id: string;
  eventType: string;
  eventTime?: string;
  data?: Record<string, unknown>;
}

/**
 * Remembers event ids of queued commands for a while (Event Grid retries for up to 24 h). Only a saving: the bot
 * claims each command by its message id, so a command queued twice still has one effect and one reply.
 */
export interface EventDedupe {
  /** True when the event's command was queued before. */
  seen(eventId: string, eventTime: Date): Promise<boolean>;
  /** Notes the event as queued. */
  remember(eventId: string, eventTime: Date): Promise<void>;
}

export interface ChatEventDeps {
  serviceUserId: () => Promise<string>;
  dedupe: EventDedupe;
  commands: JsonQueue<CommandJob>;
  /** Tells the archive a message changed, so the next run re-reads it. */
  noteChanged: (threadId: string, messageId: string) => Promise<void>;
}

export type EventOutcome = 'queued' | 'noted' | 'duplicate' | 'ignored';

export async function handleChatEvent(
  event: ChatEvent,
  deps: ChatEventDeps,
): Promise<{ outcome: EventOutcome; why?: string }> {
  const data = event.data ?? {};
  const threadId = str(data['threadId']);
  const messageId = str(data['messageId']);
  const eventTime = new Date(event.eventTime ?? Date.now());
  if (!threadId || !messageId) return { outcome: 'ignored', why: `${event.eventType} without thread or message` };

  if (event.eventType === CHAT_EVENT_TYPES.edited || event.eventType === CHAT_EVENT_TYPES.deleted) {
    await deps.noteChanged(threadId, messageId);
    return { outcome: 'noted' };
  }
  if (event.eventType !== CHAT_EVENT_TYPES.received) return { outcome: 'ignored', why: event.eventType };

  const senderId = senderOf(data);
  const metadata = (data['metadata'] ?? {}) as Record<string, unknown>;
  if (metadata[BOT_METADATA_KEY] === 'true') return { outcome: 'ignored', why: 'a bot message' };
  if (senderId === (await deps.serviceUserId())) return { outcome: 'ignored', why: "the app's own message" };
  const type = str(data['type']).toLowerCase() === 'html' ? 'html' : 'text';
  const body = str(data['messageBody']);
  if (!(type === 'html' ? htmlToText(body) : body).trimStart().startsWith('/'))
    return { outcome: 'ignored', why: 'not a command' };

  if (await deps.dedupe.seen(event.id, eventTime)) return { outcome: 'duplicate' };
  await deps.commands.send({
    threadId,
    messageId,
    senderId,
    body,
    type,
    postedAt: str(data['composeTime']) || eventTime.toISOString(),
  });
  // Noted only once queued: a crash before this line makes the redelivery queue it again (the bot's claim makes
  // that harmless), where a note written first would have dropped the redelivery and lost the command.
  await deps.dedupe.remember(event.id, eventTime);
  return { outcome: 'queued' };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function senderOf(data: Record<string, unknown>): string {
  const id = (data['senderCommunicationIdentifier'] ?? {}) as { rawId?: string; communicationUser?: { id?: string } };
  return id.communicationUser?.id ?? id.rawId ?? '';
}
