/**
 * Delivers chat events to Event Grid webhook endpoints, the way an Event Grid subscription with the
 * EventGridSchema and `maxEventsPerBatch: 1` does: one POST per event with a JSON array body and the `aeg-*`
 * headers, at least once, retried with exponential backoff until the endpoint answers 2xx or the attempts run out.
 *
 * Each endpoint has its own queue, delivered in order (real Event Grid does not promise order; in order is the
 * friendlier choice locally, and a test can rely on it). A slow or failing endpoint never delays the others, nor the
 * request that caused the event. Pending deliveries live in memory only: a restart drops them, as documented.
 */
import http from 'node:http';
import https from 'node:https';
import type { EmulatorEvent } from './EmulatorEvent';

export interface DeliveryOptions {
  /** Attempts per event, the first included (Event Grid's default is 30 over 24 h; locally, fail sooner). */
  maxAttempts?: number;
  /** First retry delay; doubles up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout (Event Grid waits 30 s). */
  timeoutMs?: number;
  /** Trusted CAs for https endpoints with private certificates. */
  ca?: string | Buffer;
  log?: (line: string) => void;
}

export interface DeliveryStats {
  delivered: number;
  /** Events that exhausted their attempts (Event Grid would dead-letter them). */
  failed: number;
  pending: number;
}

interface Endpoint {
  url: URL;
  queue: EmulatorEvent[];
  running: boolean;
}

export class WebhookDelivery {
  private readonly endpoints: Endpoint[];
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly stats = { delivered: 0, failed: 0 };
  private readonly idleWaiters: (() => void)[] = [];
  private readonly stop = new AbortController();

  constructor(
    urls: readonly string[],
    private readonly options: DeliveryOptions = {},
  ) {
    this.endpoints = urls.map((u) => ({ url: new URL(u), queue: [], running: false }));
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  enqueue(event: EmulatorEvent): void {
    if (this.stop.signal.aborted) return;
    for (const endpoint of this.endpoints) {
      endpoint.queue.push(event);
      if (!endpoint.running) void this.drain(endpoint);
    }
  }

  getStats(): DeliveryStats {
    const pending = this.endpoints.reduce((n, e) => n + e.queue.length, 0);
    return { ...this.stats, pending };
  }

  /** Resolves once every queue is empty (for tests and orderly shutdown). */
  idle(): Promise<void> {
    if (this.endpoints.every((e) => !e.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering: in-flight requests are aborted and pending events dropped. */
  close(): void {
    this.stop.abort();
    for (const endpoint of this.endpoints) endpoint.queue.length = 0;
  }

  private async drain(endpoint: Endpoint): Promise<void> {
    endpoint.running = true;
    try {
      for (let event = endpoint.queue[0]; event && !this.stop.signal.aborted; event = endpoint.queue[0]) {
        const ok = await this.deliverWithRetries(endpoint.url, event);
        endpoint.queue.shift();
        if (ok) this.stats.delivered++;
        else if (!this.stop.signal.aborted) {
          this.stats.failed++;
          this.log(`event ${event.id} (${event.eventType}) not delivered to ${safeUrl(endpoint.url)}; dropped`);
        }
      }
    } finally {
      endpoint.running = false;
      if (this.endpoints.every((e) => !e.running)) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async deliverWithRetries(url: URL, event: EmulatorEvent): Promise<boolean> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (this.stop.signal.aborted) return false;
      const outcome = await this.post(url, event, attempt);
      if (outcome === 'ok') return true;
      if (attempt < this.maxAttempts) {
        this.log(`delivery of ${event.eventType} to ${safeUrl(url)} failed (${outcome}); attempt ${attempt}`);
        await sleep(Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1)), this.stop.signal);
      }
    }
    return false;
  }

  /** One attempt: 'ok' on 2xx, otherwise a short reason (status or error code). */
  private post(url: URL, event: EmulatorEvent, attempt: number): Promise<string> {
    const body = JSON.stringify([event]);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const req = client.request(
        url,
        {
          method: 'POST',
          signal: this.stop.signal,
          timeout: this.timeoutMs,
          ...(this.options.ca ? { ca: this.options.ca } : {}),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'aeg-event-type': 'Notification',
            'aeg-delivery-count': String(attempt - 1),
            'aeg-data-version': event.dataVersion,
            'aeg-metadata-version': event.metadataVersion,
          },
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          res.on('end', () => resolve(status >= 200 && status < 300 ? 'ok' : `HTTP ${status}`));
          res.on('error', () => resolve(`HTTP ${status}`));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end(body);
    });
  }

  private log(line: string): void {
    this.options.log?.(`event delivery: ${line}`);
  }
}

/** The endpoint without its query string, which may carry a function key. */
function safeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
