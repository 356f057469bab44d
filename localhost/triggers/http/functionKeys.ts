import { timingSafeEqual } from 'crypto';
import type { IncomingMessage } from 'http';

/** True when the request carries `key` in `x-functions-key` or the `code` query parameter. */
export function hasValidKey(req: IncomingMessage, url: URL, key: string): boolean {
  const header = req.headers['x-functions-key'];
  const candidates = [typeof header === 'string' ? header : undefined, url.searchParams.get('code') ?? undefined];
  const expected = Buffer.from(key);
  return candidates.some((candidate) => {
    if (candidate === undefined) return false;
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
