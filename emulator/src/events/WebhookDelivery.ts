/**
 * Delivers chat events to webhook endpoints the way an Event Grid event subscription with a WebHook destination
 * and `maxEventsPerBatch: 1` does:
 *
 * - a validation handshake before the first delivery (eventGridWire.ts); an endpoint that refuses it gets nothing;
 * - one request per event in the endpoint's schema (Event Grid or CloudEvents 1.0), at least once;
 * - Event Grid's retry schedule and dead-lettering (retryPolicy.ts), scaled by `timeScale`;
 * - optional chaos per endpoint: a share of events delivered twice and out of order.
 *
 * Order: each endpoint gets one request at a time, in publish order, as long as it accepts them. An event it
 * refuses with an HTTP error is retried on the schedule while later events go on (as Event Grid does). An endpoint
 * that cannot be reached (connection error, timeout) holds its whole queue until the failed event's next attempt,
 * so after an outage or a restart the events still arrive in order. Real Event Grid promises no order at all.
 *
 * Durability: the store journals which events each endpoint still has to receive (persistence/Outbox.ts) in the
 * same batch as the change that caused them; a delivery or dead letter is journaled afterwards. After a restart
 * (kill -9 included) every pending event is delivered again from the start of the schedule: at least once.
 */
import { Errors } from '../errors/AcsErrorFactory';
import type { DeadLetter, OutboxRecord, WebhookConfig } from '../persistence/Outbox';
import type { OutboxRouter, Store } from '../persistence/Store';
import type { EmulatorEvent } from './EmulatorEvent';
import { deliveryRequest, handshake } from './eventGridWire';
import { sendRequest } from './httpRequest';
import {
  ATTEMPT_TIMEOUT_MS,
  NON_RETRIABLE_STATUSES,
  outcomeName,
  retryDelayMs,
  undeliverableReason,
} from './retryPolicy';
import { redactUrl } from './webhookConfig';

export interface DeliveryOptions {
  /** Multiplies the retry schedule and the events' time to live (e.g. 0.001 in tests). Default 1. */
  timeScale?: number;
  /** Trusted CAs for https endpoints with private certificates. */
  ca?: string | Buffer;
  /** The topic named in validation events. */
  topic: () => string;
  log?: (line: string) => void;
  /** Source of randomness (retry jitter, chaos); tests may fix it. */
  random?: () => number;
}

/** Totals since start, for `GET /admin/state`. */
export interface DeliveryStats {
  delivered: number;
  /** dead-lettered */
  failed: number;
  pending: number;
}

export type ValidationState = 'pending' | 'validated' | 'failed';

/** One endpoint as `GET /admin/webhooks` shows it; counters are since start, `pending` and `retrying` are now. */
export interface WebhookStatus {
  name: string;
  /** the URL with secret-looking query values (`code`) redacted */
  url: string;
  schema: WebhookConfig['schema'];
  chaos: number;
  maxDeliveryAttempts: number;
  eventTimeToLiveInMinutes: number;
  /** `startup`: from `--event-webhook` / the `eventWebhooks` option; `admin`: added through the admin API */
  source: 'startup' | 'admin';
  validation: ValidationState;
  validationError?: string;
  /** events waiting for this endpoint (in flight and retrying included) */
  pending: number;
  /** pending events that failed at least once */
  retrying: number;
  delivered: number;
  /** extra copies delivered by chaos */
  duplicates: number;
  deadLettered: number;
  failedAttempts: number;
  /** events dropped because the endpoint failed the handshake */
  dropped: number;
  nextAttemptAt?: string;
  lastAttemptAt?: string;
  lastOutcome?: string;
}

