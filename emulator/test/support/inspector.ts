import { request } from 'node:https';
import type { RawResponse } from './http';
import { rawRequest } from './http';

/** What the inspector's endpoints need to reach an emulator. */
export interface InspectorTarget {
  endpoint: string;
  inspectorUrl: string;
  accessKey: string;
  ca: Buffer;
}

/** How a request proves who it is: the session cookie, the admin key, or nothing. */
export type Credentials = { cookie: string } | { key: string } | Record<string, never>;

function authHeaders(auth: Credentials): Record<string, string> {
  if ('cookie' in auth) return { cookie: auth.cookie };
  if ('key' in auth) return { 'x-emulator-key': auth.key };
  return {};
}

/** What a browser does with the start line's URL: GET it as a page; returns the 303 and the cookie it sets. */
export async function openSession(
  emu: InspectorTarget,
  url = emu.inspectorUrl,
): Promise<{ res: RawResponse; cookie: string }> {
  const res = await rawRequest({ method: 'GET', url, ca: emu.ca, headers: { accept: 'text/html' } });
  const setCookie = res.headers['set-cookie'];
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return { res, cookie: (first ?? '').split(';')[0] ?? '' };
}

export function inspectorRequest(
  emu: InspectorTarget,
  method: string,
  path: string,
  auth: Credentials,
  body?: object | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return rawRequest({
    method,
    url: path,
    base: emu.endpoint,
    ca: emu.ca,
    headers: { ...authHeaders(auth), ...headers },
    body,
  });
}

export interface LiveMessage {
  event: string;
  data: unknown;
}

/** A Server-Sent Events client of `/inspector/api/live` that keeps every message it receives. */
export interface LiveClient {
  status: number;
  messages: LiveMessage[];
  /** Resolves with the first message (received so far or later) that matches. */
  next(match: (m: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  close(): void;
}

export function connectLive(emu: InspectorTarget, auth: Credentials): Promise<LiveClient> {
  return new Promise((resolve, reject) => {
    const url = new URL('/inspector/api/live', emu.endpoint);
    const req = request(url, { ca: emu.ca, headers: { accept: 'text/event-stream', ...authHeaders(auth) } }, (res) => {
      const messages: LiveMessage[] = [];
      const waiters: (() => void)[] = [];
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) messages.push({ event, data: JSON.parse(data.join('\n')) as unknown });
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        messages,
        next(match, timeoutMs = 10_000) {
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error('no matching live message in time')), timeoutMs);
            const check = (): void => {
              const found = messages.find(match);
              if (found) {
                clearTimeout(timer);
                ok(found);
              } else waiters.push(check);
            };
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
