/** Domain model held in memory. Times are ms since the epoch; wire rendering lives in model/wire.ts. */

export type Metadata = Record<string, string>;

export type RetentionPolicy = { kind: 'threadCreationDate'; deleteThreadAfterDays: number } | { kind: 'none' };

export type MessageType = 'text' | 'html' | 'topicUpdated' | 'participantAdded' | 'participantRemoved';

export interface UserRecord {
  id: string;
  createdAt: number;
  /** Tokens issued strictly before this instant are rejected. 0 = never revoked. */
  revokedAt: number;
  deletedAt: number | undefined;
}

export interface Participant {
  id: string;
  displayName?: string;
  /** ms epoch; messages created before it are hidden from this participant. */
  shareHistoryTime: number;
  metadata?: Metadata;
}

/** One message. Kept flat and small: a thread may hold 100,000 of them. */
export interface StoredMessage {
  /** ms-epoch string; unique across the emulator. */
  id: string;
  /** the thread's change counter when the message was created, edited or deleted last (live-service rule) */
  seq: number;
  type: MessageType;
  createdAt: number;
  /** ms epoch of the last change (creation, edit or delete); rendered as `version`. */
  version: number;
  senderId: string | undefined;
  senderDisplayName: string | undefined;
  /** text/html body, or the topic for topicUpdated. */
  content: string | undefined;
  /** participantAdded / participantRemoved. */
  participants: Participant[] | undefined;
  initiatorId: string | undefined;
  metadata: Metadata | undefined;
  editedAt: number | undefined;
  deletedAt: number | undefined;
}

export interface ReadReceipt {
  userId: string;
  messageId: string;
  readAt: number;
  /** position in the thread's receipt list (first receipt of this user); the paging cursor */
  order: number;
}

export interface Thread {
  id: string;
  /** Creation order across the emulator; used for stable thread listing. */
  ordinal: number;
  topic: string;
  createdAt: number;
  createdBy: string;
  deletedAt: number | undefined;
  metadata: Metadata | undefined;
  retentionPolicy: RetentionPolicy | undefined;
  participants: Map<string, Participant>;
  /** participant id -> join counter; Map order of `participants` follows it, so it is a stable paging cursor */
  joined: Map<string, number>;
  /** counter behind `joined` and ReadReceipt.order */
  counter: number;
  /**
   * Slot i holds the message whose sequenceId is i + 1, or undefined once that message took a newer sequenceId
   * (an edit or delete gives it the thread's next one). The length is the thread's last sequenceId.
   */
  messages: (StoredMessage | undefined)[];
  /** message id -> its slot in `messages`; its size is the number of messages */
  messageIndex: Map<string, number>;
  receipts: Map<string, ReadReceipt>;
  /** removed participants keep read access to the history up to their removal */
  former: Map<string, { shareHistoryTime: number; removedAt: number }>;
  lastMessageAt: number | undefined;
}

export interface IdempotencyEntry {
  threadId: string;
  requestHash: string;
  invalidParticipants: ChatErrorRecord[];
}

export interface ChatErrorRecord {
  code: string;
  message: string;
  target?: string;
}
