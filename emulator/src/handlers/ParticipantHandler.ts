import { Errors } from '../errors/AcsErrorFactory';
import { parseJsonObject } from '../http/json';
import { pageByPosition } from '../http/paging';
import { renderParticipant } from '../model/wire';
import type { Change } from '../persistence/changes';
import { classifyParticipants, memberThread, parseIdentifier, parseParticipantList } from './chatAccess';
import type { HandlerResult, RequestContext } from './context';
import { fixMessageTimes } from './ThreadHandler';

export async function addChatParticipants(ctx: RequestContext): Promise<HandlerResult> {
  const thread = memberThread(ctx);
  const body = parseJsonObject(ctx.body, false);
  if (body['participants'] === undefined || body['participants'] === null) throw Errors.missingField('participants');
  const requested = parseParticipantList(body['participants'], 'participants', ctx.features.participantMetadata);
  if (requested.length === 0) throw Errors.invalidField('participants', 'must contain at least one participant');
  const { add, invalid } = classifyParticipants(ctx, requested, thread.participants);
  if (add.length > 0) {
    const at = Date.now();
    const changes: Change[] = [
      { t: 'participantsAdded', threadId: thread.id, by: ctx.caller, at, participants: add },
      {
        t: 'messageAdded',
        threadId: thread.id,
        id: String(ctx.services.store.state.clock.next()),
        type: 'participantAdded',
        at,
        participants: add,
        initiator: ctx.caller,
      },
    ];
    fixMessageTimes(changes);
    await ctx.services.store.commit(changes);
  } else await ctx.services.store.durable();
  return { status: 201, body: invalid.length > 0 ? { invalidParticipants: invalid } : {} };
}

/**
 * Join order. `skip` applies to the first page; later pages carry a cursor on the join counter, so members
 * added or removed while a client pages never cause a duplicate or a gap.
 */
export function listChatParticipants(ctx: RequestContext): HandlerResult {
  const thread = memberThread(ctx);
  return pageByPosition(
    ctx,
    thread.participants.values(),
    (p) => thread.joined.get(p.id) ?? 0,
    (p) => renderParticipant(p, ctx.features),
    'j',
  );
}

export async function removeChatParticipant(ctx: RequestContext): Promise<HandlerResult> {
  const thread = memberThread(ctx);
  const id = parseIdentifier(parseJsonObject(ctx.body, false), 'body');
  const participant = thread.participants.get(id);
  // The live service answers 204 for someone who is not a member (azure-sdk-assets recordings): nothing to do.
  if (!participant) {
    await ctx.services.store.durable();
    return { status: 204 };
  }
  // The removal time is the system message's id: the removed user's history ends exactly there.
  const at = ctx.services.store.state.clock.next();
  const changes: Change[] = [
    { t: 'participantRemoved', threadId: thread.id, by: ctx.caller, at, participantId: id },
    {
      t: 'messageAdded',
      threadId: thread.id,
      id: String(at),
      type: 'participantRemoved',
      at,
      participants: [participant],
      initiator: ctx.caller,
    },
  ];
  fixMessageTimes(changes);
  await ctx.services.store.commit(changes);
  return { status: 204 };
}
