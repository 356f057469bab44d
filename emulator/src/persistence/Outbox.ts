import type { EmulatorEvent } from '../events/EmulatorEvent';

/** Event Grid's names for an event subscription's `eventDeliverySchema`. */
export type EventSchema = 'EventGridSchema' | 'CloudEventSchemaV1_0';

/** One webhook endpoint, as an Event Grid event subscription with a WebHook destination. */
export interface WebhookConfig {
  /** unique; used in the admin API and in the `aeg-subscription-name` header (upper case) */
  name: string;
  url: string;
  schema: EventSchema;
  /** share (0..1) of events delivered twice and out of order */
  chaos: number;
  /** Event Grid `retryPolicy.maxDeliveryAttempts`: 1..30, default 30 */
  maxDeliveryAttempts: number;
  /** Event Grid `retryPolicy.eventTimeToLiveInMinutes`: 1..1440, default 1440 (scaled by the time scale) */
  eventTimeToLiveInMinutes: number;
}

/** An undeliverable event, with the fields Event Grid adds to a dead-lettered event. */
export interface DeadLetter {
  webhook: string;
  event: EmulatorEvent;
  deadLetterReason: string;
  deliveryAttempts: number;
  lastDeliveryOutcome: string;
  lastHttpStatusCode?: number;
  publishTime: string;
  lastDeliveryAttemptTime?: string;
}

/** An event waiting for one endpoint; `at` is when it was published (the start of its time to live). */
export interface QueuedEvent {
  event: EmulatorEvent;
  at: number;
}

/**
 * Journal records of the delivery outbox. They share the state journal with the chat changes: an event's `evQ`
 * is written in the same batch as the change that caused it, so an acknowledged change never lacks its events.
 */
export type OutboxRecord =
  /** a webhook added or replaced through the admin API (command-line ones are given again at every start) */
  | { t: 'whPut'; w: WebhookConfig }
  /** a webhook removed: its pending events go with it */
  | { t: 'whDel'; name: string }
  /** an endpoint's pending events dropped (it failed the handshake, or is no longer configured) */
  | { t: 'evDrop'; to: string }
  /** events published to these endpoints */
  | { t: 'evQ'; at: number; to: string[]; ev: EmulatorEvent[] }
  /** delivered to that endpoint: no longer pending */
  | { t: 'evDone'; to: string; id: string }
  /** dead-lettered: no longer pending, listed */
  | { t: 'evDead'; d: DeadLetter }
  | { t: 'dlClear' };

const OUTBOX_TYPES = new Set(['whPut', 'whDel', 'evDrop', 'evQ', 'evDone', 'evDead', 'dlClear']);

export function isOutboxRecord(r: { t: string }): r is OutboxRecord {
  return OUTBOX_TYPES.has(r.t);
}

/** Dead letters kept (oldest dropped first), so a endpoint failing for days cannot exhaust memory. */
export const MAX_DEAD_LETTERS = 10_000;

/**
 * What must survive a restart of Event Grid delivery: the webhooks added at run time, the events each endpoint
 * has not yet accepted (in publish order), and the dead letters. Mutated only by apply(), like State.
 */
export class Outbox {
  readonly webhooks = new Map<string, WebhookConfig>();
  /** endpoint name -> event id -> queued event, in publish order */
  readonly pending = new Map<string, Map<string, QueuedEvent>>();
  deadLetters: DeadLetter[] = [];

  apply(r: OutboxRecord): void {
    switch (r.t) {
      case 'whPut':
        this.webhooks.set(r.w.name, r.w);
        return;
      case 'whDel':
        this.webhooks.delete(r.name);
        this.pending.delete(r.name);
        return;
      case 'evDrop':
        this.pending.delete(r.to);
        return;
      case 'evQ':
        for (const name of r.to) {
          let queue = this.pending.get(name);
          if (!queue) this.pending.set(name, (queue = new Map()));
          for (const event of r.ev) queue.set(event.id, { event, at: r.at });
        }
        return;
      case 'evDone':
        this.pending.get(r.to)?.delete(r.id);
        return;
      case 'evDead':
        this.pending.get(r.d.webhook)?.delete(r.d.event.id);
        this.deadLetters.push(r.d);
        if (this.deadLetters.length > MAX_DEAD_LETTERS) this.deadLetters.shift();
        return;
      case 'dlClear':
        this.deadLetters = [];
        return;
    }
  }

  clear(): void {
    this.webhooks.clear();
    this.pending.clear();
    this.deadLetters = [];
  }

  /** Records that rebuild this outbox (the tail of a compacted journal). */
  snapshotRecords(): OutboxRecord[] {
    const out: OutboxRecord[] = [];
    for (const w of this.webhooks.values()) out.push({ t: 'whPut', w });
    for (const d of this.deadLetters) out.push({ t: 'evDead', d });
    for (const [name, queue] of this.pending) {
      for (const q of queue.values()) out.push({ t: 'evQ', at: q.at, to: [name], ev: [q.event] });
    }
    return out;
  }

  snapshotSize(): number {
    let n = this.webhooks.size + this.deadLetters.length;
    for (const queue of this.pending.values()) n += queue.size;
    return n;
  }
}