/** What happened to one delivery or handshake; `GET /admin/webhooks` has the totals. */
export interface DeliveryOutcome {
  webhook: string;
  kind: 'validated' | 'validationFailed' | 'delivered' | 'duplicate' | 'retrying' | 'deadLettered';
  at: string;
  eventId?: string;
  eventType?: string;
  /** 1-based number of this attempt */
  attempt?: number;
  status?: number;
  /** connection error or handshake failure, when there was no usable answer */
  error?: string;
  nextAttemptAt?: string;
  deadLetterReason?: string;
}

export type DeliveryListener = (outcome: DeliveryOutcome) => void;

interface Item {
  /** publish order across all endpoints */
  seq: number;
  event: EmulatorEvent;
  publishedAt: number;
  attempts: number;
  /** a second copy made by chaos: not journaled, failures ignored */
  dup: boolean;
  /** chaos already decided for this event */
  scrambled: boolean;
  nextAttemptAt?: number;
  lastAttemptAt?: number;
  lastStatus?: number;
  lastOutcome?: string;
}

interface Endpoint {
  config: WebhookConfig;
  source: 'startup' | 'admin';
  validation: ValidationState;
  validationError?: string;
  handshaking: boolean;
  handshakeFailures: number;
  /** ready to send, in order */
  queue: Item[];
  /** refused with an HTTP error, waiting for their next attempt */
  waiting: Set<Item>;
  /** held back by chaos for a moment */
  held: Set<Item>;
  inFlight: Item | undefined;
  /** unreachable (or handshake failing): nothing is sent before this time */
  blockedUntil: number;
  timers: Set<NodeJS.Timeout>;
  abort: AbortController;
  removed: boolean;
  stats: { delivered: number; duplicates: number; deadLettered: number; failedAttempts: number; dropped: number };
  lastAttemptAt?: number;
  lastOutcome?: string;
}

/** How long chaos holds an event back when nothing could overtake it yet (real time, not scaled). */
const CHAOS_HOLD_MS = 100;

export class WebhookDelivery implements OutboxRouter {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly listeners = new Set<DeliveryListener>();
  private readonly timeScale: number;
  private readonly random: () => number;
  private seq = 0;
  private closed = false;
  /** aborts handshakes of admin calls on close */
  private readonly stop = new AbortController();

  /**
   * `startup` webhooks are validated before their first delivery; webhooks added earlier through the admin API
   * (kept in the store's outbox) were validated then and override a startup one of the same name. Pending events
   * of endpoints no longer configured are dropped.
   */
  constructor(
    private readonly store: Store,
    startup: readonly WebhookConfig[],
    private readonly options: DeliveryOptions,
  ) {
    this.timeScale = options.timeScale ?? 1;
    this.random = options.random ?? Math.random;
    for (const config of startup) this.endpoints.set(config.name, this.newEndpoint(config, 'startup', 'pending'));
    for (const config of store.outbox.webhooks.values()) {
      this.endpoints.set(config.name, this.newEndpoint(config, 'admin', 'validated'));
    }
    for (const [name, queue] of store.outbox.pending) {
      const ep = this.endpoints.get(name);
      if (!ep) {
        if (queue.size > 0)
          this.log(`${queue.size} pending event(s) for webhook ${name} dropped: it is not configured`);
        this.journal([{ t: 'evDrop', to: name }]);
        continue;
      }
      for (const q of queue.values()) ep.queue.push(this.newItem(q.event, q.at));
    }
    store.route(this);
    for (const ep of this.endpoints.values()) this.pump(ep);
  }

  // --- OutboxRouter (called by Store.commit) ---

  addressees(): string[] {
    if (this.closed) return [];
    const names: string[] = [];
    for (const [name, ep] of this.endpoints) if (ep.validation !== 'failed') names.push(name);
    return names;
  }

  queued(record: Extract<OutboxRecord, { t: 'evQ' }>): void {
    for (const name of record.to) {
      const ep = this.endpoints.get(name);
      if (!ep || ep.removed) continue;
      if (ep.validation === 'failed') {
        this.journal([{ t: 'evDrop', to: name }]);
        continue;
      }
      for (const event of record.ev) ep.queue.push(this.newItem(event, record.at));
      this.pump(ep);
    }
  }

