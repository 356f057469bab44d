import type { IncomingMessage, ServerResponse } from 'http';
import { invoke } from '../../worker/invoke';
import { triggerTypeOf, type LoadedApp } from '../../worker/loadApp';
import type { LogSink } from '../../worker/log';
import type { HostEndpoint } from '../http/hostEndpoint';
import { readBody } from '../http/requestBody';
import { sendEmpty, sendJson } from '../http/responses';

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
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'Method Not Allowed' }, { allow: 'POST, OPTIONS' });
    return;
  }
  const name = url.searchParams.get('functionName');
  if (!name) {
    sendJson(res, 400, { error: 'Bad Request', message: 'query parameter "functionName" is required' });
    return;
  }
  const fn = app.registry.functions.get(name);
  if (!fn || triggerTypeOf(fn) !== 'eventgridtrigger') {
    sendJson(res, 404, { error: 'Not Found', message: `no Event Grid function named "${name}"` });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)).toString('utf8'));
  } catch {
    sendJson(res, 400, { error: 'Bad Request', message: 'body must be a JSON array of events' });
    return;
  }
  const events = Array.isArray(body) ? body : [body];
  if (!events.every(isRecord)) {
    sendJson(res, 400, { error: 'Bad Request', message: 'every event must be a JSON object' });
    return;
  }
  const kind = String(req.headers['aeg-event-type'] ?? 'Notification');
  const validation = events.find((e) => e.eventType === VALIDATION_EVENT);
  if (kind.toLowerCase() === 'subscriptionvalidation' || validation) {
    const data = validation?.data;
    const code = isRecord(data) ? data.validationCode : undefined;
    if (typeof code !== 'string') {
      sendJson(res, 400, { error: 'Bad Request', message: 'SubscriptionValidation event needs data.validationCode' });
      return;
    }
    sendJson(res, 200, { validationResponse: code });
    return;
  }
  let failed = 0;
  for (const event of events) {
    const result = await invoke(app, fn, { data: { json: JSON.stringify(event) } }, sink);
    if (!result.ok) failed++;
  }
  // A failure makes Event Grid retry the delivery, as with the real extension.
  if (failed > 0) sendJson(res, 500, { error: 'Internal Server Error', failed });
  else sendEmpty(res, 202);
}
