/**
 * Sending a message at most once across retries and crashes. ACS has no repeatability id for sends, so the message
 * carries a marker in its metadata; an attempt that may follow an earlier one (a redelivered queue message, a
 * taken-over claim) first looks for a message with that marker and returns it instead of posting again.
 */
import type { ChatPort, OutgoingMessage } from '../acs/chatPort';

export interface Marker {
  key: string;
  value: string;
}

export interface SendOnceOptions {
  /** True when an earlier attempt may have sent it already: look before sending. */
  mayHaveSent: boolean;
  /** The earliest time the earlier attempt could have sent it (bounds the look-back). */
  since: Date;
}

export async function findMarked(
  chat: ChatPort,
  threadId: string,
  marker: Marker,
  since: Date,
): Promise<string | undefined> {
  for await (const m of chat.listMessages(threadId, { startTime: since })) {
    if (m.metadata?.[marker.key] === marker.value) return m.id;
  }
  return undefined;
}

export async function sendOnce(
  chat: ChatPort,
  threadId: string,
  message: OutgoingMessage,
  marker: Marker,
  options: SendOnceOptions,
): Promise<{ messageId: string; alreadySent: boolean }> {
  if (options.mayHaveSent) {
    const found = await findMarked(chat, threadId, marker, options.since);
    if (found) return { messageId: found, alreadySent: true };
  }
  const { messageId } = await chat.sendMessage(threadId, {
    ...message,
    metadata: { ...message.metadata, [marker.key]: marker.value },
  });
  return { messageId, alreadySent: false };
}
