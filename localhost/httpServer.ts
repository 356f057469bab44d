import http, { type IncomingMessage, type ServerResponse } from 'http';
import type { CompiledRoute } from './routes';
import { findRoutes, splitPath } from './routes';
import type { HttpFunction } from './httpRoutes';
import { invoke } from './invoke';
import type { LoadedApp } from './loadApp';
import { describeError, type LogSink } from './log';
import { hasValidKey } from './keys';
import { sendEmpty, sendJson, writeRpcHttp } from './httpResponse';
import { handleEventGrid } from './eventGridWebhook';
import { BodyTooLargeError, readBody } from './httpBody';

// Hop-by-hop headers describe this connection, not the request the function sees.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te']);

export interface HttpHostContext {
  app: LoadedApp;
  sink: LogSink;
  routePrefix: string;
  routes: CompiledRoute<HttpFunction>[];
  functionKey: string | undefined;
  /** Runs a non-HTTP function by name now; false when no such function exists. */
  runNonHttp(name: string, input: string): boolean | 'http';
  /** Keeps a promise alive until shutdown has waited for it. */
  track(work: Promise<unknown>): void;
  /** Requests wait for this (the appStart hooks) before any function runs. */
  ready: Promise<void>;
}

function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function keyRequired(ctx: HttpHostContext, req: IncomingMessage, url: URL, res: ServerResponse): boolean {
  if (ctx.functionKey === undefined || hasValidKey(req, url, ctx.functionKey)) return false;
  sendJson(res, 401, { error: 'Unauthorized', message: 'a valid key is required in x-functions-key or ?code=' });
  return true;
}

async function handleAdmin(
  ctx: HttpHostContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  segments: string[],
) {
  if (keyRequired(ctx, req, url, res)) return;
  const [, area, name, extra] = segments;
  if (area?.toLowerCase() === 'host' && name?.toLowerCase() === 'status' && extra === undefined) {
    sendJson(res, 200, { state: 'Running' });
    return;
  }
  if (area?.toLowerCase() !== 'functions' || name === undefined || extra !== undefined) {
    sendJson(res, 404, { error: 'Not Found' });
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'Method Not Allowed' }, { allow: 'POST' });
    return;
  }
  const raw = (await readBody(req)).toString('utf8');
  let input = '';
  if (raw.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      sendJson(res, 400, { error: 'Bad Request', message: 'body must be JSON like {"input": "..."}' });
      return;
    }
    const value = (parsed as { input?: unknown } | null)?.input;
    if (value !== undefined && typeof value !== 'string') {
      sendJson(res, 400, { error: 'Bad Request', message: 'field "input" must be a string' });
      return;
    }
    input = value ?? '';
  }
  const started = ctx.runNonHttp(name, input);
  if (started === 'http') {
    sendJson(res, 400, { error: 'Bad Request', message: `function "${name}" is HTTP-triggered; call its route` });
  } else if (!started) {
    sendJson(res, 404, { error: 'Not Found', message: `no function named "${name}"` });
  } else {
    sendEmpty(res, 202);
  }
}

async function handleRoute(
  ctx: HttpHostContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  segments: string[],
) {
  const prefix = ctx.routePrefix === '' ? [] : ctx.routePrefix.split('/');
  const head = segments.slice(0, prefix.length).map((s) => s.toLowerCase());
  if (head.join('/') !== prefix.map((s) => s.toLowerCase()).join('/')) {
    sendJson(res, 404, { error: 'Not Found' });
    return;
  }
  const matches = findRoutes(ctx.routes, segments.slice(prefix.length));
  if (matches.length === 0) {
    sendJson(res, 404, { error: 'Not Found' });
    return;
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const match = matches.find((m) => m.route.value.methods.includes(method));
  if (!match) {
    const allow = [...new Set(matches.flatMap((m) => m.route.value.methods))].join(', ');
    sendJson(res, 405, { error: 'Method Not Allowed' }, { allow });
    return;
  }
  const target = match.route.value;
  if (target.authLevel !== 'anonymous' && keyRequired(ctx, req, url, res)) return;
  const body = await readBody(req);
  const result = await invoke(
    ctx.app,
    target.fn,
    {
      data: {
        http: {
          method,
          url: url.toString(),
          headers: requestHeaders(req),
          params: match.params,
          body: { bytes: body },
        },
      },
    },
    ctx.sink,
  );
  if (!result.ok) {
    // The error and stack are in the log under this invocation id; the client sees neither.
    sendJson(res, 500, { error: 'Internal Server Error', invocationId: result.invocationId });
    return;
  }
  writeRpcHttp(res, result.response.returnValue?.http, method);
}

async function route(ctx: HttpHostContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  const segments = splitPath(url.pathname);
  if (!segments) {
    sendJson(res, 400, { error: 'Bad Request', message: 'the URL path is not valid percent-encoding' });
    return;
  }
  const first = segments[0]?.toLowerCase();
  if (first === 'admin') return handleAdmin(ctx, req, res, url, segments);
  if (first === 'runtime' && segments[1]?.toLowerCase() === 'webhooks' && segments[2]?.toLowerCase() === 'eventgrid') {
    if (keyRequired(ctx, req, url, res)) return;
    return handleEventGrid(ctx, req, res, url);
  }
  if (segments.length === 0 && (req.method === 'GET' || req.method === 'HEAD')) {
    sendJson(res, 200, { status: 'Your Functions host is up and running' });
    return;
  }
  return handleRoute(ctx, req, res, url, segments);
}

export function createHttpServer(ctx: HttpHostContext): http.Server {
  return http.createServer((req, res) => {
    const work = ctx.ready
      .then(() => route(ctx, req, res))
      .catch((err: unknown) => {
        if (err instanceof BodyTooLargeError) {
          if (!res.headersSent) sendJson(res, 413, { error: 'Payload Too Large', message: 'body exceeds 100 MB' });
          return;
        }
        ctx.sink('error', `HTTP host error on ${req.method} ${req.url?.split('?')[0]}: ${describeError(err)}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'Internal Server Error' });
        else res.destroy();
      });
    ctx.track(work);
  });
}
