/**
 * The web inspector, served by the emulator on its own port:
 *
 * - `GET /` for a browser (`Accept: text/html`): the page; `GET /?token=…` opens a session first (session.ts).
 *   Any other `GET /` still reaches the API router as before;
 * - `GET /inspector/assets/{file}`: the page's script and style;
 * - `/inspector/api/…`: its data (readModel.ts), actions (actions.ts) and live stream (LiveFeed.ts).
 *
 * The front door asks `handles(req)` first (a string test); nothing else runs for API requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AcsError, Errors } from '../errors/AcsErrorFactory';
import type { Services } from '../handlers/context';
import { OPERATION_NAMES } from '../faults/operations';
import { readBody } from '../http/body';
import { Router } from '../http/router';
import * as Actions from './actions';
import { asset } from './assets';
import type { DeliveryFeed } from './DeliveryFeed';
import { LiveFeed } from './LiveFeed';
import { anyThread, listMessages, listThreads, threadDetail } from './readModel';
import { Sessions, type Access } from './session';
import type { FaultRuleView, Overview, Problem } from './views';

const API = '/inspector/api';
const ASSETS = '/inspector/assets/';

interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: Buffer;
}

type Reply = { status: number; body?: unknown };
type ApiHandler = (r: ApiRequest) => Reply | Promise<Reply>;

const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** The page loads only its own files; no inline script, no framing. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function acceptsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

function problemOf(err: AcsError): Problem {
  const problem: Problem = {
    type: 'about:blank',
    title: err.code,
    status: err.status,
    detail: err.message,
    code: err.code,
  };
  if (err.target !== undefined) problem.field = err.target;
  return problem;
}

const notSignedIn = (): AcsError =>
  new AcsError(
    401,
    'Unauthorized',
    "Open the inspector with the URL the emulator printed at start (Inspector: …?token=…), or send header 'x-emulator-key' with the access key.",
  );

export class Inspector {
  private readonly sessions: Sessions;
  private readonly live: LiveFeed;
  private readonly router: Router<ApiHandler>;

  constructor(
    private readonly services: Services,
    private readonly delivery: DeliveryFeed,
    token?: string,
  ) {
    this.sessions = new Sessions(services.accessKey, token);
    this.live = new LiveFeed({
      hub: services.events,
      delivery,
      overview: () => this.overview(),
      fingerprint: () => this.fingerprint(),
    });
    this.router = this.routes();
  }

  /** The URL that opens a session, for the start line. */
  url(endpoint: string): string {
    return `${endpoint}?token=${this.sessions.token}`;
  }

  /** Whether this request is the inspector's (cheap: called for every request). */
  handles(req: IncomingMessage): boolean {
    const url = req.url ?? '/';
    if (url.startsWith('/inspector/')) return true;
    return (url === '/' || url.startsWith('/?')) && (req.method === 'GET' || req.method === 'HEAD') && acceptsHtml(req);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.process(req, res).catch((err: unknown) => {
      if (!(err instanceof AcsError)) {
        process.stderr.write(
          `[acs-emulator] inspector error on ${req.method ?? ''} ${req.url?.split('?')[0] ?? ''}: ${String(err)}\n`,
        );
      }
      if (!req.complete) req.resume();
      const error = err instanceof AcsError ? err : Errors.internal();
      this.reply(res, error.status, problemOf(error), 'application/problem+json', error.headers);
    });
  }

  /** Ends the live streams (before the server closes its connections). */
  close(): void {
    this.live.close();
  }

  private async process(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://inspector.invalid');
    if (url.pathname === '/') return this.page(req, res, url);
    if (url.pathname.startsWith(ASSETS)) {
      if (!this.sessions.hasSession(req)) throw notSignedIn();
      const file = req.method === 'GET' || req.method === 'HEAD' ? asset(url.pathname.slice(ASSETS.length)) : undefined;
      if (!file) throw Errors.routeNotFound(req.method ?? 'GET', url.pathname);
      res.writeHead(200, { ...COMMON_HEADERS, 'Cache-Control': 'no-cache', 'Content-Type': file.contentType });
      res.end(req.method === 'HEAD' ? undefined : file.body);
      return;
    }
    if (url.pathname !== API && !url.pathname.startsWith(`${API}/`)) {
      throw Errors.routeNotFound(req.method ?? 'GET', url.pathname);
    }
    const access = this.sessions.access(req);
    if (!access) throw notSignedIn();
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET') this.checkOrigin(req, access);
    const { route, params } = this.router.match(method, url.pathname);
    if (route.path === `${API}/live`) {
      req.resume();
      this.live.connect(res);
      return;
    }
    const body = await readBody(req);
    const result = await route.handler({ method, path: url.pathname, query: url.searchParams, params, body });
    this.reply(res, result.status, result.body, 'application/json; charset=utf-8');
  }

  /**
   * Changes made with the session cookie must come from the page itself: SameSite=Strict already keeps other sites'
   * requests from carrying the cookie, and a browser's Origin header must name this server.
   */
  private checkOrigin(req: IncomingMessage, access: Access): void {
    if (access !== 'session') return;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `https://${req.headers.host ?? ''}`) {
      throw Errors.forbidden('Inspector changes must come from the inspector page itself.');
    }
  }

  private page(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const token = url.searchParams.get('token');
    if (token !== null) {
      if (!this.sessions.isToken(token)) {
        this.htmlMessage(
          res,
          403,
          'This inspector link is not valid',
          'The token does not match: the emulator prints a new one each time it starts. Use the Inspector line it printed this time.',
        );
        return;
      }
      // Drop the token from the address bar and history.
      res.writeHead(303, { ...COMMON_HEADERS, Location: '/', 'Set-Cookie': this.sessions.open(req) });
      res.end();
      return;
    }
    if (!this.sessions.hasSession(req)) {
      this.htmlMessage(
        res,
        401,
        'Sign-in needed',
        'Open the inspector with the URL the emulator printed at start: Inspector: https://…/?token=…',
      );
      return;
    }
    const html = asset('index.html');
    if (!html) throw Errors.notFound('The inspector page (index.html)');
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': html.contentType, 'Content-Security-Policy': PAGE_CSP });
    res.end(req.method === 'HEAD' ? undefined : html.body);
  }

  private htmlMessage(res: ServerResponse, status: number, title: string, text: string): void {
    const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const body =
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · ACS emulator inspector</title>` +
      '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2328}</style>' +
      `</head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;
    res.writeHead(status, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    res.end(body);
  }

  private reply(
    res: ServerResponse,
    status: number,
    body: unknown,
    contentType: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    res.writeHead(status, {
      ...COMMON_HEADERS,
      ...headers,
      ...(payload !== undefined ? { 'Content-Type': contentType } : {}),
      'Content-Length': String(payload === undefined ? 0 : Buffer.byteLength(payload)),
    });
    res.end(payload);
  }

  overview(): Overview {
    const s = this.services;
    const state = s.store.state;
    return {
      resourceId: state.resourceId,
      counts: state.counts(),
      threadsEver: state.threadList.length,
      faults: s.faults.list() as FaultRuleView[],
      throttling: s.throttler.enabled,
      eventDelivery: s.delivery.getStats(),
      calls: Object.fromEntries(s.calls),
      webhooks: this.delivery.endpoints(),
      operations: [...OPERATION_NAMES],
    };
  }

  /** Changes whenever the overview would (cheap enough to check once a second). */
  private fingerprint(): string {
    const s = this.services;
    const state = s.store.state;
    let calls = 0;
    for (const n of s.calls.values()) calls += n;
    return [
      calls,
      s.calls.size,
      state.users.size,
      state.threadList.length,
      state.messageCount,
      s.throttler.enabled,
      JSON.stringify(s.faults.list()),
      JSON.stringify(s.delivery.getStats()),
      JSON.stringify(this.delivery.endpoints()),
    ].join('|');
  }

  private routes(): Router<ApiHandler> {
    const s = this.services;
    const state = s.store.state;
    const T = `${API}/threads/{threadId}`;
    const add = (
      method: string,
      path: string,
      handler: ApiHandler,
    ): { method: string; path: string; surface: 'admin'; handler: ApiHandler } => ({
      method,
      path,
      surface: 'admin',
      handler,
    });
    const threadOf = (r: ApiRequest) => anyThread(state, r.params['threadId'] ?? '');
    return new Router<ApiHandler>()
      .add(add('GET', `${API}/live`, () => ({ status: 200 })))
      .add(add('GET', `${API}/overview`, () => ({ status: 200, body: this.overview() })))
      .add(add('GET', `${API}/threads`, (r) => ({ status: 200, body: listThreads(state, r.query, r.path) })))
      .add(add('GET', T, (r) => ({ status: 200, body: threadDetail(threadOf(r)) })))
      .add(add('GET', `${T}/messages`, (r) => ({ status: 200, body: listMessages(threadOf(r), r.query, r.path) })))
      .add(add('POST', `${T}/messages`, (r) => Actions.postMessage(s, r.params['threadId'] ?? '', r.body)))
      .add(add('POST', `${API}/users`, async (r) => ({ status: 201, body: await Actions.createUser(s, r.body) })))
      .add(add('POST', `${API}/faults`, (r) => Actions.addFault(s, r.body)))
      .add(add('DELETE', `${API}/faults`, () => Actions.deleteAllFaults(s)))
      .add(add('DELETE', `${API}/faults/{id}`, (r) => Actions.deleteFault(s, r.params['id'] ?? '')))
      .add(add('PUT', `${API}/throttling`, (r) => Actions.setThrottling(s, r.body)));
  }
}
