import { Errors } from '../errors/AcsErrorFactory';
import { optionalString, parseJsonObject, parseMetadata, parseStrictMetadata } from '../http/json';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  decodeToken,
  encodeToken,
  nextLink,
  parseIntParam,
  parseStartTime,
} from '../http/paging';
import { newThreadId, sha256Hex } from '../model/ids';
import type { Participant, Thread } from '../model/types';
import { renderThread, renderThreadItem } from '../model/wire';
import { mergeMetadata } from '../persistence/applyChange';
import type { Change } from '../persistence/changes';
import {
  checkMetadataTotal,
  classifyParticipants,
  MAX_METADATA_BYTES,
  memberThread,
  readableThread,
  parseParticipantList,
  parseRetentionPolicy,
  threadLocation,
} from './chatAccess';
import type { HandlerResult, RequestContext } from './context';

/** The `topicUpdated` system message the service posts when a thread is created or its topic changes. */
function topicUpdatedMessage(ctx: RequestContext, threadId: string, topic: string, at: number): Change {
  const id = String(ctx.services.store.state.clock.next());
  return { t: 'messageAdded', threadId, id, type: 'topicUpdated', at, content: topic, initiator: ctx.caller };
}

function createdResult(ctx: RequestContext, thread: Thread, invalid: unknown[]): HandlerResult {
  const body: Record<string, unknown> = { chatThread: renderThread(thread, ctx.features) };
  if (invalid.length > 0) body['invalidParticipants'] = invalid;
  return { status: 201, body, headers: threadLocation(ctx, thread.id) };
}

export async function createChatThread(ctx: RequestContext): Promise<HandlerResult> {
  const state = ctx.services.store.state;
  const requestId = ctx.headers['repeatability-request-id'];
  const rk = typeof requestId === 'string' && requestId !== '' ? `${ctx.caller}|${requestId}` : undefined;
  const rh = sha256Hex(ctx.body.toString('utf8'));
  if (rk !== undefined) {
    const prior = state.idempotency.get(rk);
    if (prior) {
      if (prior.requestHash !== rh) throw Errors.idempotencyConflict();
      const t = state.threads.get(prior.threadId);
      if (t) {
        await ctx.services.store.durable();
        return createdResult(ctx, t, prior.invalidParticipants);
      }
    }
  }
  const body = parseJsonObject(ctx.body, false);
  const topic = optionalString(body, 'topic');
  if (topic === undefined) throw Errors.missingField('topic');
  if (topic.trim() === '') throw Errors.invalidField('topic', 'must not be empty');
  const requested =
    body['participants'] === undefined || body['participants'] === null
      ? []
      : parseParticipantList(body['participants'], 'participants', ctx.features.participantMetadata);
  const metadata = ctx.features.threadMetadata
    ? parseStrictMetadata(body['metadata'], 'metadata', MAX_METADATA_BYTES)
    : undefined;
  const retentionPolicy = ctx.features.retentionPolicy ? parseRetentionPolicy(body['retentionPolicy']) : undefined;

  // The creator is always a member; their own entry (display name) wins if they listed themselves.
  const own = requested.find((p) => p.id === ctx.caller);
  const creator: Participant = own ?? { id: ctx.caller, shareHistoryTime: 0 };
  const { add, invalid } = classifyParticipants(
    ctx,
    requested.filter((p) => p.id !== ctx.caller),
    new Set([ctx.caller]),
  );
  const participants = [creator, ...add];
  const at = Date.now();
  const id = newThreadId();
  const changes: Change[] = [
    {
      t: 'threadCreated',
      id,
      topic,
      at,
      by: ctx.caller,
      ...(metadata ? { metadata } : {}),
      ...(retentionPolicy ? { retentionPolicy } : {}),
      participants,
      ...(rk !== undefined ? { rk, rh } : {}),
      invalid,
    },
    {
      t: 'messageAdded',
      threadId: id,
      id: String(state.clock.next()),
      type: 'participantAdded',
      at,
      participants: participants.map((p) => ({ ...p, shareHistoryTime: 0 })),
      initiator: ctx.caller,
    },
    topicUpdatedMessage(ctx, id, topic, at),
  ];
  fixMessageTimes(changes);
  await ctx.services.store.commit(changes);
  return createdResult(ctx, state.threads.get(id) as Thread, invalid);
}

