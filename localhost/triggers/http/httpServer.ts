import http, { type IncomingMessage, type ServerResponse } from 'http';
import { invoke } from '../../worker/invoke';
import { httpStreamUri, type LoadedApp } from '../../worker/loadApp';
import { describeError, type LogSink } from '../../worker/log';
import { hasValidKey } from './functionKeys';
import type { HttpFunction } from './functionRoutes';
import { findEndpoint, type HostEndpoint } from './hostEndpoint';
import { BodyTooLargeError, readBody } from './requestBody';
import { sendJson, writeRpcHttp } from './responses';
import { findRoutes, splitPath, type CompiledRoute } from './routeTemplates';
import { invokeThroughWorker, requestHeaders } from './workerProxy';

export interface HttpHostContext {
  app: LoadedApp;
  sink: LogSink;
  routePrefix: string;
  routes: CompiledRoute<HttpFunction>[];
  functionKey: string | undefined;
  /** Host-owned areas (admin API, webhooks), tried in order before the function routes. */
  endpoints: readonly HostEndpoint[];
  /** Keeps a promise alive until shutdown has waited for it. */
  track(work: Promise<unknown>): void;
  /** Requests wait for this (the appStart hooks) before any function runs. */
  ready: Promise<void>;
}

function keyRequired(ctx: HttpHostContext, req: IncomingMessage, url: URL, res: ServerResponse): boolean {
  if (ctx.functionKey === undefined || hasValidKey(req, url, ctx.functionKey)) return false;
  sendJson(res, 401, { error: 'Unauthorized', message: 'a valid key is required in x-functions-key or ?code=' });
  return true;
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
  const workerUri = httpStreamUri(ctx.app);
  if (workerUri) {
    await invokeThroughWorker(
      { app: ctx.app, fn: target.fn, sink: ctx.sink, workerUri, method, url, params: match.params },
      req,
      res,
    );
    return;
  }
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
  const endpoint = findEndpoint(ctx.endpoints, segments);
  if (endpoint) {
    if (endpoint.requiresKey && keyRequired(ctx, req, url, res)) return;
    return endpoint.handle(req, res, url, segments);
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
