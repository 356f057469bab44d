import { Errors } from '../errors/AcsErrorFactory';
import type { State } from '../persistence/State';
import { verifyTokenSignature, type TokenClaims } from './tokens';

const CACHE_LIMIT = 10_000;

/**
 * Authenticates chat calls by their ACS user token. Signature checks are cached per token string (the SDK sends
 * the same token on every call); expiry, revocation and deletion are checked on every request.
 */
export class ChatAuthenticator {
  private readonly verified = new Map<string, TokenClaims>();

  constructor(private readonly key: Buffer) {}

  /** Returns the caller's raw user id. */
  authenticate(authorization: string | undefined, state: State, now = Date.now()): string {
    if (authorization === undefined || authorization.trim() === '') throw Errors.missingAuth();
    const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!m) throw Errors.tokenInvalid('chat operations require "Authorization: Bearer <ACS user access token>"');
    const token = m[1] as string;
    let claims = this.verified.get(token);
    if (!claims) {
      const result = verifyTokenSignature(this.key, token);
      if (!result.claims) throw Errors.tokenInvalid(result.reason ?? 'unknown');
      claims = result.claims;
      if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
      this.verified.set(token, claims);
    }
    if (claims.exp * 1000 <= now) throw Errors.tokenInvalid('the token has expired');
    const userId = `8:${claims.skypeid}`;
    const user = state.users.get(userId);
    if (!user) throw Errors.tokenInvalid('the token belongs to an unknown identity');
    if (user.deletedAt !== undefined) throw Errors.tokenInvalid('the identity was deleted');
    if (claims.iatMs < user.revokedAt) throw Errors.tokenInvalid('the token was revoked');
    const scopes = claims.acsScope.split(',');
    if (!scopes.some((s) => s === 'chat' || s === 'chat.join' || s === 'chat.join.limited')) {
      throw Errors.missingChatScope();
    }
    return userId;
  }
}
