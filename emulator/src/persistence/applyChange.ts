import type { Participant, StoredMessage, Thread } from '../model/types';
import type { Change } from './changes';
import type { State } from './State';

/** Applies one change to memory. Must be deterministic: the journal replays through here at start-up. */
export function applyChange(state: State, c: Change): void {
  switch (c.t) {
    case 'init':
      state.resourceId = c.resourceId;
      return;
    case 'reset':
      state.clear();
      return;
    case 'userCreated':
      state.users.set(c.id, { id: c.id, createdAt: c.at, revokedAt: 0, deletedAt: undefined });
      return;
    case 'tokensRevoked': {
      const u = state.users.get(c.id);
      if (u) u.revokedAt = c.at;
      return;
    }
    case 'userDeleted': {
      const u = state.users.get(c.id);
      if (u) {
        u.deletedAt = c.at;
        u.revokedAt = c.at;
      }
      return;
    }
    case 'threadCreated': {
      const thread = state.addThread({
        id: c.id,
        topic: c.topic,
        createdAt: c.at,
        createdBy: c.by,
        metadata: c.metadata,
        retentionPolicy: c.retentionPolicy,
      });
      for (const p of c.participants) addParticipant(state, thread, p);
      if (c.rk !== undefined && c.rh !== undefined) {
        state.idempotency.set(c.rk, { threadId: c.id, requestHash: c.rh, invalidParticipants: c.invalid });
      }
      return;
    }
    case 'threadUpdated': {
      const t = state.threads.get(c.threadId);
      if (!t) return;
      if (c.topic !== undefined) t.topic = c.topic;
      if (c.metadata !== undefined) t.metadata = mergeMetadata(t.metadata, c.metadata);
      if (c.retentionPolicy !== undefined) t.retentionPolicy = c.retentionPolicy;
      return;
    }
    case 'threadDeleted': {
      const t = state.threads.get(c.threadId);
      if (t && t.deletedAt === undefined) {
        t.deletedAt = c.at;
        state.messageCount -= t.messageIndex.size;
      }
      return;
    }
    case 'messageAdded': {
      const t = state.threads.get(c.threadId);
      if (!t) return;
      const ms = Number(c.id);
      const msg: StoredMessage = {
        id: c.id,
        seq: t.messages.length + 1,
        type: c.type,
        createdAt: c.at,
        version: ms,
        senderId: state.intern(c.sender),
        senderDisplayName: state.intern(c.name),
        content: c.content,
        participants: c.participants,
        initiatorId: c.initiator,
        metadata: c.metadata,
        editedAt: undefined,
        deletedAt: undefined,
      };
      t.messageIndex.set(c.id, t.messages.length);
      t.messages.push(msg);
      if (c.type === 'text' || c.type === 'html') t.lastMessageAt = c.at;
      state.clock.observe(ms);
      state.messageCount++;
      return;
    }
    case 'messageEdited': {
      const t = state.threads.get(c.threadId);
      const m = t && findMessage(t, c.messageId);
      if (!t || !m) return;
      if (c.content !== undefined) m.content = c.content;
      if (c.metadata !== undefined) m.metadata = mergeMetadata(m.metadata, c.metadata);
      m.editedAt = c.at;
      changed(t, m, c.at);
      state.clock.observe(c.at);
      return;
    }
    case 'messageDeleted': {
      const t = state.threads.get(c.threadId);
      const m = t && findMessage(t, c.messageId);
      if (!t || !m) return;
      m.deletedAt = c.at;
      changed(t, m, c.at);
      state.clock.observe(c.at);
      return;
    }
    case 'participantsAdded': {
      const t = state.threads.get(c.threadId);
      if (!t) return;
      for (const p of c.participants) addParticipant(state, t, p);
      return;
    }
    case 'participantRemoved': {
      const t = state.threads.get(c.threadId);
      if (!t) return;
      const p = t.participants.get(c.participantId);
      if (p) t.former.set(c.participantId, { shareHistoryTime: p.shareHistoryTime, removedAt: c.at });
      t.participants.delete(c.participantId);
      t.joined.delete(c.participantId);
      t.receipts.delete(c.participantId);
      return;
    }
    case 'readReceipt': {
      const t = state.threads.get(c.threadId);
      if (!t) return;
      const order = t.receipts.get(c.userId)?.order ?? ++t.counter;
      t.receipts.set(c.userId, { userId: c.userId, messageId: c.messageId, readAt: c.at, order });
      return;
    }
  }
}

function addParticipant(state: State, t: Thread, p: Participant): void {
  t.participants.set(p.id, p);
  t.joined.set(p.id, ++t.counter);
  t.former.delete(p.id);
  let set = state.userThreads.get(p.id);
  if (!set) {
    set = new Set();
    state.userThreads.set(p.id, set);
  }
  set.add(t.ordinal);
}

function findMessage(t: Thread, messageId: string): StoredMessage | undefined {
  const i = t.messageIndex.get(messageId);
  return i === undefined ? undefined : t.messages[i];
}

/**
 * An edit or delete gives the message a new version and the thread's next sequenceId, as the live service does
 * (azure-sdk-for-net ChatClientsLiveTests recordings: edited 4 -> 10, then deleted -> 11; listed newest first by it).
 */
function changed(t: Thread, m: StoredMessage, at: number): void {
  m.version = at;
  const slot = t.messageIndex.get(m.id);
  if (slot !== undefined) t.messages[slot] = undefined;
  t.messageIndex.set(m.id, t.messages.length);
  t.messages.push(m);
  m.seq = t.messages.length;
}

/** JSON merge-patch of a string map: null removes a key. */
export function mergeMetadata(
  current: Record<string, string> | undefined,
  patch: Record<string, string | null>,
): Record<string, string> {
  const out: Record<string, string> = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
