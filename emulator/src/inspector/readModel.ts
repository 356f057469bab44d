/**
 * Read-only views of the emulator's state for the inspector. Unlike the chat API they see every thread and every
 * message (no membership, no share-history window), deleted ones included and marked.
 */
import { Errors } from '../errors/AcsErrorFactory';
import { decodeToken, encodeToken, parseIntParam } from '../http/paging';
import type { Participant, StoredMessage, Thread } from '../model/types';
import type { State } from '../persistence/State';
import type { MessageView, PageOf, Person, ThreadDetail, ThreadSummary } from './views';

export const THREAD_PAGE = { default: 25, max: 100 };
export const MESSAGE_PAGE = { default: 50, max: 200 };
/** members named in a thread summary */
const SUMMARY_MEMBERS = 4;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function person(p: Participant): Person {
  return p.displayName !== undefined && p.displayName !== '' ? { id: p.id, displayName: p.displayName } : { id: p.id };
}

export function messageView(m: StoredMessage): MessageView {
  const out: MessageView = {
    id: m.id,
    type: m.type,
    sequenceId: m.seq,
    version: String(m.version),
    createdOn: iso(m.createdAt),
  };
  if (m.editedAt !== undefined) out.editedOn = iso(m.editedAt);
  if (m.deletedAt !== undefined) out.deletedOn = iso(m.deletedAt);
  if (m.senderId !== undefined) out.senderId = m.senderId;
  if (m.senderDisplayName !== undefined) out.senderDisplayName = m.senderDisplayName;
  if (m.content !== undefined) out.content = m.content;
  if (m.participants !== undefined) out.participants = m.participants.map(person);
  if (m.initiatorId !== undefined) out.initiatorId = m.initiatorId;
  if (m.metadata !== undefined) out.metadata = m.metadata;
  return out;
}

/**
 * The most recently created message. Slots are taken in order of creation or change, so every message created
 * after the last unchanged one sits after it: scanning back to the first unchanged message is enough (one step
 * unless the latest changes were edits or deletions).
 */
function lastCreatedMessage(t: Thread): StoredMessage | undefined {
  let newest: StoredMessage | undefined;
  for (let i = t.messages.length - 1; i >= 0; i--) {
    const m = t.messages[i];
    if (m === undefined) continue;
    if (newest === undefined || m.createdAt > newest.createdAt) newest = m;
    if (m.editedAt === undefined && m.deletedAt === undefined) break;
  }
  return newest;
}

export function threadSummary(t: Thread): ThreadSummary {
  const members: Person[] = [];
  for (const p of t.participants.values()) {
    if (members.length === SUMMARY_MEMBERS) break;
    members.push(person(p));
  }
  const out: ThreadSummary = {
    id: t.id,
    topic: t.topic,
    createdOn: iso(t.createdAt),
    lastActivityOn: iso(t.lastMessageAt ?? t.createdAt),
    memberCount: t.participants.size,
    members,
  };
  if (t.deletedAt !== undefined) out.deletedOn = iso(t.deletedAt);
  const last = lastCreatedMessage(t);
  if (last) out.lastMessage = messageView(last);
  return out;
}

function pageSize(query: URLSearchParams, bounds: { default: number; max: number }): number {
  return parseIntParam(query, 'maxPageSize', 1, bounds.max) ?? bounds.default;
}

function link(path: string, token: Record<string, number>, size: number): string {
  return `${path}?${new URLSearchParams({ continuationToken: encodeToken(token), maxPageSize: String(size) })}`;
}

/** Every thread, newest first by creation (deleted ones too); the cursor is the creation ordinal, as in the API. */
export function listThreads(state: State, query: URLSearchParams, path: string): PageOf<ThreadSummary> {
  const size = pageSize(query, THREAD_PAGE);
  const before = decodeToken(query, ['o'])?.['o'] ?? state.threadList.length;
  const value: ThreadSummary[] = [];
  let o = Math.min(before, state.threadList.length) - 1;
  for (; o >= 0 && value.length < size; o--) {
    const t = state.threadList[o];
    if (t) value.push(threadSummary(t));
  }
  const more = o >= 0;
  return more ? { value, nextLink: link(path, { o: o + 1 }, size) } : { value };
}

/** Any thread ever created, deleted ones included. */
export function anyThread(state: State, id: string): Thread {
  const t = state.threads.get(id);
  if (!t) throw Errors.threadNotFound();
  return t;
}

export function threadDetail(t: Thread): ThreadDetail {
  const out: ThreadDetail = {
    id: t.id,
    topic: t.topic,
    createdOn: iso(t.createdAt),
    createdBy: t.createdBy,
    messageCount: t.messageIndex.size,
    participants: [...t.participants.values()].map((p) => ({
      ...person(p),
      shareHistoryTime: iso(p.shareHistoryTime),
      ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
    })),
    former: [...t.former].map(([id, f]) => ({ id, removedOn: iso(f.removedAt) })),
    receipts: [...t.receipts.values()].map((r) => ({
      userId: r.userId,
      messageId: r.messageId,
      readOn: iso(r.readAt),
    })),
  };
  if (t.deletedAt !== undefined) out.deletedOn = iso(t.deletedAt);
  if (t.metadata !== undefined) out.metadata = t.metadata;
  if (t.retentionPolicy !== undefined) out.retentionPolicy = { ...t.retentionPolicy };
  return out;
}

/**
 * A thread's messages as the API lists them (newest first by sequenceId, so an edited or deleted message comes
 * first again; the cursor is the last sequenceId returned), but all of them: system messages, deleted messages with
 * their former content, and no share-history window.
 */
export function listMessages(t: Thread, query: URLSearchParams, path: string): PageOf<MessageView> {
  const size = pageSize(query, MESSAGE_PAGE);
  const below = decodeToken(query, ['s'])?.['s'] ?? t.messages.length + 1;
  const value: MessageView[] = [];
  let i = Math.min(below - 1, t.messages.length) - 1;
  for (; i >= 0 && value.length < size; i--) {
    const m = t.messages[i];
    if (m !== undefined) value.push(messageView(m));
  }
  // skip the holes below, so a last page never links to an empty one
  while (i >= 0 && t.messages[i] === undefined) i--;
  const last = value[value.length - 1];
  return i >= 0 && last ? { value, nextLink: link(path, { s: last.sequenceId }, size) } : { value };
}
