import { createHash } from 'node:crypto';
import { Errors } from '../errors/AcsErrorFactory';
import type { EventSchema, WebhookConfig } from '../persistence/Outbox';

export const EVENT_SCHEMAS: readonly EventSchema[] = ['EventGridSchema', 'CloudEventSchemaV1_0'];

/** Event Grid's limits for an event subscription's retry policy. */
export const MAX_DELIVERY_ATTEMPTS = 30;
export const MAX_EVENT_TTL_MINUTES = 1440;

/** Event Grid subscription names: 3 to 64 letters, digits and hyphens. */
const NAME = /^[A-Za-z0-9-]{3,64}$/;

/** What callers may give for a webhook: a URL, or an object (also as JSON text, e.g. from the command line). */
export type WebhookInput = string | (Partial<WebhookConfig> & { url: string });

/** The name a webhook given without one gets: stable for its URL, so a restart finds its pending events. */
export function defaultWebhookName(url: string): string {
  return `webhook-${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
}

const SECRET_PARAMS = /^(code|key|sig|signature|token|secret|password|access[-_]?key)$/i;

/** The URL with secret-looking query values (a function key in `code`) hidden: for logs and the admin API. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) if (SECRET_PARAMS.test(k)) u.searchParams.set(k, 'redacted');
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function intIn(o: Record<string, unknown>, field: string, min: number, max: number, fallback: number): number {
  const v = o[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw Errors.invalidField(field, `must be an integer from ${min} to ${max}`);
  }
  return v;
}

/**
 * Validates a webhook from the admin API, an option or the command line (a URL, or a JSON object as text);
 * throws a 400 naming the field. `name` (admin API path) wins over a name in the body.
 */
export function parseWebhook(input: unknown, name?: string): WebhookConfig {
  if (typeof input === 'string') {
    const text = input.trim();
    if (text.startsWith('{')) {
      try {
        input = JSON.parse(text) as unknown;
      } catch (err) {
        throw Errors.malformedJson((err as Error).message);
      }
    } else input = { url: text };
  }
  if (!isObject(input)) throw Errors.badRequest('A webhook must be a URL or a JSON object with a "url".');
  const o = input;
  const url = o['url'];
  if (typeof url !== 'string' || url === '') throw Errors.missingField('url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw Errors.invalidField('url', 'must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw Errors.invalidField('url', 'must be an absolute http or https URL');
  }
  const given = name ?? o['name'];
  if (given !== undefined && (typeof given !== 'string' || !NAME.test(given))) {
    throw Errors.invalidField('name', 'must be 3 to 64 letters, digits or hyphens');
  }
  const schema = o['schema'] ?? 'EventGridSchema';
  if (typeof schema !== 'string' || !(EVENT_SCHEMAS as readonly string[]).includes(schema)) {
    throw Errors.invalidField('schema', `must be one of ${EVENT_SCHEMAS.join(', ')}`);
  }
  const chaos = o['chaos'] ?? 0;
  if (typeof chaos !== 'number' || !(chaos >= 0 && chaos <= 1)) {
    throw Errors.invalidField(
      'chaos',
      'must be a number from 0 to 1 (the share of events delivered twice and out of order)',
    );
  }
  return {
    name: (given as string | undefined) ?? defaultWebhookName(url),
    url,
    schema: schema as EventSchema,
    chaos,
    maxDeliveryAttempts: intIn(o, 'maxDeliveryAttempts', 1, MAX_DELIVERY_ATTEMPTS, MAX_DELIVERY_ATTEMPTS),
    eventTimeToLiveInMinutes: intIn(o, 'eventTimeToLiveInMinutes', 1, MAX_EVENT_TTL_MINUTES, MAX_EVENT_TTL_MINUTES),
  };
}
