import { createHmac, randomBytes } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs `claims` as an HS256 JWT with `key`. */
export function signJwt(claims: JwtClaims, key: Buffer, header: JwtClaims = { alg: 'HS256', typ: 'JWT' }): string {
  const head = b64url(JSON.stringify(header));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export function decodeJwt(token: string): { header: JwtClaims; claims: JwtClaims; signature: string; parts: string[] } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not a JWT: ${parts.length} parts`);
  const [head, body, signature] = parts as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as JwtClaims,
    claims: JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as JwtClaims,
    signature,
    parts,
  };
}

/** True when `token`'s HS256 signature was made with `key`. */
export function verifiesWith(token: string, key: Buffer): boolean {
  const { parts, signature } = decodeJwt(token);
  const expected = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest('base64url');
  return expected === signature;
}

/**
 * The key the emulator signs tokens with. Reference §3.2 says "signed with the emulator's access key"; that can mean
 * the decoded key bytes (as HMAC identity auth uses) or the base64 text. Decide from a real token, so the forged and
 * expired tokens below are signed exactly like real ones except for the one thing each test changes.
 */
export function tokenSigningKey(realToken: string, accessKeyB64: string): Buffer {
  const candidates = [Buffer.from(accessKeyB64, 'base64'), Buffer.from(accessKeyB64, 'utf8')];
  const key = candidates.find((k) => verifiesWith(realToken, k));
  if (!key) throw new Error('emulator tokens are not HS256-signed with the access key (reference §3.2)');
  return key;
}

export function otherKey(): Buffer {
  return randomBytes(32);
}
