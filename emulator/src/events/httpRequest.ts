import http from 'node:http';
import https from 'node:https';

export interface OutgoingRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** trusted CAs for https endpoints with private certificates */
  ca?: string | Buffer;
}

/** An answer, or why there was none (`timeout`, `ECONNREFUSED`, `aborted`, ...). */
export type Answer =
  { status: number; headers: http.IncomingHttpHeaders; body: string } | { status?: undefined; error: string };

/** Answers are read up to this size: a webhook's reply matters only for the handshake. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One HTTP(S) request to a webhook; never rejects. */
export function sendRequest(url: URL, req: OutgoingRequest): Promise<Answer> {
  const client = url.protocol === 'https:' ? https : http;
  const headers = { ...req.headers };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Answer): void => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    const r = client.request(
      url,
      {
        method: req.method,
        headers,
        signal: req.signal,
        timeout: req.timeoutMs,
        ...(req.ca ? { ca: req.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(c);
        });
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
      },
    );
    r.on('timeout', () => r.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    r.on('error', (error: NodeJS.ErrnoException) =>
      done({ error: req.signal.aborted ? 'aborted' : (error.code ?? error.message) }),
    );
    r.end(req.body);
  });
}
