import { Errors } from '../errors/AcsErrorFactory';
import { optionalString, parseJsonObject, parseMetadata, parseStrictMetadata } from '../http/json';
import { DEFAULT_PAGE_SIZE, decodeToken, encodeToken, nextLink, parseIntParam, parseStartTime } from '../http/paging';
import { isWellFormedMessageId } from '../model/ids';
import type { StoredMessage, Thread } from '../model/types';
import { renderMessage } from '../model/wire';
import { checkContentSize, memberThread, threadLocation, readableThread, type ReadView } from './chatAccess';
import { param, type HandlerResult, type RequestContext } from './context';

/** service-limits.md: ListMessages returns at most 200 per page. */
export const MAX_MESSAGE_PAGE = 200;

/** A message the caller may see: exists, not older than their shareHistoryTime, not after their removal. */
function visibleMessage(ctx: RequestContext, view: ReadView): StoredMessage {
  const id = param(ctx, 'messageId');
  if (!isWellFormedMessageId(id)) throw Errors.malformedMessageId(id);
  const i = view.thread.messageIndex.get(id);
  const m = i === undefined ? undefined : view.thread.messages[i];
  if (!m || m.createdAt < view.from || m.createdAt > view.until) throw Errors.notFound(`Message '${id}'`);
  return m;
}

export async function sendChatMessage(ctx: RequestContext): Promise<HandlerResult> {
  const thread = memberThread(ctx);
  const body = parseJsonObject(ctx.body, false);
  const content = optionalString(body, 'content');
  if (content === undefined) throw Errors.missingField('content');
  checkContentSize(content);
  const rawType = optionalString(body, 'type') ?? 'text';
  const type = rawType.toLowerCase();
  if (type !== 'text' && type !== 'html') throw Errors.invalidField('type', "must be 'text' or 'html'");
  const name = optionalString(body, 'senderDisplayName');
  const metadata = parseStrictMetadata(body['metadata'], 'metadata');
  const ms = ctx.services.store.state.clock.next();
  const id = String(ms);
  await ctx.services.store.commit([
    {
      t: 'messageAdded',
      threadId: thread.id,
      id,
      type,
      at: ms,
      sender: ctx.caller,
      ...(name !== undefined ? { name } : {}),
      content,
      ...(metadata ? { metadata } : {}),
    },
  ]);
  return {
    status: 201,
    body: { id },
    headers: threadLocation(ctx, thread.id, `/messages/${id}`),
  };
}

export function getChatMessage(ctx: RequestContext): HandlerResult {
  return { status: 200, body: renderMessage(visibleMessage(ctx, readableThread(ctx)), ctx.features) };
}

/**
 * Newest first by sequenceId (an edited or deleted message has taken a newer one, so it comes first). The
 * continuation token holds the last sequence id returned, so messages sent or changed while a client pages never
 * shift the pages it has not read yet (no duplicates, no gaps).
 */
export function listChatMessages(ctx: RequestContext): HandlerResult {
  const view = readableThread(ctx);
  const pageSize = parseIntParam(ctx.query, 'maxPageSize', 1, MAX_MESSAGE_PAGE) ?? DEFAULT_PAGE_SIZE;
  const token = decodeToken(ctx.query, ['s']);
  const startTime = token?.['st'] ?? parseStartTime(ctx.query);
  const floor = Math.max(startTime ?? 0, view.from);
  const slots = view.thread.messages;
  const value: Record<string, unknown>[] = [];
  let lastSeq = 0;
  let more = false;
  for (let i = Math.min(slots.length, (token?.['s'] ?? slots.length + 1) - 1) - 1; i >= 0; i--) {
    const m = slots[i];
    // an empty slot is a sequenceId its message left behind; a removed participant's view ends at the removal
    if (m === undefined || m.createdAt > view.until) continue;
    // Every lower slot got its sequenceId before this message got its version, so was created before it: when
    // the version is older than the floor, nothing below qualifies.
    if (m.version < floor) break;
    if (m.createdAt < floor) continue;
    if (value.length === pageSize) {
      more = true;
      break;
    }
    value.push(renderMessage(m, ctx.features));
    lastSeq = m.seq;
  }
  const body: Record<string, unknown> = { value };
  if (more) {
    const tok: Record<string, number> = { s: lastSeq };
    if (startTime !== undefined) tok['st'] = startTime;
    body['nextLink'] = nextLink(
      ctx.rawPath,
      { continuationToken: encodeToken(tok), maxPageSize: pageSize },
      ctx.apiVersion,
    );
  }
  return { status: 200, body };
}

function ownMessage(ctx: RequestContext): { thread: Thread; message: StoredMessage } {
  const thread = memberThread(ctx);
  const p = thread.participants.get(ctx.caller);
  const message = visibleMessage(ctx, { thread, from: p?.shareHistoryTime ?? 0, until: Number.MAX_SAFE_INTEGER });
  if (message.senderId !== ctx.caller) throw Errors.forbidden('Only the sender of a message can change or delete it.');
  return { thread, message };
}

export async function updateChatMessage(ctx: RequestContext): Promise<HandlerResult> {
  const { thread, message } = ownMessage(ctx);
  if (message.deletedAt !== undefined) throw Errors.notFound(`Message '${message.id}'`);
  const body = parseJsonObject(ctx.body, false);
  const content = optionalString(body, 'content');
  if (content !== undefined) checkContentSize(content);
  const metadata = parseMetadata(body['metadata'], 'metadata', { allowNull: true });
  if (content === undefined && metadata === undefined) {
    await ctx.services.store.durable();
    return { status: 204 };
  }
  await ctx.services.store.commit([
    {
      t: 'messageEdited',
      threadId: thread.id,
      messageId: message.id,
      at: ctx.services.store.state.clock.next(),
      ...(content !== undefined ? { content } : {}),
      ...(metadata ? { metadata } : {}),
    },
  ]);
  return { status: 204 };
}

export async function deleteChatMessage(ctx: RequestContext): Promise<HandlerResult> {
  const { thread, message } = ownMessage(ctx);
  if (message.deletedAt === undefined) {
    await ctx.services.store.commit([
      { t: 'messageDeleted', threadId: thread.id, messageId: message.id, at: ctx.services.store.state.clock.next() },
    ]);
  } else await ctx.services.store.durable();
  return { status: 204 };
}
