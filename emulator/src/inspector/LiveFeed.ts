/**
 * Live updates for open inspector pages, over Server-Sent Events (`GET /inspector/api/live`).
 *
 * Cost to the API: nothing while no page is connected (no listener on the event hub, no timer). While pages are
 * connected, an event costs the request that caused it one array push; a timer turns the batch into one message
 * and writes it to every page (at most every FLUSH_MS), and a once-a-second check sends the state counts when
 * they changed. A page that reads too slowly is skipped and told to reload its data (`resync`) once it drains.
 *
 * Messages (`event:` name, `data:` JSON):
 * - `chat`: ChatEventView[] — chat events as published to the webhooks;
 * - `delivery`: DeliveryOutcomeView[] — webhook delivery outcomes;
 * - `state`: Overview — when something in it changed;
 * - `resync`: {} — some messages were skipped: fetch everything again.
 * The first messages after connecting replay the recent events and outcomes, then the current state.
 */
import type { ServerResponse } from 'node:http';
import type { EmulatorEvent } from '../events/EmulatorEvent';
import type { EventHub } from '../events/EventHub';
import type { DeliveryFeed } from './DeliveryFeed';
import type { ChatEventView, DeliveryOutcomeView, Overview } from './views';

const FLUSH_MS = 50;
const STATE_CHECK_MS = 1000;
/** a comment line now and then, so dead connections are noticed */
const HEARTBEAT_MS = 20_000;
/** after the last page leaves, keep listening this long, so a reload misses nothing */
const LINGER_MS = 30_000;
/** events kept between flushes; beyond this, pages are told to resync */
const MAX_PENDING = 5000;
const RECENT_EVENTS = 200;
const RECENT_OUTCOMES = 500;
/** unsent bytes a page may have queued; beyond, it is skipped until it drains, then told to resync */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const PREVIEW_CHARS = 160;
const PREFIX = 'Microsoft.Communication.';

interface Client {
  res: ServerResponse;
  /** it has too much unsent: skip messages until it drains, then send `resync` */
  blocked: boolean;
}

export interface LiveSources {
  hub: EventHub;
  delivery: DeliveryFeed;
  overview(): Overview;
  /** cheap summary of everything in the overview: when it changes, the overview is sent */
  fingerprint(): string;
}

function shorten(s: string): string {
  return s.length > PREVIEW_CHARS ? `${s.slice(0, PREVIEW_CHARS - 1)}…` : s;
}

function rawIdOf(identifier: unknown): string | undefined {
  const raw = (identifier as { rawId?: unknown } | undefined)?.rawId;
  return typeof raw === 'string' ? raw : undefined;
}

