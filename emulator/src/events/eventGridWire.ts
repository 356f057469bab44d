import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../persistence/Outbox';
import type { EmulatorEvent } from './EmulatorEvent';
import { ATTEMPT_TIMEOUT_MS } from './retryPolicy';
import { sendRequest, type Answer, type OutgoingRequest } from './httpRequest';

/**
 * What goes over the wire to a webhook, as Event Grid sends it:
 * - EventGridSchema: a JSON array of one event, `content-type: application/json; charset=utf-8`;
 * - CloudEventSchemaV1_0: one CloudEvent (structured mode), `content-type: application/cloudevents+json; charset=utf-8`;
 * both with the `aeg-*` headers (`aeg-delivery-count` is the number of earlier attempts).
 */
export function deliveryRequest(
  config: WebhookConfig,
  event: EmulatorEvent,
  deliveryCount: number,
): Pick<OutgoingRequest, 'method' | 'headers' | 'body'> {
  const headers: Record<string, string> = {
    'aeg-event-type': 'Notification',
    'aeg-subscription-name': config.name.toUpperCase(),
    'aeg-delivery-count': String(deliveryCount),
    'aeg-data-version': event.dataVersion,
    'aeg-metadata-version': event.metadataVersion,
  };
  if (config.schema === 'CloudEventSchemaV1_0') {
    headers['content-type'] = 'application/cloudevents+json; charset=utf-8';
    return { method: 'POST', headers, body: JSON.stringify(toCloudEvent(event)) };
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  return { method: 'POST', headers, body: JSON.stringify([event]) };
}

/** The CloudEvents 1.0 form of an Event Grid event: `source` is the topic, `type` the event type. */
export function toCloudEvent(event: EmulatorEvent): Record<string, unknown> {
  return {
    id: event.id,
    source: event.topic,
    specversion: '1.0',
    type: event.eventType,
    subject: event.subject,
    time: event.eventTime,
    data: event.data,
  };
}

export const VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';
/** The origin Event Grid names in the CloudEvents abuse-protection request. */
export const REQUEST_ORIGIN = 'eventgrid.azure.net';

export type HandshakeResult = { ok: true } | { ok: false; transient: boolean; reason: string };

/**
 * Proves the endpoint wants these events before anything is delivered to it:
 * - EventGridSchema: a `Microsoft.EventGrid.SubscriptionValidationEvent` with `aeg-event-type: SubscriptionValidation`;
 *   the answer must be 200 with `{"validationResponse": <the validationCode>}` (202 does not count);
 * - CloudEvents 1.0 (HTTP webhook abuse protection): `OPTIONS` with `WebHook-Request-Origin`; the answer must be a 2xx
 *   with `WebHook-Allowed-Origin` naming that origin or `*`.
 * No answer, a 5xx or a 429 is transient (worth trying again); any other answer is a refusal.
 * Manual validation (`validationUrl`) is not offered: the code must come back in the answer.
 */
export async function handshake(
  config: WebhookConfig,
  topic: string,
  signal: AbortSignal,
  ca?: string | Buffer,
): Promise<HandshakeResult> {
  const url = new URL(config.url);
  const common = { timeoutMs: ATTEMPT_TIMEOUT_MS, signal, ...(ca ? { ca } : {}) };
  if (config.schema === 'CloudEventSchemaV1_0') {
    const answer = await sendRequest(url, {
      ...common,
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': REQUEST_ORIGIN },
    });
    const failed = unanswered(answer);
    if (failed) return failed;
    if (answer.status === undefined) return { ok: false, transient: true, reason: 'no answer' };
    if (answer.status < 200 || answer.status > 299) return refused(`answered ${answer.status} to OPTIONS`);
    const allowed = String(answer.headers['webhook-allowed-origin'] ?? '')
      .split(',')
      .map((s) => s.trim());
    if (!allowed.includes(REQUEST_ORIGIN) && !allowed.includes('*')) {
      return refused(`answered OPTIONS without WebHook-Allowed-Origin: ${REQUEST_ORIGIN} (or *)`);
    }
    return { ok: true };
  }
  const code = randomUUID();
  const validation = {
    id: randomUUID(),
    topic,
    subject: '',
    data: { validationCode: code },
    eventType: VALIDATION_EVENT_TYPE,
    eventTime: new Date().toISOString(),
    metadataVersion: '1',
    dataVersion: '2',
  };
  const answer = await sendRequest(url, {
    ...common,
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'aeg-event-type': 'SubscriptionValidation',
      'aeg-subscription-name': config.name.toUpperCase(),
      'aeg-delivery-count': '0',
      'aeg-data-version': validation.dataVersion,
      'aeg-metadata-version': validation.metadataVersion,
    },
    body: JSON.stringify([validation]),
  });
  const failed = unanswered(answer);
  if (failed) return failed;
  if (answer.status !== 200) return refused(`answered ${answer.status ?? '?'} to the SubscriptionValidation event`);
  let response: unknown;
  try {
    const body = JSON.parse(answer.body) as unknown;
    if (body !== null && typeof body === 'object') {
      // Event Grid reads the property case-insensitively.
      const entry = Object.entries(body).find(([k]) => k.toLowerCase() === 'validationresponse');
      response = entry?.[1];
    }
  } catch {
    // not JSON: refused below
  }
  if (response !== code) return refused('answered 200 without {"validationResponse": <validationCode>}');
  return { ok: true };
}

function unanswered(answer: Answer): HandshakeResult | undefined {
  if (answer.status === undefined) return { ok: false, transient: true, reason: `no answer (${answer.error})` };
  if (answer.status >= 500 || answer.status === 429) {
    return { ok: false, transient: true, reason: `answered ${answer.status}` };
  }
  return undefined;
}

function refused(reason: string): HandshakeResult {
  return { ok: false, transient: false, reason };
}
