import { isCommunicationUserId } from './ids';
import { chatTime } from './time';
import type { Participant, ReadReceipt, StoredMessage, Thread } from './types';

/** What the request's api-version can carry (acs-rest-api.md §1). */
export interface ApiFeatures {
  threadMetadata: boolean;
  participantMetadata: boolean;
  retentionPolicy: boolean;
  /** `content.attachments: []` on text and html messages */
  messageAttachments: boolean;
  /** `messagingPolicy: {"textOnlyChat": false}` on thread properties */
  messagingPolicy: boolean;
}

/**
 * Which fields an api-version carries. The live recordings show thread metadata and `content.attachments: []`
 * from 2023-07-01-preview on (azure-sdk-for-js recordings), and `messagingPolicy` at 2024-06-05-preview
 * (azure-sdk-assets); the 2023-11-07 and 2024-03-07 GA versions have neither in their swagger. Participant
 * metadata and retention policies are first seen in 2023-11-15-preview and later previews.
 */
export function apiFeatures(apiVersion: string): ApiFeatures {
  const date = apiVersion.slice(0, 10);
  const preview = apiVersion.endsWith('-preview');
  const ga2025 = date >= '2025-03-15';
  const modern = ga2025 || (preview && date >= '2023-11-15');
  const fromJuly2023Preview = ga2025 || (preview && date >= '2023-07-01');
  return {
    threadMetadata: fromJuly2023Preview,
    participantMetadata: modern,
    retentionPolicy: modern,
    messageAttachments: fromJuly2023Preview,
    messagingPolicy: preview && date >= '2024-06-05',
  };
}

export interface IdentifierModel {
  rawId: string;
  communicationUser?: { id: string };
  phoneNumber?: { value: string };
}

// Rendering a 200-message page repeats the same few identifiers; share one object per id (only ever serialised).
const identifierCache = new Map<string, IdentifierModel>();

export function identifierModel(rawId: string): IdentifierModel {
  let model = identifierCache.get(rawId);
  if (model === undefined) {
    model = buildIdentifierModel(rawId);
    if (identifierCache.size >= 50_000) identifierCache.clear();
    identifierCache.set(rawId, model);
  }
  return model;
}

function buildIdentifierModel(rawId: string): IdentifierModel {
  if (rawId.startsWith('4:')) return { rawId, phoneNumber: { value: rawId.slice(2) } };
  if (isCommunicationUserId(rawId) || rawId === '') return { rawId, communicationUser: { id: rawId } };
  return { rawId, communicationUser: { id: rawId } };
}

export function renderThread(t: Thread, f: ApiFeatures): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    topic: t.topic,
    createdOn: chatTime(t.createdAt),
    createdByCommunicationIdentifier: identifierModel(t.createdBy),
  };
  if (t.deletedAt !== undefined) out['deletedOn'] = chatTime(t.deletedAt);
  if (f.threadMetadata) out['metadata'] = t.metadata ?? {};
  if (f.retentionPolicy && t.retentionPolicy !== undefined) out['retentionPolicy'] = t.retentionPolicy;
  // Text-only chat is a Teams-interop policy the emulator does not model: always off, as for an ACS thread.
  if (f.messagingPolicy) out['messagingPolicy'] = { textOnlyChat: false };
  return out;
}

export function renderThreadItem(t: Thread): Record<string, unknown> {
  const out: Record<string, unknown> = { id: t.id, topic: t.topic };
  if (t.deletedAt !== undefined) out['deletedOn'] = chatTime(t.deletedAt);
  if (t.lastMessageAt !== undefined) out['lastMessageReceivedOn'] = chatTime(t.lastMessageAt);
  return out;
}

export function renderParticipant(p: Participant, f: ApiFeatures): Record<string, unknown> {
  const out: Record<string, unknown> = { communicationIdentifier: identifierModel(p.id) };
  if (p.displayName !== undefined) out['displayName'] = p.displayName;
  out['shareHistoryTime'] = chatTime(p.shareHistoryTime);
  if (f.participantMetadata && p.metadata !== undefined) out['metadata'] = p.metadata;
  return out;
}

/**
 * A deleted message keeps its id, type, sender and createdOn, gets `deletedOn`, and its content is emptied to
 * `{"message": ""}` (present: the Python SDK reads it unconditionally); edit time and metadata are not shown,
 * as in the live service's recordings.
 */
export function renderMessage(m: StoredMessage, f: ApiFeatures): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: m.id,
    type: m.type,
    sequenceId: String(m.seq),
    version: String(m.version),
    content: messageContent(m, f),
  };
  if (m.senderId !== undefined) out['senderDisplayName'] = m.senderDisplayName ?? '';
  out['createdOn'] = chatTime(m.createdAt);
  if (m.senderId !== undefined) out['senderCommunicationIdentifier'] = identifierModel(m.senderId);
  if (m.deletedAt !== undefined) {
    out['deletedOn'] = chatTime(m.deletedAt);
    return out;
  }
  if (m.editedAt !== undefined) out['editedOn'] = chatTime(m.editedAt);
  if (m.metadata !== undefined) out['metadata'] = m.metadata;
  return out;
}

function messageContent(m: StoredMessage, f: ApiFeatures): Record<string, unknown> {
  if (m.deletedAt !== undefined) return { message: '' };
  switch (m.type) {
    case 'text':
    case 'html':
      // 2023-07-01-preview and later list an (empty) attachments array on user messages.
      return f.messageAttachments ? { message: m.content ?? '', attachments: [] } : { message: m.content ?? '' };
    case 'topicUpdated':
      return { topic: m.content ?? '', initiatorCommunicationIdentifier: identifierModel(m.initiatorId ?? '') };
    default:
      return {
        participants: (m.participants ?? []).map((p) => renderParticipant(p, f)),
        initiatorCommunicationIdentifier: identifierModel(m.initiatorId ?? ''),
      };
  }
}

export function renderReceipt(r: ReadReceipt): Record<string, unknown> {
  return {
    senderCommunicationIdentifier: identifierModel(r.userId),
    chatMessageId: r.messageId,
    readOn: chatTime(r.readAt),
  };
}