/** The fields the feed shows, from an Event Grid chat event. */
export function chatEventView(e: EmulatorEvent): ChatEventView {
  const d = e.data;
  const view: ChatEventView = {
    id: e.id,
    type: e.eventType.startsWith(PREFIX) ? e.eventType.slice(PREFIX.length) : e.eventType,
    time: e.eventTime,
    threadId: typeof d['threadId'] === 'string' ? d['threadId'] : '',
  };
  if (typeof d['messageId'] === 'string') view.messageId = d['messageId'];
  const actor =
    d['senderCommunicationIdentifier'] ??
    d['createdByCommunicationIdentifier'] ??
    d['editedByCommunicationIdentifier'] ??
    d['deletedByCommunicationIdentifier'] ??
    d['addedByCommunicationIdentifier'] ??
    d['removedByCommunicationIdentifier'];
  const actorId = rawIdOf(actor);
  if (actorId !== undefined) view.actorId = actorId;
  if (typeof d['senderDisplayName'] === 'string' && d['senderDisplayName'] !== '') {
    view.actorName = d['senderDisplayName'];
  }
  const properties = d['properties'] as { topic?: unknown } | undefined;
  const participant = (d['participantAdded'] ?? d['participantRemoved']) as
    { participantCommunicationIdentifier?: unknown; displayName?: unknown } | undefined;
  if (typeof d['messageBody'] === 'string') view.detail = shorten(d['messageBody']);
  else if (participant) {
    const name = typeof participant.displayName === 'string' ? participant.displayName : '';
    view.detail = name || (rawIdOf(participant.participantCommunicationIdentifier) ?? '');
  } else if (typeof properties?.topic === 'string') view.detail = shorten(properties.topic);
  return view;
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function pushBounded<T>(list: T[], items: readonly T[], max: number): void {
  list.push(...items);
  if (list.length > max) list.splice(0, list.length - max);
}

export class LiveFeed {
  private readonly clients = new Set<Client>();
  private subscriptions: (() => void)[] = [];
  private pendingEvents: EmulatorEvent[] = [];
  private pendingOutcomes: DeliveryOutcomeView[] = [];
  private overflow = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private stateTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly recentEvents: ChatEventView[] = [];
  private readonly recentOutcomes: DeliveryOutcomeView[] = [];
  private lastFingerprint = '';
  private lastHeartbeat = Date.now();
  private closed = false;

  constructor(
    private readonly sources: LiveSources,
    private readonly lingerMs = LINGER_MS,
  ) {}

  /** Makes `res` an event stream until the page goes away. */
  connect(res: ServerResponse): void {
    if (this.closed) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('closing');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.socket?.setNoDelay(true);
    const client: Client = { res, blocked: false };
    this.clients.add(client);
    res.on('close', () => this.disconnect(client));
    res.on('drain', () => {
      if (!client.blocked) return;
      client.blocked = false;
      this.write(client, sse('resync', {}));
    });
    this.subscribe();
    // What happened just before (a reload's gap), then where things stand.
    let hello = 'retry: 2000\n\n';
    if (this.recentEvents.length > 0) hello += sse('chat', this.recentEvents);
    if (this.recentOutcomes.length > 0) hello += sse('delivery', this.recentOutcomes);
    this.lastFingerprint = this.sources.fingerprint();
    hello += sse('state', this.sources.overview());
    this.write(client, hello);
  }

  get connections(): number {
    return this.clients.size;
  }

  /** Ends every stream and stops listening. */
  close(): void {
    this.closed = true;
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.unsubscribe();
  }

  private subscribe(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    if (this.subscriptions.length > 0) return;
    this.subscriptions = [
      this.sources.hub.on((event) => this.onEvent(event)),
      this.sources.delivery.onOutcome((outcome) => this.onOutcome(outcome)),
    ];
    this.stateTimer = setInterval(() => this.checkState(), STATE_CHECK_MS);
    this.stateTimer.unref();
  }

  private unsubscribe(): void {
    for (const off of this.subscriptions) off();
    this.subscriptions = [];
    for (const timer of [this.stateTimer, this.flushTimer, this.lingerTimer]) if (timer) clearTimeout(timer);
    this.stateTimer = this.flushTimer = this.lingerTimer = undefined;
    this.pendingEvents = [];
    this.pendingOutcomes = [];
  }

  private disconnect(client: Client): void {
    if (!this.clients.delete(client) || this.clients.size > 0 || this.closed) return;
    this.lingerTimer = setTimeout(() => this.unsubscribe(), this.lingerMs);
    this.lingerTimer.unref();
  }

  /** On the request path (inside Store.commit): keep it to a push. */
  private onEvent(event: EmulatorEvent): void {
    if (this.pendingEvents.length >= MAX_PENDING) this.overflow = true;
    else this.pendingEvents.push(event);
    this.scheduleFlush();
  }

  private onOutcome(outcome: DeliveryOutcomeView): void {
    if (this.pendingOutcomes.length >= MAX_PENDING) this.overflow = true;
    else this.pendingOutcomes.push(outcome);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
    this.flushTimer.unref();
  }

  private flush(): void {
    this.flushTimer = undefined;
    let message = '';
    if (this.pendingEvents.length > 0) {
      const views = this.pendingEvents.map(chatEventView);
      this.pendingEvents = [];
      pushBounded(this.recentEvents, views.slice(-RECENT_EVENTS), RECENT_EVENTS);
      message += sse('chat', views);
    }
    if (this.pendingOutcomes.length > 0) {
      const outcomes = this.pendingOutcomes;
      this.pendingOutcomes = [];
      pushBounded(this.recentOutcomes, outcomes.slice(-RECENT_OUTCOMES), RECENT_OUTCOMES);
      message += sse('delivery', outcomes);
    }
    if (this.overflow) {
      this.overflow = false;
      message += sse('resync', {});
    }
    if (message !== '') this.broadcast(message);
  }

  private checkState(): void {
    const fingerprint = this.sources.fingerprint();
    if (fingerprint !== this.lastFingerprint) {
      this.lastFingerprint = fingerprint;
      if (this.clients.size > 0) this.broadcast(sse('state', this.sources.overview()));
    } else if (Date.now() - this.lastHeartbeat >= HEARTBEAT_MS) this.broadcast(': ping\n\n');
  }

  private broadcast(message: string): void {
    this.lastHeartbeat = Date.now();
    for (const c of this.clients) if (!c.blocked) this.write(c, message);
  }

  /**
   * A page that reads too slowly is skipped, not buffered for without bound. (`write()` returning false only says
   * the buffer is past its high-water mark, which one large batch does on a fast page too: not a reason to skip.)
   */
  private write(client: Client, message: string): void {
    if (client.res.writableLength > MAX_BUFFERED_BYTES) client.blocked = true;
    else client.res.write(message);
  }
}
