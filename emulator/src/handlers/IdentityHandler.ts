import { issueToken, KNOWN_SCOPES } from '../auth/tokens';
import { Errors } from '../errors/AcsErrorFactory';
import { parseJsonObject, type JsonObject } from '../http/json';
import { newUserId, resourceOfUserId } from '../model/ids';
import { identityTime } from '../model/time';
import { param, type HandlerResult, type RequestContext } from './context';

export const TOKEN_MINUTES_MIN = 60;
export const TOKEN_MINUTES_MAX = 1440;

function parseScopes(o: JsonObject, field: string): string[] {
  const v = o[field];
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) throw Errors.scopesRequired(field);
  if (!Array.isArray(v)) throw Errors.invalidField(field, 'must be a non-empty array of scopes');
  for (const s of v) {
    if (typeof s !== 'string' || !(KNOWN_SCOPES as readonly string[]).includes(s)) {
      throw Errors.invalidField(field, `'${String(s)}' is not a known scope (${KNOWN_SCOPES.join(', ')})`);
    }
  }
  return [...new Set(v as string[])];
}

function parseExpiry(o: JsonObject): number {
  const v = o['expiresInMinutes'];
  if (v === undefined || v === null) return TOKEN_MINUTES_MAX;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < TOKEN_MINUTES_MIN || v > TOKEN_MINUTES_MAX) {
    throw Errors.invalidField(
      'expiresInMinutes',
      `must be an integer from ${TOKEN_MINUTES_MIN} to ${TOKEN_MINUTES_MAX} (minutes)`,
    );
  }
  return v;
}

function tokenFor(ctx: RequestContext, userId: string, scopes: string[], minutes: number): Record<string, string> {
  const { token, expiresOnMs } = issueToken(
    ctx.services.key,
    userId,
    ctx.services.store.state.resourceId,
    scopes,
    minutes,
  );
  return { token, expiresOn: identityTime(expiresOnMs) };
}

/**
 * The identity in the path, owned by this resource: an id of another resource (or no resource at all) is 401
 * IdentityNotOwned, as the live service answers; an id of this resource that does not exist is 404.
 */
function ownedIdentity(ctx: RequestContext): string {
  const id = param(ctx, 'id');
  if (resourceOfUserId(id) !== ctx.services.store.state.resourceId.toLowerCase()) throw Errors.identityNotOwned();
  return id;
}

function existingUser(ctx: RequestContext): string {
  const id = ownedIdentity(ctx);
  const user = ctx.services.store.state.users.get(id);
  if (!user || user.deletedAt !== undefined) throw Errors.identityNotFound(id);
  return id;
}

export async function createUser(ctx: RequestContext): Promise<HandlerResult> {
  const body = parseJsonObject(ctx.body);
  const wantsToken = body['createTokenWithScopes'] !== undefined && body['createTokenWithScopes'] !== null;
  const scopes = wantsToken ? parseScopes(body, 'createTokenWithScopes') : [];
  const minutes = parseExpiry(body);
  const state = ctx.services.store.state;
  const id = newUserId(state.resourceId);
  await ctx.services.store.commit([{ t: 'userCreated', id, at: Date.now() }]);
  const out: Record<string, unknown> = { identity: { id } };
  if (wantsToken) out['accessToken'] = tokenFor(ctx, id, scopes, minutes);
  return { status: 201, body: out };
}

export function issueAccessToken(ctx: RequestContext): HandlerResult {
  const id = existingUser(ctx);
  const body = parseJsonObject(ctx.body, false);
  const scopes = parseScopes(body, 'scopes');
  const minutes = parseExpiry(body);
  return { status: 200, body: tokenFor(ctx, id, scopes, minutes) };
}

export async function revokeAccessTokens(ctx: RequestContext): Promise<HandlerResult> {
  const id = existingUser(ctx);
  await ctx.services.store.commit([{ t: 'tokensRevoked', id, at: Date.now() }]);
  return { status: 204 };
}

export async function deleteUser(ctx: RequestContext): Promise<HandlerResult> {
  const id = ownedIdentity(ctx);
  const user = ctx.services.store.state.users.get(id);
  if (!user) throw Errors.identityNotFound(id);
  // Deleting twice is not an error (the SDK's deleteUser is safe to retry).
  if (user.deletedAt === undefined) await ctx.services.store.commit([{ t: 'userDeleted', id, at: Date.now() }]);
  else await ctx.services.store.durable();
  return { status: 204 };
}

export function exchangeTeamsUserAccessToken(): HandlerResult {
  throw Errors.teamsExchangeUnsupported();
}
