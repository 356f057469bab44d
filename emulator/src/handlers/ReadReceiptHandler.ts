import { Errors } from '../errors/AcsErrorFactory';
import { optionalString, parseJsonObject } from '../http/json';
import { nextLink, parseIntParam } from '../http/paging';
import { renderReceipt } from '../model/wire';
import { MAX_PARTICIPANTS_FOR_RECEIPTS, memberThread } from './chatAccess';
import type { HandlerResult, RequestContext } from './context';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 250;

export async function sendChatReadReceipt(ctx: RequestContext): Promise<HandlerResult> {
  const thread = memberThread(ctx);
  const body = parseJsonObject(ctx.body, false);
  const messageId = optionalString(body, 'chatMessageId');
  if (messageId === undefined || messageId === '') throw Errors.missingField('chatMessageId');
  if (!thread.messageIndex.has(messageId)) throw Errors.notFound(`Message '${messageId}'`);
  // Receipts are not kept for threads above 20 participants (service-limits.md); accepted and dropped.
  if (thread.participants.size <= MAX_PARTICIPANTS_FOR_RECEIPTS) {
    await ctx.services.store.commit([
      { t: 'readReceipt', threadId: thread.id, userId: ctx.caller, messageId, at: Date.now() },
    ]);
  }
  return { status: 200 };
}

export function listChatReadReceipts(ctx: RequestContext): HandlerResult {
  const thread = memberThread(ctx);
  const pageSize = parseIntParam(ctx.query, 'maxPageSize', 1, MAX_PAGE) ?? DEFAULT_PAGE;
  const skip = parseIntParam(ctx.query, 'skip', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const all = [...thread.receipts.values()];
  const value = all.slice(skip, skip + pageSize).map(renderReceipt);
  const body: Record<string, unknown> = { value };
  if (skip + pageSize < all.length) {
    body['nextLink'] = nextLink(ctx.rawPath, { skip: skip + pageSize, maxPageSize: pageSize }, ctx.apiVersion);
  }
  return { status: 200, body };
}

export function sendTypingNotification(ctx: RequestContext): HandlerResult {
  memberThread(ctx);
  const body = parseJsonObject(ctx.body);
  optionalString(body, 'senderDisplayName');
  // Typing notifications are delivered only over realtime signaling, which Node clients do not have: no state.
  return { status: 200 };
}
