/**
 * An archived record is one version of one message, exactly as ACS listed it (ChatPort's ChatMessageInfo): id,
 * sequenceId, version, type, times, sender, content (text, or a system message's topic / participants and
 * initiator) and metadata. Parts hold them as NDJSON, one record per line, in ascending sequence order.
 *
 * Records are serialised as the port builds them: the SDK port sets the fields in one fixed order (sdkChatPort.ts
 * toMessageInfo), so the same message gives the same bytes, and no copy is made of each of a thread's messages.
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