/** A message's createdOn is its ms-epoch id, so ids and times never disagree. */
export function fixMessageTimes(changes: Change[]): void {
  for (const c of changes) if (c.t === 'messageAdded') c.at = Number(c.id);
}

export function listChatThreads(ctx: RequestContext): HandlerResult {
  const state = ctx.services.store.state;
  const pageSize = parseIntParam(ctx.query, 'maxPageSize', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
  const startTime = parseStartTime(ctx.query);
  const token = decodeToken(ctx.query, ['o']);
  const before = token?.['o'] ?? Number.MAX_SAFE_INTEGER;
  const since = token?.['st'] ?? startTime;
  // Newest thread first, by creation order: a cursor on the ordinal keeps paging stable while threads change.
  const ordinals = [...(state.userThreads.get(ctx.caller) ?? [])].filter((o) => o < before).sort((a, b) => b - a);
  const value: Record<string, unknown>[] = [];
  let last = -1;
  let more = false;
  for (const o of ordinals) {
    const t = state.threadList[o];
    if (!t) continue;
    if (since !== undefined && (t.lastMessageAt ?? t.createdAt) < since) continue;
    if (value.length === pageSize) {
      more = true;
      break;
    }
    value.push(renderThreadItem(t));
    last = o;
  }
  const body: Record<string, unknown> = { value };
  if (more) {
    const tok: Record<string, number> = { o: last };
    if (since !== undefined) tok['st'] = since;
    body['nextLink'] = nextLink(
      ctx.rawPath,
      { continuationToken: encodeToken(tok), maxPageSize: pageSize },
      ctx.apiVersion,
    );
  }
  return { status: 200, body };
}

export function getChatThreadProperties(ctx: RequestContext): HandlerResult {
  return { status: 200, body: renderThread(readableThread(ctx).thread, ctx.features) };
}

export async function updateChatThreadProperties(ctx: RequestContext): Promise<HandlerResult> {
  const thread = memberThread(ctx);
  const body = parseJsonObject(ctx.body, false);
  const topic = optionalString(body, 'topic');
  if (topic !== undefined && topic.trim() === '') throw Errors.invalidField('topic', 'must not be empty');
  const metadata = ctx.features.threadMetadata
    ? parseMetadata(body['metadata'], 'metadata', { allowNull: true })
    : undefined;
  if (metadata) checkMetadataTotal(mergeMetadata(thread.metadata, metadata), 'metadata');
  // Merge-patch `"retentionPolicy": null` removes the policy, which the service reports as `{"kind":"none"}`.
  const retentionPolicy = !ctx.features.retentionPolicy
    ? undefined
    : body['retentionPolicy'] === null
      ? ({ kind: 'none' } as const)
      : parseRetentionPolicy(body['retentionPolicy']);
  if (topic === undefined && metadata === undefined && retentionPolicy === undefined) {
    await ctx.services.store.durable();
    return { status: 204 };
  }
  const at = Date.now();
  const changes: Change[] = [
    {
      t: 'threadUpdated',
      threadId: thread.id,
      by: ctx.caller,
      at,
      ...(topic !== undefined ? { topic } : {}),
      ...(metadata ? { metadata } : {}),
      ...(retentionPolicy ? { retentionPolicy } : {}),
    },
  ];
  if (topic !== undefined) changes.push(topicUpdatedMessage(ctx, thread.id, topic, at));
  fixMessageTimes(changes);
  await ctx.services.store.commit(changes);
  return { status: 204 };
}

export async function deleteChatThread(ctx: RequestContext): Promise<HandlerResult> {
  const thread = memberThread(ctx);
  await ctx.services.store.commit([{ t: 'threadDeleted', threadId: thread.id, by: ctx.caller, at: Date.now() }]);
  return { status: 204 };
}
