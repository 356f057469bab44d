import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { authenticateAdmin } from './admin/AdminHandler';
import { ChatAuthenticator } from './auth/chatAuth';
import { verifyHmac } from './auth/hmac';
import { AcsError, ERROR_CONTENT_TYPE, Errors, type ErrorSurface } from './errors/AcsErrorFactory';
import type { EmulatorEvent } from './events/EmulatorEvent';
import { EventHub } from './events/EventHub';
import { topicOf } from './events/toEvents';
import { parseWebhook, type WebhookInput } from './events/webhookConfig';
import { WebhookDelivery, type DeliveryListener } from './events/WebhookDelivery';
import { FaultManager, parseFaultSpec, type FaultSpec } from './faults/FaultManager';
import { Throttler } from './faults/Throttler';
import type { Handler, HandlerResult, RequestContext, Services } from './handlers/context';
import { readBody } from './http/body';
import type { Router } from './http/router';
import { outcomeFeed } from './inspector/DeliveryFeed';
import { Inspector } from './inspector/Inspector';
import { apiFeatures } from './model/wire';
import { Store } from './persistence/Store';
import { buildRouter } from './routes';
import { loadTls } from './tls/certificate';

/** Public, documented development key (like Azurite's devstoreaccount1 key). Not a secret. */
export const WELL_KNOWN_ACCESS_KEY = 'YWNzLWVtdWxhdG9yLXdlbGwta25vd24tZGV2LWtleSE=';

/** Versions advertised in `api-supported-versions`; any well-formed api-version is accepted. */
const SUPPORTED_CHAT_VERSIONS = '2021-09-07, 2023-11-07, 2024-03-07, 2025-03-15';
const SUPPORTED_IDENTITY_VERSIONS = '2021-03-07, 2022-06-01, 2022-10-01, 2023-10-01';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  location?: string;
  cert?: string;
  key?: string;
  accessKey?: string;
  /**
   * Event Grid webhook endpoints that receive every chat event (see events/WebhookDelivery.ts): a URL, or an
   * object (or its JSON text) `{ url, name?, schema?, chaos?, maxDeliveryAttempts?, eventTimeToLiveInMinutes? }`.
   */
  eventWebhooks?: WebhookInput[];
  /** Multiplies Event Grid's retry schedule and the events' time to live (tests: 0.001). Default 1. */
  eventTimeScale?: number;
  silent?: boolean;
  faults?: FaultSpec[];
  throttling?: boolean;
}

export interface RunningEmulator {
  endpoint: string;
  connectionString: string;
  caCertPath: string;
  accessKey: string;
  /** The web inspector's address with its token (`https://HOST:PORT/?token=…`): opening it opens a session. */
  inspectorUrl: string;
  onEvent(listener: (event: EmulatorEvent) => void): () => void;
  /** Every webhook delivery outcome (delivered, retrying, dead-lettered, handshakes...). */
  onDelivery(listener: DeliveryListener): () => void;
  close(): Promise<void>;
}

function decodeAccessKey(accessKey: string): Buffer {
  const key = Buffer.from(accessKey, 'base64');
  if (key.length === 0 || key.toString('base64').replace(/=+$/, '') !== accessKey.replace(/=+$/, '')) {
    throw new Error('The access key must be a non-empty base64 string.');
  }
  return key;
}

function surfaceOf(path: string): ErrorSurface {
  if (path.startsWith('/admin')) return 'admin';
  if (path.startsWith('/identities') || path.startsWith('/teamsUser')) return 'identity';
  return 'chat';
}

/** The HTTPS front door: routing, authentication, throttling and faults, then the handler. */
class EmulatorServer {
  private readonly router: Router<Handler> = buildRouter();
  private readonly chatAuth: ChatAuthenticator;

