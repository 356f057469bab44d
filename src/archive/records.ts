/**
 * An archived record is one version of one message, exactly as ACS listed it (ChatPort's ChatMessageInfo): id,
 * sequenceId, version, type, times, sender, content (text, or a system message's topic / participants and
 * initiator) and metadata. Parts hold them as NDJSON, one record per line, in ascending sequence order.
 */
import type { ChatMessageInfo } from '../acs/chatPort';

export type ArchiveRecord = ChatMessageInfo;

/** Whether a record is the first version of its message the archive holds, or a later edit or deletion. */
export type RecordKind = 'new' | 'change';

export function sequenceOf(record: Pick<ArchiveRecord, 'sequenceId'>): number {
  return Number(record.sequenceId);
}

/** text and html are what people write; everything else (topicUpdated, participantAdded…) is a system message. */
export function isSystemMessage(record: Pick<ArchiveRecord, 'type'>): boolean {
  return record.type !== 'text' && record.type !== 'html';
}

/**
 * What tells two versions of one message apart. The version alone would do if every service bumped it on both
 * edit and delete; including the edit and delete times keeps a deletion that kept its version from being missed.
 */
export function revisionOf(record: Pick<ArchiveRecord, 'version' | 'editedOn' | 'deletedOn'>): string {
  return `${record.version}|${record.editedOn ?? ''}|${record.deletedOn ?? ''}`;
}

/** The record with its fields in one fixed order, so the same message always serialises to the same bytes. */
export function canonicalRecord(m: ChatMessageInfo): ArchiveRecord {
  const content: ArchiveRecord['content'] = {};
  if (m.content.message !== undefined) content.message = m.content.message;
  if (m.content.topic !== undefined) content.topic = m.content.topic;
  if (m.content.participants !== undefined) {
    content.participants = m.content.participants.map((p) => ({
      id: p.id,
      ...(p.displayName !== undefined ? { displayName: p.displayName } : {}),
      ...(p.shareHistoryTime !== undefined ? { shareHistoryTime: p.shareHistoryTime } : {}),
      ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
    }));
  }
  if (m.content.initiatorId !== undefined) content.initiatorId = m.content.initiatorId;
  return {
    id: m.id,
    sequenceId: m.sequenceId,
    version: m.version,
    type: m.type,
    createdOn: m.createdOn,
    ...(m.editedOn !== undefined ? { editedOn: m.editedOn } : {}),
    ...(m.deletedOn !== undefined ? { deletedOn: m.deletedOn } : {}),
    ...(m.senderId !== undefined ? { senderId: m.senderId } : {}),
    ...(m.senderDisplayName !== undefined ? { senderDisplayName: m.senderDisplayName } : {}),
    content,
    ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
  };
}
