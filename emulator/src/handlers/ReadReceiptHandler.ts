import { Errors } from '../errors/AcsErrorFactory';
import { optionalString, parseJsonObject } from '../http/json';
import { decodeToken, encodeToken, nextLink, parseIntParam } from '../http/paging';
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

/** In order of each user's first receipt; like participants, `skip` on the first page and a cursor after it. */
export function listChatReadReceipts(ctx: RequestContext): HandlerResult {
  const thread = memberThread(ctx);
  const pageSize = parseIntParam(ctx.query, 'maxPageSize', 1, MAX_PAGE) ?? DEFAULT_PAGE;
  const token = decodeToken(ctx.query, ['r']);
  const after = token?.['r'] ?? 0;
  let skip = token ? 0 : (parseIntParam(ctx.query, 'skip', 0, Number.MAX_SAFE_INTEGER) ?? 0);
  const value: Record<string, unknown>[] = [];
  let last = 0;
  let more = false;
  for (const r of thread.receipts.values()) {
    if (r.order <= after) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    if (value.length === pageSize) {
      more = true;
      break;
    }
    value.push(renderReceipt(r));
    last = r.order;
  }
  const body: Record<string, unknown> = { value };
  if (more) {
    body['nextLink'] = nextLink(
      ctx.rawPath,
      { continuationToken: encodeToken({ r: last }), maxPageSize: pageSize },
      ctx.apiVersion,
    );
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
