/**
 * HTTP invocations of an app that enabled HTTP streaming (`app.setup({ enableHttpStream: true })`), as the Functions
 * host runs them: the library serves HTTP in the worker (its address is the `HttpUri` capability), the host starts
 * the invocation with the request's headers, query and route params as trigger metadata, and forwards the request
 * itself there, with `x-ms-invocation-id` naming the invocation and `x-forwarded-host` / `x-forwarded-proto` the
 * URL the client used. The function reads the body and writes its response as streams; the response goes back to
 * the client as it comes (piped: a slow client slows the reading from the worker, nothing is collected here).
 */
import { randomUUID } from 'crypto';
import http, { type IncomingMessage, type ServerResponse } from 'http';
import { Transform } from 'stream';
import type { RegisteredFunction } from '../../worker/coreApi';
import type { RpcTypedData } from '../../worker/coreTypes';
import { invoke, type InvocationResult } from '../../worker/invoke';
import type { LoadedApp } from '../../worker/loadApp';
import type { LogSink } from '../../worker/log';
import { MAX_BODY_BYTES } from './requestBody';
import { runtimeQuery } from './requestUrl';
import { sendEmpty } from './responses';

// Hop-by-hop headers describe one connection, not the request or response they travel with.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te']);

const INVOCATION_ID_HEADER = 'x-ms-invocation-id';

/** The request's end-to-end headers, one string per name, as the function sees them. */
export function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export interface ProxiedRequest {
  app: LoadedApp;
  fn: RegisteredFunction;
  sink: LogSink;
  /** The worker's HTTP address (`HttpUri`). */
  workerUri: string;
  method: string;
  url: URL;
  params: Record<string, string>;
}

// One pool of connections to the worker for the host's lifetime, as the runtime keeps one HttpClient.
const agent = new http.Agent({ keepAlive: true });

/** Runs one HTTP invocation through the worker's HTTP proxy and relays its response to `res`. */
export async function invokeThroughWorker(
  call: ProxiedRequest,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const invocationId = randomUUID();
  const headers = requestHeaders(req);
  const triggerMetadata: Record<string, RpcTypedData> = {
    Headers: { json: JSON.stringify(headers) },
    Query: { json: JSON.stringify(Object.fromEntries(call.url.searchParams)) },
  };
  // The runtime's binding data: the query string's names, then the route's values (which win); the library makes
  // `request.params` of them all when streaming.
  for (const [name, value] of Object.entries({ ...runtimeQuery(call.url), ...call.params })) {
    triggerMetadata[name] = { string: value };
  }
  const invocation = invoke(
    call.app,
    call.fn,
    {
      invocationId,
      data: { http: { method: call.method, url: call.url.toString(), headers, params: call.params } },
      triggerMetadata,
    },
    call.sink,
  );

  const { host: _host, ...forwarded } = headers;
  const proxyReq = http.request(`${call.workerUri.replace(/\/+$/, '')}${req.url ?? '/'}`, {
    method: call.method,
    agent,
    headers: {
      ...forwarded,
      [INVOCATION_ID_HEADER]: invocationId,
      'x-forwarded-host': call.url.host,
      'x-forwarded-proto': call.url.protocol.replace(/:$/, ''),
      ...(req.socket.remoteAddress ? { 'x-forwarded-for': req.socket.remoteAddress } : {}),
    },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    proxyReq.once('response', resolve);
    proxyReq.once('error', reject);
  });
  response.catch(() => undefined); // settled below, or abandoned with the exchange
  // The client went away: stop the exchange with the worker too.
  res.once('close', () => {
    if (!res.writableFinished) proxyReq.destroy();
  });
  let tooLarge = false;
  const body = limitBody();
  body.once('error', () => {
    tooLarge = true;
    req.unpipe(body);
    req.resume(); // read the rest, so the 413 still reaches the client
    proxyReq.destroy();
  });
  req.pipe(body).pipe(proxyReq);

  const first = await Promise.race([
    invocation.then((result) => ({ result })),
    response.then(
      (proxyRes) => ({ proxyRes }),
      (error: unknown) => ({ error }),
    ),
  ]);
  if ('error' in first) {
    // The exchange with the worker broke (or never began, and the invocation waits for a request that will not
    // come): the invocation is not awaited.
    if (!tooLarge) {
      call.sink('error', `Functions.${call.fn.metadata.name} (Id=${invocationId}): forwarding to the worker failed`);
    }
    if (!res.headersSent) sendEmpty(res, tooLarge ? 413 : 502);
    return;
  }
  if ('proxyRes' in first) {
    relay(first.proxyRes, res, call.method);
    const result = await invocation;
    if (!result.ok) res.destroy(); // failed mid-body: the client must not take a cut body for a whole one
    await finished(res);
    return;
  }
  const result: InvocationResult = first.result;
  if (!result.ok || !result.returned) {
    proxyReq.destroy();
    if (res.headersSent) return;
    if (tooLarge) sendEmpty(res, 413);
    // The error and stack are in the log under this invocation id; the client gets a bare 500, as from the runtime.
    else if (!result.ok) sendEmpty(res, 500);
    else sendEmpty(res, 204); // no response: as without streaming
    return;
  }
  // The library wrote the whole response to the worker's socket before the invocation ended.
  relay(await response, res, call.method);
  await finished(res);
}

/** Passes the request body on, failing it past the Functions limit. */
function limitBody(): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done(new Error('request body exceeds 100 MB'));
        return;
      }
      done(null, chunk);
    },
  });
}

function relay(proxyRes: IncomingMessage, res: ServerResponse, method: string): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(proxyRes.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === INVOCATION_ID_HEADER) continue;
    headers[name] = value;
  }
  res.writeHead(proxyRes.statusCode ?? 500, headers);
  if (method === 'HEAD') {
    proxyRes.resume();
    res.end();
    return;
  }
  proxyRes.on('error', () => res.destroy());
  proxyRes.pipe(res);
}

function finished(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}
