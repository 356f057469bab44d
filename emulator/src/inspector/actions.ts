/**
 * What a person can do from the page, done by the same handlers the API uses (same validation, limits, system
 * messages and events), called in-process. They are not API calls: no fault rule or throttling applies to them and
 * they are not counted in `calls`, so trying something by hand never disturbs a test's figures.
 */
import * as Admin from '../admin/AdminHandler';
import { Errors } from '../errors/AcsErrorFactory';
import type { Handler, HandlerResult, RequestContext, Services } from '../handlers/context';
import * as Identity from '../handlers/IdentityHandler';
import * as Messages from '../handlers/MessageHandler';
import * as Participants from '../handlers/ParticipantHandler';
import { optionalString, parseJsonObject, requireString } from '../http/json';
import { apiFeatures } from '../model/wire';
import { anyThread } from './readModel';
import type { CreatedUser } from './views';

/** The api-version the page's actions are made with: the newest, so metadata is kept. */
const API_VERSION = '2025-03-15';

interface Call {
  method: string;
  params?: Record<string, string>;
  body?: unknown;
  caller?: string;
}

/** Runs an API handler as if `caller` had sent the request. */
async function run(services: Services, handler: Handler, call: Call): Promise<HandlerResult> {
  const ctx: RequestContext = {
    method: call.method,
    rawPath: '/',
    query: new URLSearchParams(),
    params: call.params ?? {},
    headers: {},
    body: call.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(call.body)),
    origin: 'https://localhost',
    apiVersion: API_VERSION,
    features: apiFeatures(API_VERSION),
    caller: call.caller ?? '',
    services,
  };
  return handler(ctx);
}

/**
 * `{ senderId, content, type?, metadata? }`: sends as that user, who must be a member of the thread (else 403, as
 * the API answers). The sender's display name in the thread is used.
 */
export async function postMessage(services: Services, threadId: string, body: Buffer): Promise<HandlerResult> {
  const o = parseJsonObject(body, false);
  const senderId = requireString(o, 'senderId');
  const name = services.store.state.thread(threadId)?.participants.get(senderId)?.displayName;
  const message = { content: o['content'], type: o['type'], metadata: o['metadata'], senderDisplayName: name };
  return run(services, Messages.sendChatMessage, {
    method: 'POST',
    params: { threadId },
    body: message,
    caller: senderId,
  });
}

/**
 * `{ displayName?, threadId? }`: creates an identity; with `threadId`, adds it to that thread under the display
 * name, added by the thread's creator (or its first member when the creator left), as a member would.
 */
export async function createUser(services: Services, body: Buffer): Promise<CreatedUser> {
  const o = parseJsonObject(body);
  const displayName = optionalString(o, 'displayName')?.trim() || undefined;
  const threadId = optionalString(o, 'threadId');
  let initiator: string | undefined;
  if (threadId !== undefined) {
    const thread = anyThread(services.store.state, threadId);
    if (thread.deletedAt !== undefined) throw Errors.threadNotFound();
    initiator = thread.participants.has(thread.createdBy) ? thread.createdBy : thread.participants.keys().next().value;
    if (initiator === undefined) throw Errors.badRequest('The thread has no members left to add a user.', 'threadId');
  }
  const created = await run(services, Identity.createUser, { method: 'POST' });
  const id = (created.body as { identity: { id: string } }).identity.id;
  if (threadId === undefined) return { id, ...(displayName ? { displayName } : {}) };
  const participant = {
    communicationIdentifier: { communicationUser: { id } },
    ...(displayName ? { displayName } : {}),
  };
  await run(services, Participants.addChatParticipants, {
    method: 'POST',
    params: { threadId },
    body: { participants: [participant] },
    caller: initiator,
  });
  return { id, threadId, ...(displayName ? { displayName } : {}) };
}

export function addFault(services: Services, body: Buffer): Promise<HandlerResult> {
  return run(services, Admin.addFault, { method: 'POST', body: parseJsonObject(body, false) });
}

export function deleteFault(services: Services, id: string): Promise<HandlerResult> {
  return run(services, Admin.deleteFault, { method: 'DELETE', params: { id } });
}

export function deleteAllFaults(services: Services): Promise<HandlerResult> {
  return run(services, Admin.deleteAllFaults, { method: 'DELETE' });
}

export function setThrottling(services: Services, body: Buffer): Promise<HandlerResult> {
  return run(services, Admin.setThrottling, { method: 'PUT', body: parseJsonObject(body, false) });
}