  constructor(
    private readonly services: Services,
    private readonly silent: boolean,
    private readonly inspector: Inspector,
  ) {
    this.chatAuth = new ChatAuthenticator(services.key);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.inspector.handles(req)) return this.inspector.handle(req, res);
    const started = process.hrtime.bigint();
    void this.process(req).then(
      (result) => this.send(req, res, result, started),
      (err: unknown) => {
        const url = req.url ?? '/';
        const surface = surfaceOf(url);
        let error: AcsError;
        if (err instanceof AcsError) error = err;
        else {
          error = Errors.internal();
          process.stderr.write(
            `[acs-emulator] internal error on ${req.method ?? ''} ${url.split('?')[0] ?? ''}: ${String(err)}\n`,
          );
        }
        if (!req.complete) req.resume();
        const headers = { ...error.headers, 'Content-Type': ERROR_CONTENT_TYPE };
        this.send(req, res, { status: error.status, body: error.toBody(surface), headers }, started);
      },
    );
  }

  private async process(req: IncomingMessage): Promise<HandlerResult> {
    const method = (req.method ?? 'GET').toUpperCase();
    const pathAndQuery = req.url ?? '/';
    const q = pathAndQuery.indexOf('?');
    const rawPath = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : pathAndQuery.slice(q + 1));
    const { route, params } = this.router.match(method, rawPath);
    const body = await readBody(req);
    const s = this.services;
    const apiVersion = query.get('api-version') ?? '';
    const ctx: RequestContext = {
      method,
      rawPath,
      query,
      params,
      headers: req.headers,
      body,
      origin: `https://${req.headers.host ?? 'localhost'}`,
      apiVersion,
      features: apiFeatures(apiVersion),
      caller: '',
      services: s,
    };
    if (route.surface === 'admin') {
      authenticateAdmin(s, method, pathAndQuery, req.headers, body);
      return route.handler(ctx);
    }
    if (route.surface === 'identity') verifyHmac(method, pathAndQuery, req.headers, body, s.key);
    else ctx.caller = this.chatAuth.authenticate(req.headers.authorization, s.store.state);
    if (query.get('api-version') === null) throw Errors.missingApiVersion();
    if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(apiVersion)) throw Errors.invalidApiVersion(apiVersion);
    const operation = route.operation;
    if (operation) {
      s.calls.set(operation, (s.calls.get(operation) ?? 0) + 1);
      s.throttler.check(operation, ctx.caller || undefined, params['threadId']);
      await s.faults.apply(operation, params['threadId']);
    }
    return route.handler(ctx);
  }

  private send(req: IncomingMessage, res: ServerResponse, result: HandlerResult, started: bigint): void {
    const path = req.url ?? '/';
    const surface = surfaceOf(path);
    const headers: Record<string, string> = {
      'x-ms-request-id': randomUUID(),
      ...(surface === 'admin'
        ? {}
        : { 'api-supported-versions': surface === 'chat' ? SUPPORTED_CHAT_VERSIONS : SUPPORTED_IDENTITY_VERSIONS }),
      ...result.headers,
    };
    const clientRequestId = req.headers['x-ms-client-request-id'];
    if (typeof clientRequestId === 'string') headers['x-ms-client-request-id'] = clientRequestId;
    let payload: string | undefined;
    if (result.body !== undefined) {
      payload = JSON.stringify(result.body);
      headers['Content-Type'] ??= 'application/json; charset=utf-8';
    }
    headers['Content-Length'] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
    if (!res.headersSent) {
      res.writeHead(result.status, headers);
      res.end(payload);
    }
    if (!this.silent) {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      process.stdout.write(`${req.method ?? ''} ${path.split('?')[0] ?? ''} ${result.status} ${ms.toFixed(1)}ms\n`);
    }
  }
}

/** The startup webhooks, validated before anything starts; names must be unique. */
function startupWebhooks(inputs: readonly WebhookInput[]): ReturnType<typeof parseWebhook>[] {
  const configs = inputs.map((input, i) => {
    try {
      return parseWebhook(input);
    } catch (err) {
      throw new Error(`event webhook ${i + 1}: ${(err as Error).message}`, { cause: err });
    }
  });
  const names = new Set<string>();
  for (const c of configs) {
    if (names.has(c.name)) throw new Error(`two event webhooks are named '${c.name}'; give each its own name`);
    names.add(c.name);
  }
  return configs;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const accessKey = options.accessKey ?? WELL_KNOWN_ACCESS_KEY;
  const key = decodeAccessKey(accessKey);
  const faultSpecs = (options.faults ?? []).map((f) => parseFaultSpec(f));
  const webhooks = startupWebhooks(options.eventWebhooks ?? []);
  const timeScale = options.eventTimeScale ?? 1;
  if (!(timeScale > 0 && Number.isFinite(timeScale))) {
    throw new Error(`The event time scale must be a positive number, got ${String(options.eventTimeScale)}.`);
  }
  const tls = await loadTls({
    ...(options.location !== undefined ? { location: options.location } : {}),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
  });
  const events = new EventHub();
  const store = await Store.open(options.location, events);
  const delivery = new WebhookDelivery(store, webhooks, {
    timeScale,
    topic: () => topicOf(store.state.resourceId),
    // Delivery problems are worth seeing even when the request log is off.
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const faults = new FaultManager();
  for (const f of faultSpecs) faults.add(f);
  const services: Services = {
    store,
    faults,
    throttler: new Throttler(options.throttling ?? false),
    calls: new Map(),
    events,
    delivery,
    key,
    accessKey,
  };
  const inspector = new Inspector(services, outcomeFeed(delivery));
  const front = new EmulatorServer(services, options.silent ?? false, inspector);
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => front.handle(req, res));
  server.keepAliveTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8443, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Leave nothing behind when the port is taken (or the host is wrong).
    delivery.close();
    await store.close();
    if (tls.tempDir) rmSync(tls.tempDir, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new Error(`port ${options.port ?? 8443} on ${host} is already in use`, { cause: err });
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const endpoint = `https://${shownHost}:${port}/`;
  let closed: Promise<void> | undefined;
  return {
    endpoint,
    connectionString: `endpoint=${endpoint};accesskey=${accessKey}`,
    caCertPath: tls.caCertPath,
    accessKey,
    inspectorUrl: inspector.url(endpoint),
    onEvent: (listener) => events.on(listener),
    onDelivery: (listener) => delivery.onOutcome(listener),
    close: () =>
      (closed ??= (async () => {
        inspector.close();
        delivery.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await store.close();
        if (tls.tempDir) rmSync(tls.tempDir, { recursive: true, force: true });
      })()),
  };
}