  // --- admin ---

  list(): WebhookStatus[] {
    return [...this.endpoints.values()].map((ep) => this.status(ep));
  }

  get(name: string): WebhookStatus | undefined {
    const ep = this.endpoints.get(name);
    return ep && this.status(ep);
  }

  /**
   * Adds or replaces a webhook, as creating an event subscription does: the endpoint must pass the handshake first
   * (unless only its options change), else 400 and nothing changes. Kept across restarts.
   */
  async put(config: WebhookConfig): Promise<{ created: boolean; status: WebhookStatus }> {
    const before = this.endpoints.get(config.name);
    const sameTarget =
      before?.validation === 'validated' && before.config.url === config.url && before.config.schema === config.schema;
    if (!sameTarget) {
      const result = await handshake(config, this.options.topic(), this.stop.signal, this.options.ca);
      if (!result.ok) {
        this.emit({ webhook: config.name, kind: 'validationFailed', error: result.reason });
        throw Errors.badRequest(
          `Webhook validation handshake failed for ${redactUrl(config.url)}: it ${result.reason}. The webhook was not ${before ? 'changed' : 'added'}.`,
          'url',
        );
      }
    }
    await this.store.record([{ t: 'whPut', w: config }]);
    let ep = this.endpoints.get(config.name);
    const created = !ep;
    if (ep) {
      ep.config = config;
      ep.source = 'admin';
      ep.validation = 'validated';
      delete ep.validationError;
      if (!sameTarget) {
        // a startup endpoint that was waiting for its handshake to succeed may go now
        ep.blockedUntil = 0;
        ep.handshakeFailures = 0;
      }
    } else {
      ep = this.newEndpoint(config, 'admin', 'validated');
      this.endpoints.set(config.name, ep);
    }
    if (!sameTarget) {
      this.log(`webhook ${config.name} (${redactUrl(config.url)}) validated`);
      this.emit({ webhook: config.name, kind: 'validated' });
    }
    this.pump(ep);
    return { created, status: this.status(ep) };
  }

  /** Removes a webhook and drops what it had pending; false when there is none of that name. */
  async remove(name: string): Promise<boolean> {
    const ep = this.endpoints.get(name);
    if (!ep) return false;
    this.stopEndpoint(ep);
    this.endpoints.delete(name);
    await this.store.record([{ t: 'whDel', name }]);
    return true;
  }

  deadLetters(webhook?: string): DeadLetter[] {
    const all = this.store.outbox.deadLetters;
    return webhook === undefined ? [...all] : all.filter((d) => d.webhook === webhook);
  }

  async clearDeadLetters(): Promise<void> {
    await this.store.record([{ t: 'dlClear' }]);
  }

