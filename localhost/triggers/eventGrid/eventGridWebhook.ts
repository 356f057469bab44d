import type { IncomingMessage, ServerResponse } from 'http';
import { invoke } from '../../worker/invoke';
import { triggerTypeOf, type LoadedApp } from '../../worker/loadApp';
import type { LogSink } from '../../worker/log';
import type { HostEndpoint } from '../http/hostEndpoint';
import { readBody } from '../http/requestBody';
import { sendEmpty, sendText } from '../http/responses';

const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `POST /runtime/webhooks/eventgrid?functionName=NAME`: answers the subscription handshake with the
 * validation code, otherwise runs the function once per event (Event Grid or CloudEvents schema).
 */
export function eventGridWebhook(app: LoadedApp, sink: LogSink): HostEndpoint {
  return {
    path: ['runtime', 'webhooks', 'eventgrid'],
    requiresKey: true,
    handle: (req, res, url) => handleEventGrid(app, sink, req, res, url),
  };
}

async function handleEventGrid(
  app: LoadedApp,
  sink: LogSink,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  // CloudEvents abuse-protection handshake.
  if (req.method === 'OPTIONS') {
    const origin = req.headers['webhook-request-origin'];
    sendEmpty(res, 200, typeof origin === 'string' ? { 'webhook-allowed-origin': origin } : {});
    return;
  }
  // Answers as the Event Grid extension does: bare 400s for a wrong method, a body that is not JSON, or a delivery
  // without `aeg-event-type`; 404 with a text naming the function it cannot find.
  if (req.method !== 'POST') {
    sendEmpty(res, 400);
    return;
  }
  const name = url.searchParams.get('functionName') ?? '';
  const fn = app.registry.functions.get(name);
  if (!fn || triggerTypeOf(fn) !== 'eventgridtrigger') {
    sendText(res, 404, `cannot find function: '${name}'`);
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)).toString('utf8'));
  } catch {
    sendEmpty(res, 400);
    return;
  }
  const events = Array.isArray(body) ? body : [body];
  const kind = String(req.headers['aeg-event-type'] ?? '').toLowerCase();
  if (kind === 'subscriptionvalidation') {
    const validation = events.find((e) => isRecord(e) && e.eventType === VALIDATION_EVENT);
    const data = isRecord(validation) ? validation.data : undefined;
    const code = isRecord(data) ? data.validationCode : undefined;
    if (typeof code !== 'string') {
      sendEmpty(res, 500);
      return;
    }
    // The extension writes the JSON answer as text/plain.
    sendText(res, 200, JSON.stringify({ validationResponse: code }));
    return;
  }
  if (kind === 'unsubscribe') {
    sendEmpty(res, 202);
    return;
  }
  if (kind !== 'notification' || !events.every(isRecord)) {
    sendEmpty(res, 400);
    return;
  }
  let failed = 0;
  for (const event of events) {
    const result = await invoke(app, fn, { data: { json: JSON.stringify(event) } }, sink);
    if (!result.ok) failed++;
  }
  // A failure makes Event Grid retry the delivery; the extension's answer names only the function.
  if (failed > 0) sendText(res, 500, `Exception while executing function: Functions.${name}`);
  else sendEmpty(res, 202);
}
