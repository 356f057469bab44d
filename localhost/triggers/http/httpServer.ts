import http, { type IncomingMessage, type ServerResponse } from 'http';
import { invoke } from '../../worker/invoke';
import { httpStreamUri, type LoadedApp } from '../../worker/loadApp';
import { describeError, type LogSink } from '../../worker/log';
import { hasValidKey } from './functionKeys';
import type { HttpFunction } from './functionRoutes';
import { findEndpoint, type HostEndpoint } from './hostEndpoint';
import { BodyTooLargeError, readBody } from './requestBody';
import { runtimeQuery, runtimeUrl } from './requestUrl';
import { sendEmpty, sendHtml, writeRpcHttp } from './responses';
import { findRoute, splitPath, type CompiledRoute } from './routeTemplates';
import { invokeThroughWorker, requestHeaders } from './workerProxy';

/** Kestrel's default limit on the request line (method, target, version), answered with 414 as the runtime does. */
const MAX_REQUEST_LINE_BYTES = 8192;

/** `GET /` answers a page, as the runtime's home page does (with the same title). */
const HOME_PAGE =
  '<!DOCTYPE html>\n<html>\n<head><title>Your Azure Function App is up and running.</title></head>\n' +
  '<body><p>Your Azure Function App is up and running (local host).</p></body>\n</html>\n';

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
  // As the runtime: a bare 401, no body.
  sendEmpty(res, 401);
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
  const method = (req.method ?? 'GET').toUpperCase();
  const match =
    head.join('/') === prefix.map((s) => s.toLowerCase()).join('/')
      ? findRoute(ctx.routes, segments.slice(prefix.length), method)
      : undefined;
  if (!match) {
    // No route, or none for this method: the runtime answers both with a bare 404 (no 405, no Allow).
    sendEmpty(res, 404);
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
          url: runtimeUrl(url, segments),
          headers: requestHeaders(req),
          query: runtimeQuery(url),
          params: match.params,
          body: { bytes: body },
        },
      },
    },
    ctx.sink,
  );
  if (!result.ok) {
    // The error and stack are in the log under this invocation id; the client gets a bare 500, as from the runtime.
    sendEmpty(res, 500);
    return;
  }
  writeRpcHttp(res, result.response.returnValue?.http, method);
}

async function route(ctx: HttpHostContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestLine = Buffer.byteLength(`${req.method ?? ''} ${req.url ?? ''} HTTP/${req.httpVersion}`);
  if (requestLine > MAX_REQUEST_LINE_BYTES) {
    sendEmpty(res, 414);
    return;
  }
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  const segments = splitPath(url.pathname);
  const endpoint = findEndpoint(ctx.endpoints, segments);
  if (endpoint) {
    if (endpoint.requiresKey && keyRequired(ctx, req, url, res)) return;
    return endpoint.handle(req, res, url, segments);
  }
  if (segments.length === 0 && (req.method === 'GET' || req.method === 'HEAD')) {
    sendHtml(res, 200, HOME_PAGE);
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
          if (!res.headersSent) sendEmpty(res, 413);
          return;
        }
        ctx.sink('error', `HTTP host error on ${req.method} ${req.url?.split('?')[0]}: ${describeError(err)}`);
        if (!res.headersSent) sendEmpty(res, 500);
        else res.destroy();
      });
    ctx.track(work);
  });
}
