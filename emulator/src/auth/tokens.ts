import { createHmac, timingSafeEqual } from 'node:crypto';

export const KNOWN_SCOPES = ['chat', 'voip', 'chat.join', 'chat.join.limited', 'voip.join'] as const;
export type Scope = (typeof KNOWN_SCOPES)[number];

export interface TokenClaims {
  skypeid: string;
  scp: number;
  csi: string;
  iat: number;
  exp: number;
  acsScope: string;
  resourceId: string;
  /** Issue time in ms: revocation must separate tokens issued in the same second. */
  iatMs: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * JSON whose base64 has no '+'/'/' (base64url '-'/'_'): Python SDK 1.x decodes the payload with the standard
 * alphabet. For ASCII, only a group's third byte can yield sextet 62/63, and only for '>', '?', '~' or DEL, so
 * those (and every non-ASCII char) are written as \u escapes, which JSON readers decode to the same string.
 */
function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[>?~\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function issueToken(
  key: Buffer,
  userId: string,
  resourceId: string,
  scopes: string[],
  expiresInMinutes: number,
  nowMs = Date.now(),
): { token: string; expiresOnMs: number } {
  const iat = Math.floor(nowMs / 1000);
  const expiresOnMs = nowMs + expiresInMinutes * 60_000;
  const claims: TokenClaims = {
    skypeid: userId.replace(/^8:/, ''),
    scp: 1792,
    csi: String(iat),
    iat,
    exp: Math.floor(expiresOnMs / 1000),
    acsScope: scopes.join(','),
    resourceId,
    iatMs: nowMs,
  };
  const payload = Buffer.from(safeJson(claims)).toString('base64url');
  const sig = createHmac('sha256', key).update(`${HEADER}.${payload}`).digest('base64url');
  return { token: `${HEADER}.${payload}.${sig}`, expiresOnMs };
}

/** Verifies the signature and shape; returns undefined with a reason when invalid. Expiry is checked by the caller. */
export function verifyTokenSignature(key: Buffer, token: string): { claims?: TokenClaims; reason?: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { reason: 'not a JWT' };
  const [h, p, s] = parts as [string, string, string];
  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { reason: 'signature does not match (not issued by this emulator, or a different access key)' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { reason: 'payload is not JSON' };
  }
  const c = claims as Partial<TokenClaims>;
  if (
    typeof c.skypeid !== 'string' ||
    typeof c.exp !== 'number' ||
    typeof c.iat !== 'number' ||
    typeof c.acsScope !== 'string'
  ) {
    return { reason: 'required claims are missing' };
  }
  if (typeof c.iatMs !== 'number') c.iatMs = c.iat * 1000;
  return { claims: c as TokenClaims };
}
