import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Errors } from '../errors/AcsErrorFactory';

/** Accept requests whose x-ms-date is within this window of our clock (the service's window is not documented). */
export const CLOCK_SKEW_MS = 15 * 60 * 1000;

export const EMPTY_CONTENT_HASH = createHash('sha256').update('').digest('base64');

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function decodePath(pathAndQuery: string): string | undefined {
  try {
    return decodeURIComponent(pathAndQuery);
  } catch {
    return undefined;
  }
}

/**
 * Verifies `Authorization: HMAC-SHA256 SignedHeaders=...&Signature=...` exactly as the SDKs sign
 * (acs-rest-api.md §3.1). The path may be signed percent-encoded (JS) or decoded (Python async).
 * Throws a 401 AcsError; never logs the key or the signature.
 */
export function verifyHmac(
  method: string,
  pathAndQuery: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  key: Buffer,
  now = Date.now(),
): void {
  const auth = header(headers, 'authorization');
  if (auth === undefined || auth.trim() === '') throw Errors.missingAuth();
  if (/^bearer\s/i.test(auth)) throw Errors.entraNotSupported();
  const m = /^HMAC-SHA256\s+SignedHeaders=([^&]+)&Signature=(.+)$/i.exec(auth.trim());
  if (!m) throw Errors.hmacInvalid("the Authorization header must be 'HMAC-SHA256 SignedHeaders=...&Signature=...'");
  const signedHeaders = (m[1] as string).split(';').map((h) => h.trim().toLowerCase());
  const signature = m[2] as string;
  for (const required of ['host', 'x-ms-content-sha256']) {
    if (!signedHeaders.includes(required)) throw Errors.hmacInvalid(`SignedHeaders must include '${required}'`);
  }
  const dateHeader = signedHeaders.includes('x-ms-date') ? 'x-ms-date' : signedHeaders.includes('date') ? 'date' : '';
  if (dateHeader === '') throw Errors.hmacInvalid("SignedHeaders must include 'x-ms-date'");
  const values: string[] = [];
  for (const h of signedHeaders) {
    const v = header(headers, h);
    if (v === undefined) throw Errors.hmacInvalid(`signed header '${h}' is missing from the request`);
    values.push(v);
  }
  const date = Date.parse(header(headers, dateHeader) ?? '');
  if (!Number.isFinite(date)) throw Errors.hmacInvalid(`'${dateHeader}' is not an RFC 1123 date`);
  if (Math.abs(now - date) > CLOCK_SKEW_MS) {
    throw Errors.hmacInvalid(`'${dateHeader}' is more than ${CLOCK_SKEW_MS / 60000} minutes away from the server time`);
  }
  const contentHash = createHash('sha256').update(body).digest('base64');
  if (!safeEqual(header(headers, 'x-ms-content-sha256') ?? '', contentHash)) {
    throw Errors.hmacInvalid("'x-ms-content-sha256' does not match the SHA-256 of the body");
  }
  const candidates = [pathAndQuery];
  const decoded = decodePath(pathAndQuery);
  if (decoded !== undefined && decoded !== pathAndQuery) candidates.push(decoded);
  for (const p of candidates) {
    const stringToSign = `${method.toUpperCase()}\n${p}\n${values.join(';')}`;
    const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64');
    if (safeEqual(expected, signature)) return;
  }
  throw Errors.hmacInvalid('the signature does not match (wrong access key, or the request was altered)');
}
