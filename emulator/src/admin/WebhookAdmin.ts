import { Errors } from '../errors/AcsErrorFactory';
import { parseWebhook } from '../events/webhookConfig';
import { param, type HandlerResult, type RequestContext } from '../handlers/context';
import { parseJsonObject } from '../http/json';

/** `GET /admin/webhooks`: every endpoint with its validation state and delivery counters. */
export function listWebhooks(ctx: RequestContext): HandlerResult {
  return { status: 200, body: { value: ctx.services.delivery.list() } };
}

export function getWebhook(ctx: RequestContext): HandlerResult {
  const name = param(ctx, 'name');
  const status = ctx.services.delivery.get(name);
  if (!status) throw Errors.notFound(`Webhook '${name}'`);
  return { status: 200, body: status };
}

/**
 * `PUT /admin/webhooks/{name}` with `{ url, schema?, chaos?, maxDeliveryAttempts?, eventTimeToLiveInMinutes? }`:
 * validates the endpoint (handshake), then adds (201) or replaces (200) the webhook.
 */
export async function putWebhook(ctx: RequestContext): Promise<HandlerResult> {
  const config = parseWebhook(parseJsonObject(ctx.body, false), param(ctx, 'name'));
  const { created, status } = await ctx.services.delivery.put(config);
  return { status: created ? 201 : 200, body: status };
}

export async function deleteWebhook(ctx: RequestContext): Promise<HandlerResult> {
  const name = param(ctx, 'name');
  if (!(await ctx.services.delivery.remove(name))) throw Errors.notFound(`Webhook '${name}'`);
  return { status: 204 };
}

/** `GET /admin/events/deadletter[?webhook=name]`: dead-lettered events, oldest first. */
export function listDeadLetters(ctx: RequestContext): HandlerResult {
  const webhook = ctx.query.get('webhook') ?? undefined;
  return { status: 200, body: { value: ctx.services.delivery.deadLetters(webhook) } };
}

export async function clearDeadLetters(ctx: RequestContext): Promise<HandlerResult> {
  await ctx.services.delivery.clearDeadLetters();
  return { status: 204 };
}
