import { Errors } from '../errors/AcsErrorFactory';

export function parseIntParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw Errors.invalidField(name, 'must be an integer');
  const n = Number(raw);
  if (n < min || n > max) throw Errors.invalidField(name, `must be between ${min} and ${max}`);
  return n;
}

/** `startTime` as the SDK sends it (ISO 8601); returns ms epoch. */
export function parseStartTime(query: URLSearchParams): number | undefined {
  const raw = query.get('startTime');
  if (raw === null || raw === '') return undefined;
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms)) throw Errors.invalidField('startTime', 'must be an ISO 8601 date-time');
  return ms;
}

/** Opaque continuation tokens: base64url JSON, so they are URL-safe as-is. */
export function encodeToken(value: Record<string, number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken(query: URLSearchParams, keys: string[]): Record<string, number> | undefined {
  const raw = query.get('continuationToken');
  if (raw === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw Errors.invalidField('continuationToken', 'is not a token this emulator issued');
  }
  if (parsed === null || typeof parsed !== 'object') {
    throw Errors.invalidField('continuationToken', 'is not a token this emulator issued');
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw Errors.invalidField('continuationToken', 'is not a token this emulator issued');
    }
    out[k] = v;
  }
  if (!keys.every((k) => k in out))
    throw Errors.invalidField('continuationToken', 'is not a token this emulator issued');
  return out;
}

/** A relative nextLink on the request's own path; carries api-version and every paging parameter. */
export function nextLink(rawPath: string, params: Record<string, string | number>, apiVersion: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  q.set('api-version', apiVersion);
  return `${rawPath}?${q.toString()}`;
}
