/**
 * What the inspector needs from webhook delivery: the endpoints with their counters, and (when the delivery
 * reports them) the outcome of each attempt. Two adapters, chosen by what the delivery offers:
 *
 * - `outcomeFeed`: a delivery with per-endpoint status (`list()`) and outcome listeners (`onOutcome()`), which
 *   names the event of each outcome: the feed shows delivered / retrying / dead-lettered per event and webhook;
 * - `totalsFeed`: a delivery that only keeps totals (`getStats()`): the feed shows the configured endpoints and
 *   the totals, no per-event status.
 */
import type { DeliveryOutcomeKind, DeliveryOutcomeView, WebhookView } from './views';

export type OutcomeListener = (outcome: DeliveryOutcomeView) => void;

export interface DeliveryFeed {
  /** true when outcomes name their event */
  readonly perEvent: boolean;
  endpoints(): WebhookView[];
  /** Subscribes to delivery outcomes; returns the unsubscribe function. */
  onOutcome(listener: OutcomeListener): () => void;
}

/** A configured webhook: its URL, or a configuration object that has one. */
export type WebhookTarget = string | { url: string };

/** A delivery that keeps only totals. */
export interface DeliveryTotals {
  getStats(): { delivered: number; failed: number; pending: number };
}

/** One endpoint's status as a delivery with per-endpoint status reports it (fields the feed uses). */
export interface EndpointStatus {
  name: string;
  url: string;
  validation?: string;
  pending?: number;
  retrying?: number;
  delivered?: number;
  deadLettered?: number;
  lastOutcome?: string;
  nextAttemptAt?: string;
}

/** One outcome as such a delivery reports it. */
export interface DeliveryOutcome {
  webhook: string;
  kind: string;
  at: string;
  eventId?: string;
  eventType?: string;
  attempt?: number;
  status?: number;
  error?: string;
  nextAttemptAt?: string;
  deadLetterReason?: string;
}

export interface DeliveryWithOutcomes {
  list(): EndpointStatus[];
  onOutcome(listener: (outcome: DeliveryOutcome) => void): () => void;
}

const KINDS: ReadonlySet<string> = new Set<DeliveryOutcomeKind>([
  'delivered',
  'retrying',
  'deadLettered',
  'duplicate',
  'validated',
  'validationFailed',
]);

/** The endpoint without its query string, which may carry a function key. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

export function hasOutcomes(delivery: object): delivery is DeliveryWithOutcomes {
  const d = delivery as Partial<Record<'list' | 'onOutcome', unknown>>;
  return typeof d.list === 'function' && typeof d.onOutcome === 'function';
}

export function outcomeFeed(delivery: DeliveryWithOutcomes): DeliveryFeed {
  return {
    perEvent: true,
    endpoints: () =>
      delivery.list().map((s) => {
        const view: WebhookView = { name: s.name, url: s.url };
        for (const key of ['validation', 'lastOutcome', 'nextAttemptAt'] as const) {
          const v = s[key];
          if (v !== undefined) view[key] = v;
        }
        for (const key of ['pending', 'retrying', 'delivered', 'deadLettered'] as const) {
          const v = s[key];
          if (v !== undefined) view[key] = v;
        }
        return view;
      }),
    onOutcome: (listener) =>
      delivery.onOutcome((o) => {
        if (!KINDS.has(o.kind)) return;
        const view: DeliveryOutcomeView = { webhook: o.webhook, kind: o.kind as DeliveryOutcomeKind, at: o.at };
        if (o.eventId !== undefined) view.eventId = o.eventId;
        if (o.eventType !== undefined) view.eventType = o.eventType;
        if (o.attempt !== undefined) view.attempt = o.attempt;
        if (o.status !== undefined) view.status = o.status;
        if (o.error !== undefined) view.error = o.error;
        if (o.nextAttemptAt !== undefined) view.nextAttemptAt = o.nextAttemptAt;
        if (o.deadLetterReason !== undefined) view.reason = o.deadLetterReason;
        listener(view);
      }),
  };
}

/**
 * The configured URLs, and the totals when there is one endpoint (with several, the totals are in the overview's
 * `eventDelivery` and cannot be split per endpoint). No outcomes.
 */
export function totalsFeed(delivery: DeliveryTotals, webhooks: readonly WebhookTarget[]): DeliveryFeed {
  const urls = webhooks.map((w) => (typeof w === 'string' ? w : w.url));
  return {
    perEvent: false,
    endpoints: () => {
      const stats = urls.length === 1 ? delivery.getStats() : undefined;
      return urls.map((url, i) => ({
        name: `webhook ${i + 1}`,
        url: redactedUrl(url),
        ...(stats ? { pending: stats.pending, delivered: stats.delivered, deadLettered: stats.failed } : {}),
      }));
    },
    onOutcome: () => () => undefined,
  };
}

/** The richest feed the delivery supports. */
export function deliveryFeedOf(
  delivery: DeliveryTotals | DeliveryWithOutcomes,
  webhooks: readonly WebhookTarget[],
): DeliveryFeed {
  if (hasOutcomes(delivery)) return outcomeFeed(delivery);
  return totalsFeed(delivery as DeliveryTotals, webhooks);
}
