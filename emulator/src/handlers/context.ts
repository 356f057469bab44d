import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookDelivery } from '../events/WebhookDelivery';
import type { EventHub } from '../events/EventHub';
import type { FaultManager } from '../faults/FaultManager';
import type { Throttler } from '../faults/Throttler';
import type { ApiFeatures } from '../model/wire';
import type { Store } from '../persistence/Store';

/** Long-lived parts every handler may use. */
export interface Services {
  store: Store;
  faults: FaultManager;
  throttler: Throttler;
  events: EventHub;
  /** Event Grid webhook deliveries (`--event-webhook` and the admin API's webhooks). */
  delivery: WebhookDelivery;
  /** decoded access key: HMAC and token signing key */
  key: Buffer;
  /** the access key as configured (base64) */
  accessKey: string;
  /** Chat and identity calls received per operation since start or the last reset, faulted ones included. */
  calls: Map<string, number>;
}

export interface RequestContext {
  method: string;
  /** pathname as sent (percent-encoded) */
  rawPath: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `https://host:port` as the client addressed us */
  origin: string;
  apiVersion: string;
  features: ApiFeatures;
  /** authenticated chat user (raw id); '' for identity and admin calls */
  caller: string;
  services: Services;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<HandlerResult> | HandlerResult;

export function param(ctx: RequestContext, name: string): string {
  return ctx.params[name] ?? '';
}
