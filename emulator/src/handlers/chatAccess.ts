import { Errors, type ChatErrorModel } from '../errors/AcsErrorFactory';
import { parseStrictMetadata, type JsonObject } from '../http/json';
import { isCommunicationUserId, isWellFormedCommunicationUserId, isWellFormedThreadId } from '../model/ids';
import type { Participant, RetentionPolicy, Thread } from '../model/types';
import { param, type RequestContext } from './context';

export const MAX_PARTICIPANTS_PER_THREAD = 250;
export const MAX_PARTICIPANTS_PER_REQUEST = 200;
export const MAX_CONTENT_BYTES = 28 * 1024;
export const MAX_METADATA_BYTES = 1024;
/** Read receipts and typing notifications are not delivered in bigger threads (service-limits.md). */
export const MAX_PARTICIPANTS_FOR_RECEIPTS = 20;

/** The thread id in the path: a malformed one is 400, as the live service answers (before any 404). */
function threadIdParam(ctx: RequestContext): string {
  const id = param(ctx, 'threadId');
  if (!isWellFormedThreadId(id)) throw Errors.malformedThreadId(id);
  return id;
}

/** The thread in the path, for a caller who is currently a member; 404 if unknown/deleted, 403 otherwise. */
export function memberThread(ctx: RequestContext): Thread {
  const id = threadIdParam(ctx);
  const thread = ctx.services.store.state.thread(id);
  if (!thread) throw Errors.threadNotFound();
  if (!thread.participants.has(ctx.caller)) throw Errors.forbidden();
  return thread;
}

/** Visible history window of a thread for the caller: members see from their shareHistoryTime on. */
export interface ReadView {
  thread: Thread;
  from: number;
  /** removed participants see messages up to and including their removal */
  until: number;
}

/** Read-only operations: current members, and removed members (history up to their removal). */
export function readableThread(ctx: RequestContext): ReadView {
  const thread = ctx.services.store.state.thread(threadIdParam(ctx));
  if (!thread) throw Errors.threadNotFound();
  const p = thread.participants.get(ctx.caller);
  if (p) return { thread, from: p.shareHistoryTime, until: Number.MAX_SAFE_INTEGER };
  const f = thread.former.get(ctx.caller);
  if (f) return { thread, from: f.shareHistoryTime, until: f.removedAt };
  throw Errors.forbidden();
}

/** Raw id of a CommunicationIdentifierModel (`communicationUser.id`, else `rawId`). */
export function parseIdentifier(v: unknown, path: string): string {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw Errors.invalidField(path, 'must be an identifier object');
  const o = v as JsonObject;
  const rawId = o['rawId'];
  if (rawId !== undefined && typeof rawId !== 'string') throw Errors.invalidField(`${path}.rawId`, 'must be a string');
  let id: string | undefined;
  const cu = o['communicationUser'];
  if (cu !== undefined && cu !== null) {
    const cid = typeof cu === 'object' ? (cu as JsonObject)['id'] : undefined;
    if (typeof cid !== 'string' || cid === '') {
      throw Errors.invalidField(`${path}.communicationUser.id`, 'must be a non-empty string');
    }
    id = cid;
  }
  const phone = o['phoneNumber'];
  if (id === undefined && phone && typeof phone === 'object') {
    const value = (phone as JsonObject)['value'];
    if (typeof value === 'string') id = rawId ?? `4:${value}`;
  }
  if (id === undefined) id = rawId;
  if (id === undefined || id === '') throw Errors.invalidField(path, 'needs communicationUser.id or rawId');
  if (rawId !== undefined && rawId !== '' && cu && rawId !== id) {
    throw Errors.invalidField(`${path}.rawId`, 'does not match communicationUser.id');
  }
  // A communication-user id the service cannot parse fails the whole request; a well-formed one it cannot add
  // is reported per participant (invalidParticipants).
  if (isCommunicationUserId(id) && !isWellFormedCommunicationUserId(id)) throw Errors.malformedIdentifier(id);
  return id;
}

