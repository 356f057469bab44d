import { randomUUID } from 'node:crypto';
import type { Participant } from '../model/types';
import { identifierModel } from '../model/wire';
import type { Change } from '../persistence/changes';
import type { State } from '../persistence/State';
import type { EmulatorEvent } from './EmulatorEvent';

const PREFIX = 'Microsoft.Communication.';

/** The `topic` of every event: the ACS resource's id, as Event Grid's system topic names its source. */
export function topicOf(resourceId: string): string {
  return `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acs-emulator/providers/Microsoft.Communication/communicationServices/${resourceId}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function participantData(p: Participant): Record<string, unknown> {
  const out: Record<string, unknown> = { participantCommunicationIdentifier: identifierModel(p.id) };
  if (p.displayName !== undefined) out['displayName'] = p.displayName;
  if (p.metadata !== undefined) out['metadata'] = p.metadata;
  return out;
}

/**
 * Maps one applied change to the Event Grid events ACS would publish. Called right after the change is applied
 * (so the thread is still there) and published once the change is durable.
 */
export function toEvents(change: Change, state: State): EmulatorEvent[] {
  const topic = topicOf(state.resourceId);
  const make = (type: string, subject: string, at: number, data: Record<string, unknown>): EmulatorEvent => ({
    id: randomUUID(),
    topic,
    subject,
    eventType: PREFIX + type,
    eventTime: iso(at),
    data,
    dataVersion: '1.0',
    metadataVersion: '1',
  });
  // The fields every thread-level event ends with.
  const threadFields = (threadId: string, at: number): Record<string, unknown> => ({
    createTime: iso(state.threads.get(threadId)?.createdAt ?? at),
    version: at,
    threadId,
    transactionId: randomUUID(),
  });
  switch (change.t) {
    case 'threadCreated':
      return [
        make('ChatThreadCreated', `thread/${change.id}`, change.at, {
          createdByCommunicationIdentifier: identifierModel(change.by),
          properties: { topic: change.topic },
          metadata: change.metadata ?? {},
          participants: change.participants.map(participantData),
          ...threadFields(change.id, change.at),
        }),
      ];
    case 'threadUpdated': {
      const t = state.threads.get(change.threadId);
      return [
        make('ChatThreadPropertiesUpdated', `thread/${change.threadId}`, change.at, {
          editedByCommunicationIdentifier: identifierModel(change.by),
          editTime: iso(change.at),
          properties: { topic: t?.topic ?? '' },
          metadata: t?.metadata ?? {},
          ...threadFields(change.threadId, change.at),
        }),
      ];
    }
    case 'threadDeleted': {
      return [
        make('ChatThreadDeleted', `thread/${change.threadId}`, change.at, {
          deletedByCommunicationIdentifier: identifierModel(change.by),
          deleteTime: iso(change.at),
          ...threadFields(change.threadId, change.at),
        }),
      ];
    }
    case 'participantsAdded': {
      return change.participants.map((p) =>
        make('ChatThreadParticipantAdded', `thread/${change.threadId}`, change.at, {
          time: iso(change.at),
          addedByCommunicationIdentifier: identifierModel(change.by),
          participantAdded: participantData(p),
          ...threadFields(change.threadId, change.at),
        }),
      );
    }
    case 'participantRemoved': {
      return [
        make('ChatThreadParticipantRemoved', `thread/${change.threadId}`, change.at, {
          time: iso(change.at),
          removedByCommunicationIdentifier: identifierModel(change.by),
          participantRemoved: { participantCommunicationIdentifier: identifierModel(change.participantId) },
          ...threadFields(change.threadId, change.at),
        }),
      ];
    }
    case 'messageAdded': {
      if (change.type !== 'text' && change.type !== 'html') return [];
      const sender = change.sender ?? '';
      return [
        make('ChatMessageReceivedInThread', `thread/${change.threadId}/sender/${sender}`, change.at, {
          messageBody: change.content ?? '',
          messageId: change.id,
          metadata: change.metadata ?? {},
          senderCommunicationIdentifier: identifierModel(sender),
          senderDisplayName: change.name ?? '',
          composeTime: iso(change.at),
          type: change.type === 'html' ? 'Html' : 'Text',
          version: Number(change.id),
          threadId: change.threadId,
          transactionId: randomUUID(),
        }),
      ];
    }
    case 'messageEdited':
    case 'messageDeleted': {
      const t = state.threads.get(change.threadId);
      const i = t?.messageIndex.get(change.messageId);
      const m = i === undefined ? undefined : t?.messages[i];
      if (!m) return [];
      const sender = m.senderId ?? '';
      const common = {
        messageId: m.id,
        senderCommunicationIdentifier: identifierModel(sender),
        senderDisplayName: m.senderDisplayName ?? '',
        composeTime: iso(m.createdAt),
        type: m.type === 'html' ? 'Html' : 'Text',
        version: change.at,
        threadId: change.threadId,
        transactionId: randomUUID(),
      };
      if (change.t === 'messageEdited') {
        return [
          make('ChatMessageEditedInThread', `thread/${change.threadId}/sender/${sender}`, change.at, {
            ...common,
            messageBody: m.content ?? '',
            metadata: m.metadata ?? {},
            editTime: iso(change.at),
          }),
        ];
      }
      return [
        make('ChatMessageDeletedInThread', `thread/${change.threadId}/sender/${sender}`, change.at, {
          ...common,
          deleteTime: iso(change.at),
        }),
      ];
    }
    default:
      return [];
  }
}
