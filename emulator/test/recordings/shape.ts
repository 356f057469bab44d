/**
 * How a response is reduced to comparable facts, shared by the extractor (live recordings) and the conformance
 * test (the emulator), so both sides are described the same way.
 */

/** Fields whose keys are the caller's data, not the wire shape. */
const MAP_FIELDS = new Set(['metadata']);

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Adds `path: type` for every value in `v`; array elements share `path[]`; map-valued fields stop at the map. */
export function keyPaths(v: unknown, path = '', out = new Set<string>()): Set<string> {
  if (path !== '') out.add(`${path}: ${typeOf(v)}`);
  if (Array.isArray(v)) for (const x of v) keyPaths(x, `${path}[]`, out);
  else if (v !== null && typeof v === 'object') {
    if (MAP_FIELDS.has(path.split('.').pop() ?? '')) return out;
    for (const [k, x] of Object.entries(v)) keyPaths(x, path === '' ? k : `${path}.${k}`, out);
  }
  return out;
}

/** A Location header with the host and ids replaced, keeping how the thread id is percent-encoded. */
export function locationShape(location: string): string {
  return location
    .replace(/^https?:\/\/[^/]+/, '{origin}')
    .replace(/19%3A[^/@%]+(@|%40)thread\.v2/i, '19%3A{id}$1thread.v2')
    .replace(/\/messages\/\d+$/, '/messages/{messageId}');
}

export interface WireError {
  code: string | null;
  message: string | null;
  target: string | null;
}

/** The error in either body shape: chat `CommunicationError` (PascalCase) or identity `error`. */
export function wireError(body: unknown): WireError | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const o = body as Record<string, Record<string, unknown> | undefined>;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const ce = o['CommunicationError'];
  if (ce) return { code: str(ce['Code']), message: str(ce['Message']), target: str(ce['Target']) };
  const ie = o['error'];
  if (ie) return { code: str(ie['code']), message: str(ie['message']), target: str(ie['target']) };
  return undefined;
}

/** One fact of the fixture: what the live service answered for an operation, case and api-version. */
export interface Fact {
  operation: string;
  case: string;
  apiVersion: string;
  status: number;
  /** Content-Type values seen (null: none) */
  contentType: (string | null)[];
  /** Location shapes seen (empty: none) */
  location: string[];
  keys: string[];
  error?: WireError;
  /** `owner/repo@commit:path` of each recording */
  sources: string[];
}

export interface FactsFile {
  about: string;
  recordings: number;
  skippedMockEntries: number;
  facts: Fact[];
}