export function parseParticipant(v: unknown, path: string, withMetadata: boolean): Participant {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw Errors.invalidField(path, 'must be a participant object');
  const o = v as JsonObject;
  if (o['communicationIdentifier'] === undefined) throw Errors.missingField(`${path}.communicationIdentifier`);
  const p: Participant = {
    id: parseIdentifier(o['communicationIdentifier'], `${path}.communicationIdentifier`),
    shareHistoryTime: 0,
  };
  const name = o['displayName'];
  if (name !== undefined && name !== null) {
    if (typeof name !== 'string') throw Errors.invalidField(`${path}.displayName`, 'must be a string');
    p.displayName = name;
  }
  const sht = o['shareHistoryTime'];
  if (sht !== undefined && sht !== null) {
    const ms = typeof sht === 'string' ? Date.parse(sht) : NaN;
    if (!Number.isFinite(ms)) throw Errors.invalidField(`${path}.shareHistoryTime`, 'must be an ISO 8601 date-time');
    p.shareHistoryTime = ms;
  }
  if (withMetadata) {
    const md = parseStrictMetadata(o['metadata'], `${path}.metadata`, MAX_METADATA_BYTES);
    if (md !== undefined) p.metadata = md;
  }
  return p;
}

export function parseParticipantList(v: unknown, path: string, withMetadata: boolean): Participant[] {
  if (!Array.isArray(v)) throw Errors.invalidField(path, 'must be an array');
  if (v.length > MAX_PARTICIPANTS_PER_REQUEST) {
    throw Errors.tooManyParticipantsInRequest(v.length, MAX_PARTICIPANTS_PER_REQUEST);
  }
  return v.map((p, i) => parseParticipant(p, `${path}[${i}]`, withMetadata));
}

/**
 * Splits requested participants into those to add and per-participant errors: injected faults, non-ACS
 * identifiers, unknown or deleted users, and those beyond the per-thread capacity. Existing members and
 * duplicates are dropped silently (adding an existing participant changes nothing).
 */
export function classifyParticipants(
  ctx: RequestContext,
  requested: Participant[],
  existing: ReadonlySet<string> | ReadonlyMap<string, unknown>,
): { add: Participant[]; invalid: ChatErrorModel[] } {
  const state = ctx.services.store.state;
  const add: Participant[] = [];
  const invalid: ChatErrorModel[] = [];
  const seen = new Set<string>();
  for (const p of requested) {
    if (seen.has(p.id) || existing.has(p.id)) continue;
    seen.add(p.id);
    const injected = ctx.services.faults.invalidParticipant(p.id);
    if (injected) invalid.push(injected);
    else if (!isCommunicationUserId(p.id)) invalid.push(Errors.participantUnsupported(p.id));
    else if (!state.activeUser(p.id)) invalid.push(Errors.participantUnknown(p.id));
    else if (existing.size + add.length >= MAX_PARTICIPANTS_PER_THREAD) {
      invalid.push(Errors.participantOverCapacity(p.id, MAX_PARTICIPANTS_PER_THREAD));
    } else add.push(p);
  }
  return { add, invalid };
}

export function parseRetentionPolicy(v: unknown): RetentionPolicy | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw Errors.invalidField('retentionPolicy', 'must be an object');
  const o = v as JsonObject;
  if (o['kind'] === 'none') return { kind: 'none' };
  if (o['kind'] === 'threadCreationDate') {
    const days = o['deleteThreadAfterDays'];
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 30 || days > 90) {
      throw Errors.invalidField('retentionPolicy.deleteThreadAfterDays', 'must be an integer from 30 to 90');
    }
    return { kind: 'threadCreationDate', deleteThreadAfterDays: days };
  }
  throw Errors.invalidField('retentionPolicy.kind', "must be 'threadCreationDate' or 'none'");
}

export function checkContentSize(content: string): void {
  if (Buffer.byteLength(content, 'utf8') > MAX_CONTENT_BYTES) throw Errors.contentTooLarge(MAX_CONTENT_BYTES);
}

/**
 * `Location` of a created thread (or, with `rest`, of something in it), encoded as the live service encodes it:
 * `/chat/threads/19%3A…@thread.v2` (only the colon is escaped).
 */
export function threadLocation(ctx: RequestContext, threadId: string, rest = ''): Record<string, string> {
  return { Location: `${ctx.origin}/chat/threads/${encodeURIComponent(threadId).replace(/%40/g, '@')}${rest}` };
}

export function checkMetadataTotal(m: Record<string, string>, path: string): void {
  let n = 0;
  for (const [k, v] of Object.entries(m)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (n > MAX_METADATA_BYTES) {
    throw Errors.invalidField(path, `must not exceed ${MAX_METADATA_BYTES} bytes in total (keys + values)`);
  }
}
