/**
 * Sending the same request to two hosts and comparing what comes back: status, the headers that matter to clients,
 * and the body (JSON compared as values, anything else as text).
 */

/** Headers whose values clients act on; the rest (date, server, transfer-encoding…) may differ freely. */
export const COMPARED_HEADERS = ['content-type', 'location', 'retry-after', 'allow', 'content-encoding'] as const;

export interface Probe {
  /** What the request shows, for the report. */
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Which of the host's keys to send: none, the function key, the master key, the Event Grid system key. */
  key?: 'none' | 'function' | 'master' | 'eventGrid';
  /** false: bodies are known to differ in wording (say why at the probe); status and headers still count. */
  compareBody?: boolean;
}

export interface Observed {
  status: number;
  headers: Partial<Record<(typeof COMPARED_HEADERS)[number], string>>;
  body: unknown;
}

export interface Target {
  url: string;
  /** The key of each kind this host checks (undefined: it checks none). */
  keys: { function?: string; master?: string; eventGrid?: string };
}

export async function observe(target: Target, probe: Probe): Promise<Observed> {
  const key = probe.key && probe.key !== 'none' ? target.keys[probe.key] : undefined;
  const res = await fetch(`${target.url}${probe.path}`, {
    method: probe.method,
    headers: { ...(key ? { 'x-functions-key': key } : {}), ...probe.headers },
    ...(probe.body !== undefined ? { body: probe.body } : {}),
    redirect: 'manual',
  });
  const headers: Observed['headers'] = {};
  for (const name of COMPARED_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = normaliseHeader(name, value);
  }
  // The host's own address differs between hosts: bodies that echo it are compared without it.
  const text = (await res.text()).split(target.url).join('{host}');
  return { status: res.status, headers, body: parseBody(text, headers['content-type']) };
}

function normaliseHeader(name: string, value: string): string {
  // `Allow: GET, POST` and `Allow: POST,GET` say the same.
  if (name === 'allow') {
    return value
      .split(',')
      .map((v) => v.trim().toUpperCase())
      .sort()
      .join(', ');
  }
  // Media type parameters in another case or order say the same.
  if (name === 'content-type') return value.toLowerCase().replace(/;\s*/g, '; ');
  return value;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (contentType && /json/.test(contentType) && text !== '') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** The fields where `a` and `b` differ ([] when they agree). */
export function differences(a: Observed, b: Observed, compareBody = true): string[] {
  const out: string[] = [];
  if (a.status !== b.status) out.push(`status ${a.status} vs ${b.status}`);
  for (const name of COMPARED_HEADERS) {
    if (a.headers[name] !== b.headers[name]) {
      out.push(`${name} ${JSON.stringify(a.headers[name])} vs ${JSON.stringify(b.headers[name])}`);
    }
  }
  if (compareBody && JSON.stringify(a.body) !== JSON.stringify(b.body)) {
    out.push(`body ${JSON.stringify(a.body).slice(0, 300)} vs ${JSON.stringify(b.body).slice(0, 300)}`);
  }
  return out;
}
