import { Errors } from '../errors/AcsErrorFactory';
import { optionalString, parseJsonObject } from '../http/json';
import { pageByPosition } from '../http/paging';
import { renderReceipt } from '../model/wire';
import { MAX_PARTICIPANTS_FOR_RECEIPTS, memberThread } from './chatAccess';
import type { HandlerResult, RequestContext } from './context';

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
  return pageByPosition(ctx, thread.receipts.values(), (r) => r.order, renderReceipt, 'r');
}

export function sendTypingNotification(ctx: RequestContext): HandlerResult {
  memberThread(ctx);
  const body = parseJsonObject(ctx.body);
  optionalString(body, 'senderDisplayName');
  // Typing notifications are delivered only over realtime signaling, which Node clients do not have: no state.
  return { status: 200 };
}
