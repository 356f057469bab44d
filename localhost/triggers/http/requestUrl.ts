/**
 * The request URL and query as the runtime hands them to the worker (non-streaming HTTP):
 * - the URL's path is decoded, then re-escaped as ASP.NET's `PathString.ToUriComponent` does: characters a path may
 *   hold stay as they are (`19:abc@thread.v2`, not `19%3Aabc%40thread.v2`), the others are percent-encoded, and a
 *   kept `%2F` stays `%2F`; the query string is passed through as sent;
 * - the query is a map in which a name given twice holds its values joined with a comma (`tag=a&tag=b` → `a,b`).
 */

/** Path characters ToUriComponent leaves alone: RFC 3986 pchar and `/`. */
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

export function runtimeUrl(url: URL, decodedSegments: readonly string[]): string {
  const path = decodedSegments.map(escapePathSegment).join('/');
  return `${url.origin}/${path}${url.search}`;
}

function escapePathSegment(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i] as string;
    if (ch === '%' && /^%[0-9A-Fa-f]{2}/.test(segment.slice(i, i + 3)))
      out += ch; // an escape kept as is (%2F)
    else if (PATH_SAFE.test(ch)) out += ch;
    else {
      const code = segment.codePointAt(i) as number;
      const char = String.fromCodePoint(code);
      if (char.length === 2) i++;
      out += [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    }
  }
  return out;
}

export function runtimeQuery(url: URL): Record<string, string> {
  const query = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    const before = query.get(name);
    query.set(name, before === undefined ? value : `${before},${value}`);
  }
  return Object.fromEntries(query);
}
