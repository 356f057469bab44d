import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:https';

/** A raw HTTPS response: what the SDK would hide (status, headers, exact body). */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed body, or undefined when the body is empty or not JSON. */
  json: unknown;
}

export interface RawRequest {
  method: string;
  /** Absolute URL, or a path resolved against `base`. */
  url: string;
  base?: string;
  ca: Buffer;
  headers?: Record<string, string>;
  /** A string is sent as-is (lets tests send malformed JSON); an object is JSON-encoded. */
  body?: string | object;
}

export function rawRequest(req: RawRequest): Promise<RawResponse> {
  const url = new URL(req.url, req.base);
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const r = request(url, { method: req.method, headers, ca: req.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    r.on('error', reject);
    if (body !== undefined) r.write(body);
    r.end();
  });
}

/**
 * Headers for an access-key (HMAC-SHA256) request, computed exactly as the JS identity SDK does (reference §3.1).
 * `keyB64` is the base64 access key; tests pass a wrong one to provoke 401.
 */
export function hmacHeaders(
  method: string,
  url: URL,
  body: string,
  keyB64: string,
  date = new Date(),
  pathAndQuery = url.pathname + url.search,
): Record<string, string> {
  const contentHash = createHash('sha256').update(body, 'utf8').digest('base64');
  const xMsDate = date.toUTCString();
  const stringToSign = `${method.toUpperCase()}\n${pathAndQuery}\n${xMsDate};${url.host};${contentHash}`;
  const signature = createHmac('sha256', Buffer.from(keyB64, 'base64')).update(stringToSign, 'utf8').digest('base64');
  return {
    'x-ms-date': xMsDate,
    'x-ms-content-sha256': contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}

/** A raw identity/admin request signed with HMAC. */
export function signedRequest(
  req: Omit<RawRequest, 'body'> & { body?: object | string; keyB64: string },
): Promise<RawResponse> {
  const url = new URL(req.url, req.base);
  const body = req.body === undefined ? '' : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers = { ...hmacHeaders(req.method, url, body, req.keyB64), ...req.headers };
  return rawRequest({
    method: req.method,
    url: url.toString(),
    ca: req.ca,
    headers,
    body: body.length > 0 ? body : undefined,
  });
}

/** A raw chat request with a bearer token. */
export function bearerRequest(
  req: Omit<RawRequest, 'headers'> & { token: string; headers?: Record<string, string> },
): Promise<RawResponse> {
  return rawRequest({ ...req, headers: { authorization: `Bearer ${req.token}`, ...req.headers } });
}

/** A chat thread URL (`/chat/threads/{id}{rest}`) with the given api-version query. */
export function threadPath(id: string, rest = '', apiVersion = '2025-03-15'): string {
  return `/chat/threads/${encodeURIComponent(id)}${rest}?api-version=${apiVersion}`;
}
