import type { ChatErrorRecord, Metadata, MessageType, Participant, RetentionPolicy } from '../model/types';

/**
 * Every state change is one of these records. The store applies it to memory, the durable journal writes it as
 * one JSON line, and the event hub turns it into an Event Grid-shaped event. Keep field names short: a
 * 100,000-message thread is 100,000 journal lines.
 */
export type Change =
  | { t: 'init'; resourceId: string }
  | { t: 'reset'; at: number }
  | { t: 'userCreated'; id: string; at: number }
  | { t: 'tokensRevoked'; id: string; at: number }
  | { t: 'userDeleted'; id: string; at: number }
  | {
      t: 'threadCreated';
      id: string;
      topic: string;
      at: number;
      by: string;
      metadata?: Metadata;
      retentionPolicy?: RetentionPolicy;
      participants: Participant[];
      /** idempotency key (creator + repeatability-request-id) and body hash */
      rk?: string;
      rh?: string;
      invalid: ChatErrorRecord[];
    }
  | {
      t: 'threadUpdated';
      threadId: string;
      by: string;
      at: number;
      topic?: string;
      /** merge-patch: null removes the key */
      metadata?: Record<string, string | null>;
      retentionPolicy?: RetentionPolicy;
    }
  | { t: 'threadDeleted'; threadId: string; by: string; at: number }
  | {
      t: 'messageAdded';
      threadId: string;
      id: string;
      type: MessageType;
      at: number;
      sender?: string;
      name?: string;
      content?: string;
      participants?: Participant[];
      initiator?: string;
      metadata?: Metadata;
    }
  | {
      t: 'messageEdited';
      threadId: string;
      messageId: string;
      at: number;
      content?: string;
      metadata?: Record<string, string | null>;
    }
  | { t: 'messageDeleted'; threadId: string; messageId: string; at: number }
  | { t: 'participantsAdded'; threadId: string; by: string; at: number; participants: Participant[] }
  | { t: 'participantRemoved'; threadId: string; by: string; at: number; participantId: string }
  | { t: 'readReceipt'; threadId: string; userId: string; messageId: string; at: number };
