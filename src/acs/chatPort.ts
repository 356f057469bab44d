/**
 * The ACS chat operations the app uses, as one small interface acting as the service user. Domain code receives
 * a ChatPort (unit tests pass a fake); `createChatPort` in sdkChatPort.ts is the real one over the chat SDK.
 *
 * Every method throws AcsFailure (acsErrors.ts) and never retries on its own: retry policy belongs to the caller,
 * which knows its time budget (a request, a queue message, a timer tick).
 */
import type { ParticipantRejection } from './acsErrors';

export interface ParticipantSpec {
  /** ACS raw id, `8:acs:…`. */
  id: string;
  displayName?: string;
  /** From when the participant sees the thread's history (ISO time); default: all of it. */
  shareHistoryTime?: string;
}

export interface ThreadInfo {
  id: string;
  topic: string;
  createdOn: string;
  createdBy?: string;
  deletedOn?: string;
  metadata?: Record<string, string>;
}

export interface ThreadSummary {
  id: string;
  topic: string;
  deletedOn?: string;
  lastMessageReceivedOn?: string;
}

export interface ParticipantInfo {
  id: string;
  displayName?: string;
  shareHistoryTime?: string;
  metadata?: Record<string, string>;
}

export type MessageType = 'text' | 'html' | 'topicUpdated' | 'participantAdded' | 'participantRemoved';

export interface ChatMessageInfo {
  id: string;
  type: MessageType | string;
  sequenceId: string;
  version: string;
  createdOn: string;
  editedOn?: string;
  deletedOn?: string;
  senderId?: string;
  senderDisplayName?: string;
  content: {
    message?: string;
    topic?: string;
    participants?: ParticipantInfo[];
    initiatorId?: string;
  };
  metadata?: Record<string, string>;
}

/** One page of a thread's messages, newest first. */
export interface MessagePage {
  messages: ChatMessageInfo[];
  /** Fetches the next (older) page; absent on the last page. */
  continuationToken?: string;
}

export interface OutgoingMessage {
  content: string;
  type?: 'text' | 'html';
  senderDisplayName?: string;
  metadata?: Record<string, string>;
}

export interface CreateThreadRequest {
  topic: string;
  participants: ParticipantSpec[];
  metadata?: Record<string, string>;
  /** Sent as `repeatability-request-id`: the same token gives the same thread instead of a second one. */
  idempotencyToken: string;
}

export interface ChatPort {
  /** The service user's raw id: the identity every call acts as. */
  serviceUserId(): Promise<string>;
  createThread(request: CreateThreadRequest): Promise<{ threadId: string; rejected: ParticipantRejection[] }>;
  getThread(threadId: string): Promise<ThreadInfo>;
  deleteThread(threadId: string): Promise<void>;
  updateTopic(threadId: string, topic: string): Promise<void>;
  listThreads(options?: { startTime?: Date; pageSize?: number }): AsyncIterable<ThreadSummary>;
  /** Adds up to 200 participants in one call; members already present are left as they are. */
  addParticipants(threadId: string, participants: ParticipantSpec[]): Promise<{ rejected: ParticipantRejection[] }>;
  removeParticipant(threadId: string, userId: string): Promise<void>;
  listParticipants(threadId: string, options?: { pageSize?: number }): AsyncIterable<ParticipantInfo>;
  /** `abortSignal` ends the call from this side (the service may still have posted it: see scheduled sends). */
  sendMessage(
    threadId: string,
    message: OutgoingMessage,
    options?: { abortSignal?: AbortSignal },
  ): Promise<{ messageId: string }>;
  getMessage(threadId: string, messageId: string): Promise<ChatMessageInfo>;
  /** Newest first, as ACS lists them; `startTime` limits to messages created at or after it (an edit does not count). */
  listMessages(threadId: string, options?: { startTime?: Date; pageSize?: number }): AsyncIterable<ChatMessageInfo>;
  /**
   * One page of listMessages: the first without a token, each next one with the previous page's token. A page that
   * failed can be asked for again with the same token, so a caller can retry page by page.
   */
  listMessagesPage(
    threadId: string,
    options?: { startTime?: Date; pageSize?: number; continuationToken?: string },
  ): Promise<MessagePage>;
}

/** Limits the service enforces (reference: ACS service limits), checked before any call so callers get a 4xx. */
export const ACS_LIMITS = {
  participantsPerCall: 200,
  participantsPerThread: 250,
  /** ~28 KB of message content. */
  messageContentBytes: 28 * 1024,
  /** Thread and participant metadata, all keys and values together. */
  metadataBytes: 1024,
  messagePageSize: 200,
  tokenMinutes: { min: 60, max: 1440 },
} as const;

/** ACS communication-user raw ids: `8:acs:<resource guid>_<suffix>` (and the sovereign-cloud prefixes). */
export const ACS_USER_ID_PATTERN =
  /^8:(?:acs|spool|dod-acs|gcch-acs):[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}_[0-9A-Za-z-]{1,64}$/;

export function isAcsUserId(id: string): boolean {
  return ACS_USER_ID_PATTERN.test(id);
}
