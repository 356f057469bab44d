/**
 * What the inspector needs from webhook delivery: the endpoints with their counters, and the outcome of each
 * attempt, naming its event (delivered / retrying / dead-lettered per event and webhook). `outcomeFeed` adapts
 * the delivery's per-endpoint status (`list()`) and outcome listeners (`onOutcome()`) to the inspector's views.
 */
import type { DeliveryOutcome as Outcome, WebhookStatus } from '../events/WebhookDelivery';
import type { DeliveryOutcomeKind, DeliveryOutcomeView, WebhookView } from './views';

export type OutcomeListener = (outcome: DeliveryOutcomeView) => void;

export interface DeliveryFeed {
  endpoints(): WebhookView[];
  /** Subscribes to delivery outcomes; returns the unsubscribe function. */
  onOutcome(listener: OutcomeListener): () => void;
}

/** The fields of the delivery's per-endpoint status the feed shows. */
export type EndpointStatus = Pick<WebhookStatus, 'name' | 'url'> &
  Partial<
    Pick<
      WebhookStatus,
      'validation' | 'pending' | 'retrying' | 'delivered' | 'deadLettered' | 'lastOutcome' | 'nextAttemptAt'
    >
  >;

/** One outcome as the delivery reports it; kinds the page does not know are skipped, not failed. */
export type DeliveryOutcome = Omit<Outcome, 'kind'> & { kind: string };

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

export function outcomeFeed(delivery: DeliveryWithOutcomes): DeliveryFeed {
  return {
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
