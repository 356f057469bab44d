/**
 * HTTP ETags over storage versions: the storage ETag (e.g. `W/"datetime'…'"`) travels base64url-encoded inside a
 * strong HTTP ETag, so If-Match gives back exactly the version a conditional storage write needs.
 */

export function toHttpEtag(version: string): string {
  return `"${Buffer.from(version, 'utf8').toString('base64url')}"`;
}

/** The storage version an If-Match names: `*` for any, undefined when the header is absent or not ours. */
export function versionFromIfMatch(header: string | null | undefined): string | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const m = /^(?:W\/)?"([A-Za-z0-9_-]*)"$/.exec(value);
  if (!m?.[1]) return undefined;
  return Buffer.from(m[1], 'base64url').toString('utf8');
}