  onOutcome(listener: DeliveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getStats(): DeliveryStats {
    const stats: DeliveryStats = { delivered: 0, failed: 0, pending: 0 };
    for (const ep of this.endpoints.values()) {
      stats.delivered += ep.stats.delivered;
      stats.failed += ep.stats.deadLettered;
      stats.pending += this.pendingItems(ep).length;
    }
    return stats;
  }

  /** Stops delivering: in-flight requests are aborted; what is pending stays in the outbox for the next start. */
  close(): void {
    this.closed = true;
    this.stop.abort();
    for (const ep of this.endpoints.values()) this.stopEndpoint(ep);
  }

  // --- delivery ---

  /** Sends the next event if the endpoint may take one now; timers and finished attempts call it again. */
  private pump(ep: Endpoint): void {
    for (;;) {
      if (ep.removed || this.closed || ep.inFlight || ep.handshaking || ep.validation === 'failed') return;
      if (Date.now() < ep.blockedUntil) return;
      const head = ep.queue[0];
      if (!head) return;
      if (ep.validation === 'pending') {
        void this.validate(ep);
        return;
      }
      ep.queue.shift();
      if (!head.dup && Date.now() > this.expiresAt(ep, head)) {
        this.deadLetter(ep, head, 'TimeToLiveExceeded');
        continue;
      }
      if (this.scramble(ep, head)) continue;
      ep.inFlight = head;
      void this.attempt(ep, head).finally(() => {
        ep.inFlight = undefined;
        this.pump(ep);
      });
      return;
    }
  }

  private async attempt(ep: Endpoint, item: Item): Promise<void> {
    const started = Date.now();
    const answer = await sendRequest(new URL(ep.config.url), {
      ...deliveryRequest(ep.config, item.event, item.attempts),
      timeoutMs: ATTEMPT_TIMEOUT_MS,
      signal: ep.abort.signal,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    if (ep.removed || this.closed) return;
    const status = answer.status;
    const failure = answer.status === undefined ? answer.error : undefined;
    const ok = status !== undefined && status >= 200 && status < 300;
    item.attempts++;
    item.lastAttemptAt = ep.lastAttemptAt = started;
    item.lastStatus = status;
    item.lastOutcome = ep.lastOutcome = ok ? 'Delivered' : outcomeName(status, failure);
    const about = { eventId: item.event.id, eventType: item.event.eventType, attempt: item.attempts };
    const error = failure !== undefined ? { error: failure } : {};
    if (item.dup) {
      if (ok) {
        ep.stats.duplicates++;
        this.emit({ webhook: ep.config.name, kind: 'duplicate', ...about, status });
      }
      return;
    }
    if (ok) {
      ep.stats.delivered++;
      this.journal([{ t: 'evDone', to: ep.config.name, id: item.event.id }]);
      this.emit({ webhook: ep.config.name, kind: 'delivered', ...about, status });
      return;
    }
    ep.stats.failedAttempts++;
    if (status !== undefined && NON_RETRIABLE_STATUSES.has(status)) {
      this.deadLetter(ep, item, undeliverableReason(status));
      return;
    }
    if (item.attempts >= ep.config.maxDeliveryAttempts) {
      this.deadLetter(ep, item, 'MaxDeliveryAttemptsExceeded');
      return;
    }
    const delay = retryDelayMs(item.attempts, this.timeScale, this.random);
    const due = Date.now() + delay;
    if (due > this.expiresAt(ep, item)) {
      this.deadLetter(ep, item, 'TimeToLiveExceeded');
      return;
    }
    item.nextAttemptAt = due;
    this.log(
      `${item.event.eventType} to ${ep.config.name} failed (${item.lastOutcome}), attempt ${item.attempts}; next in ${delay} ms`,
    );
    this.emit({
      webhook: ep.config.name,
      kind: 'retrying',
      ...about,
      ...(status !== undefined ? { status } : error),
      nextAttemptAt: new Date(due).toISOString(),
    });
    if (status === undefined) {
      // Unreachable: the whole queue waits for this event's next attempt, so order survives the outage.
      this.insertInOrder(ep, item);
      this.blockUntil(ep, due);
    } else {
      ep.waiting.add(item);
      this.after(ep, delay, () => {
        ep.waiting.delete(item);
        this.insertInOrder(ep, item);
      });
    }
  }

  private async validate(ep: Endpoint): Promise<void> {
    ep.handshaking = true;
    const result = await handshake(ep.config, this.options.topic(), ep.abort.signal, this.options.ca);
    ep.handshaking = false;
    if (ep.removed || this.closed) return;
    if (result.ok) {
      ep.validation = 'validated';
      ep.handshakeFailures = 0;
      delete ep.validationError;
      this.emit({ webhook: ep.config.name, kind: 'validated' });
    } else if (result.transient) {
      ep.handshakeFailures++;
      ep.validationError = result.reason;
      const delay = retryDelayMs(ep.handshakeFailures, this.timeScale, this.random);
      this.log(`webhook ${ep.config.name}: validation handshake got ${result.reason}; trying again in ${delay} ms`);
      this.blockUntil(ep, Date.now() + delay);
      return;
    } else {
      // As Event Grid never creates a subscription whose endpoint refuses the handshake: this one gets nothing.
      ep.validation = 'failed';
      ep.validationError = result.reason;
      const dropped = this.pendingItems(ep).length;
      ep.stats.dropped += dropped;
      ep.queue.length = 0;
      ep.waiting.clear();
      ep.held.clear();
      this.journal([{ t: 'evDrop', to: ep.config.name }]);
      this.log(
        `webhook ${ep.config.name} (${redactUrl(ep.config.url)}) failed the validation handshake: it ${result.reason}. ` +
          `It gets no events (${dropped} dropped); fix it, then PUT /admin/webhooks/${ep.config.name}.`,
      );
      this.emit({ webhook: ep.config.name, kind: 'validationFailed', error: result.reason });
    }
    this.pump(ep);
  }

  /**
   * Chaos: with the endpoint's probability, the event is moved behind up to three later ones (or held back a
   * moment when none is there yet) and a second copy is queued further back. True when the queue changed.
   */
  private scramble(ep: Endpoint, item: Item): boolean {
    if (item.dup || item.scrambled || ep.config.chaos <= 0) return false;
    item.scrambled = true;
    if (this.random() >= ep.config.chaos) return false;
    const copy: Item = { ...item, dup: true, attempts: item.attempts + 1 };
    if (ep.queue.length > 0) {
      const at = Math.min(ep.queue.length, 1 + Math.floor(this.random() * 3));
      ep.queue.splice(at, 0, item);
      ep.queue.splice(at + 1 + Math.floor(this.random() * (ep.queue.length - at)), 0, copy);
      return true;
    }
    ep.held.add(item);
    this.after(ep, Math.round(CHAOS_HOLD_MS * (0.5 + this.random())), () => {
      ep.held.delete(item);
      ep.queue.unshift(item);
      ep.queue.splice(1 + Math.floor(this.random() * ep.queue.length), 0, copy);
    });
    return true;
  }

  private deadLetter(ep: Endpoint, item: Item, reason: string): void {
    const letter: DeadLetter = {
      webhook: ep.config.name,
      event: item.event,
      deadLetterReason: reason,
      deliveryAttempts: item.attempts,
      lastDeliveryOutcome: item.lastOutcome ?? 'NotAttempted',
      ...(item.lastStatus !== undefined ? { lastHttpStatusCode: item.lastStatus } : {}),
      publishTime: new Date(item.publishedAt).toISOString(),
      ...(item.lastAttemptAt !== undefined
        ? { lastDeliveryAttemptTime: new Date(item.lastAttemptAt).toISOString() }
        : {}),
    };
    ep.stats.deadLettered++;
    this.journal([{ t: 'evDead', d: letter }]);
    this.log(
      `${item.event.eventType} ${item.event.id} to ${ep.config.name} dead-lettered (${reason}, ${item.attempts} attempt(s))`,
    );
    this.emit({
      webhook: ep.config.name,
      kind: 'deadLettered',
      eventId: item.event.id,
      eventType: item.event.eventType,
      attempt: item.attempts,
      ...(item.lastStatus !== undefined ? { status: item.lastStatus } : {}),
      deadLetterReason: reason,
    });
  }

  // --- helpers ---

  private newEndpoint(config: WebhookConfig, source: Endpoint['source'], validation: ValidationState): Endpoint {
    return {
      config,
      source,
      validation,
      handshaking: false,
      handshakeFailures: 0,
      queue: [],
      waiting: new Set(),
      held: new Set(),
      inFlight: undefined,
      blockedUntil: 0,
      timers: new Set(),
      abort: new AbortController(),
      removed: false,
      stats: { delivered: 0, duplicates: 0, deadLettered: 0, failedAttempts: 0, dropped: 0 },
    };
  }

  private newItem(event: EmulatorEvent, publishedAt: number): Item {
    return { seq: ++this.seq, event, publishedAt, attempts: 0, dup: false, scrambled: false };
  }

  private expiresAt(ep: Endpoint, item: Item): number {
    return item.publishedAt + ep.config.eventTimeToLiveInMinutes * 60_000 * this.timeScale;
  }

  /** Back into the ready queue before every later-published event. */
  private insertInOrder(ep: Endpoint, item: Item): void {
    const i = ep.queue.findIndex((x) => x.seq > item.seq);
    if (i < 0) ep.queue.push(item);
    else ep.queue.splice(i, 0, item);
  }

  private blockUntil(ep: Endpoint, due: number): void {
    ep.blockedUntil = due;
    this.after(ep, due - Date.now(), () => undefined);
  }

  /** Runs `fn` after `ms`, then pumps; cancelled when the endpoint stops. */
  private after(ep: Endpoint, ms: number, fn: () => void): void {
    const timer = setTimeout(
      () => {
        ep.timers.delete(timer);
        if (ep.removed || this.closed) return;
        fn();
        this.pump(ep);
      },
      Math.max(0, ms),
    );
    timer.unref();
    ep.timers.add(timer);
  }

  private stopEndpoint(ep: Endpoint): void {
    ep.removed = true;
    ep.abort.abort();
    for (const t of ep.timers) clearTimeout(t);
    ep.timers.clear();
  }

  /** Originals not yet delivered or dead-lettered. */
  private pendingItems(ep: Endpoint): Item[] {
    const all = [...ep.queue, ...ep.waiting, ...ep.held];
    if (ep.inFlight) all.push(ep.inFlight);
    return all.filter((i) => !i.dup);
  }

  private status(ep: Endpoint): WebhookStatus {
    const pending = this.pendingItems(ep);
    let next = ep.blockedUntil > Date.now() ? ep.blockedUntil : undefined;
    for (const i of ep.waiting)
      if (i.nextAttemptAt !== undefined && (next === undefined || i.nextAttemptAt < next)) next = i.nextAttemptAt;
    const c = ep.config;
    return {
      name: c.name,
      url: redactUrl(c.url),
      schema: c.schema,
      chaos: c.chaos,
      maxDeliveryAttempts: c.maxDeliveryAttempts,
      eventTimeToLiveInMinutes: c.eventTimeToLiveInMinutes,
      source: ep.source,
      validation: ep.validation,
      ...(ep.validationError !== undefined ? { validationError: ep.validationError } : {}),
      pending: pending.length,
      retrying: pending.filter((i) => i.attempts > 0).length,
      ...ep.stats,
      ...(next !== undefined ? { nextAttemptAt: new Date(next).toISOString() } : {}),
      ...(ep.lastAttemptAt !== undefined ? { lastAttemptAt: new Date(ep.lastAttemptAt).toISOString() } : {}),
      ...(ep.lastOutcome !== undefined ? { lastOutcome: ep.lastOutcome } : {}),
    };
  }

  /** Delivery bookkeeping: a lost record only means a redelivery after a crash, so nobody waits for it. */
  private journal(records: OutboxRecord[]): void {
    this.store.record(records).catch((err: unknown) => {
      if (!this.closed) this.log(`could not journal delivery state: ${String(err)}`);
    });
  }

  private emit(outcome: Omit<DeliveryOutcome, 'at'>): void {
    const full: DeliveryOutcome = { at: new Date().toISOString(), ...outcome };
    for (const l of this.listeners) {
      try {
        l(full);
      } catch {
        // a listener's bug must not stop deliveries
      }
    }
  }

  private log(line: string): void {
    this.options.log?.(`event delivery: ${line}`);
  }
}
