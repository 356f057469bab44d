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

export const DEFAULT_PAGE_SIZE = 100;
/** Page-size bound for lists whose service maximum is undocumented (threads, participants, receipts). */
export const MAX_PAGE_SIZE = 250;

interface PagedRequest {
  query: URLSearchParams;
  rawPath: string;
  apiVersion: string;
}

/**
 * One page of a list kept in a stable order where each item has an increasing position. `skip` applies to the
 * first page; later pages carry a cursor on the position (under `cursorKey` in the token), so items added or
 * removed while a client pages never cause a duplicate or a gap.
 */
export function pageByPosition<T>(
  req: PagedRequest,
  items: Iterable<T>,
  positionOf: (item: T) => number,
  render: (item: T) => Record<string, unknown>,
  cursorKey: string,
): { status: 200; body: Record<string, unknown> } {
  const pageSize = parseIntParam(req.query, 'maxPageSize', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
  const token = decodeToken(req.query, [cursorKey]);
  const after = token?.[cursorKey] ?? 0;
  let skip = token ? 0 : (parseIntParam(req.query, 'skip', 0, Number.MAX_SAFE_INTEGER) ?? 0);
  const value: Record<string, unknown>[] = [];
  let last = 0;
  let more = false;
  for (const item of items) {
    const position = positionOf(item);
    if (position <= after) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    if (value.length === pageSize) {
      more = true;
      break;
    }
    value.push(render(item));
    last = position;
  }
  const body: Record<string, unknown> = { value };
  if (more) {
    const continuationToken = encodeToken({ [cursorKey]: last });
    body['nextLink'] = nextLink(req.rawPath, { continuationToken, maxPageSize: pageSize }, req.apiVersion);
  }
  return { status: 200, body };
}
