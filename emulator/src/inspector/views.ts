/**
 * What the inspector's data endpoints (`/inspector/api/…`) answer. Types only: the server builds them
 * (readModel.ts, LiveFeed.ts) and the page (page/*.ts, compiled for the browser) reads them.
 */

/** A list page, paged like the ACS API: follow `nextLink` (relative) until it is absent. */
export interface PageOf<T> {
  value: T[];
  nextLink?: string;
}

export interface Counts {
  users: number;
  threads: number;
  messages: number;
  participants: number;
}

/** A fault rule as `GET /admin/faults` shows it. */
export interface FaultRuleView {
  id: string;
  kind: 'status' | 'latency' | 'invalidParticipant';
  operation?: string;
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  userIds?: string[];
  code?: string;
  message?: string;
  rate?: number;
  count?: number;
  remaining?: number;
}

/** One webhook endpoint; counters are absent when the delivery only keeps totals. */
export interface WebhookView {
  name: string;
  /** without secret query values */
  url: string;
  validation?: string;
  pending?: number;
  retrying?: number;
  delivered?: number;
  deadLettered?: number;
  lastOutcome?: string;
  nextAttemptAt?: string;
}

export type DeliveryOutcomeKind =
  'delivered' | 'retrying' | 'deadLettered' | 'duplicate' | 'validated' | 'validationFailed';

/** What happened to one delivery attempt of one event to one webhook. */
export interface DeliveryOutcomeView {
  webhook: string;
  kind: DeliveryOutcomeKind;
  at: string;
  eventId?: string;
  eventType?: string;
  attempt?: number;
  status?: number;
  error?: string;
  nextAttemptAt?: string;
  reason?: string;
}

/** `GET /inspector/api/overview` and the live `state` message: everything `GET /admin/state` shows, and more. */
export interface Overview {
  resourceId: string;
  counts: Counts;
  /** threads ever created: a drop means the state was reset */
  threadsEver: number;
  faults: FaultRuleView[];
  throttling: boolean;
  eventDelivery: { delivered: number; failed: number; pending: number };
  /** chat and identity calls received per operation (`GET /admin/state` `calls`) */
  calls: Record<string, number>;
  webhooks: WebhookView[];
  /** operation names a fault rule may target */
  operations: string[];
}

/** A chat event as published to the webhooks (Event Grid), reduced to what the feed shows. */
export interface ChatEventView {
  id: string;
  /** e.g. `ChatMessageReceivedInThread` (without `Microsoft.Communication.`) */
  type: string;
  time: string;
  threadId: string;
  messageId?: string;
  actorId?: string;
  actorName?: string;
  /** message body (shortened), new topic, or the participant added or removed */
  detail?: string;
}

export interface Person {
  id: string;
  displayName?: string;
}

export interface MessageView {
  id: string;
  /** `text`, `html`, `topicUpdated`, `participantAdded`, `participantRemoved` */
  type: string;
  sequenceId: number;
  version: string;
  createdOn: string;
  editedOn?: string;
  deletedOn?: string;
  senderId?: string;
  senderDisplayName?: string;
  /** body of a user message (kept after deletion, which the ACS API does not show), or the new topic */
  content?: string;
  participants?: Person[];
  initiatorId?: string;
  metadata?: Record<string, string>;
}

export interface ThreadSummary {
  id: string;
  topic: string;
  createdOn: string;
  deletedOn?: string;
  lastActivityOn: string;
  memberCount: number;
  /** the first few members */
  members: Person[];
  lastMessage?: MessageView;
}

export interface ParticipantView extends Person {
  shareHistoryTime: string;
  metadata?: Record<string, string>;
}

export interface ReceiptView {
  userId: string;
  messageId: string;
  readOn: string;
}

export interface ThreadDetail {
  id: string;
  topic: string;
  createdOn: string;
  createdBy: string;
  deletedOn?: string;
  metadata?: Record<string, string>;
  retentionPolicy?: Record<string, unknown>;
  messageCount: number;
  participants: ParticipantView[];
  /** removed members: they keep read access to the history up to `removedOn` */
  former: { id: string; removedOn: string }[];
  receipts: ReceiptView[];
}

/** `POST /inspector/api/users`: the identity created (and added to `threadId` when one was given). */
export interface CreatedUser {
  id: string;
  displayName?: string;
  threadId?: string;
}

/** Error bodies are RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** ACS error code of the operation that failed */
  code?: string;
  /** the field at fault */
  field?: string;
}
