import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { verifyHmac } from '../auth/hmac';
import { AcsError, Errors } from '../errors/AcsErrorFactory';
import { parseFaultSpec } from '../faults/FaultManager';
import { parseJsonObject } from '../http/json';
import { param, type HandlerResult, type RequestContext, type Services } from '../handlers/context';

/** Admin calls carry `x-emulator-key: <access key>` or an HMAC signature made like identity requests. */
export function authenticateAdmin(
  services: Services,
  method: string,
  pathAndQuery: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): void {
  const given = headers['x-emulator-key'];
  if (typeof given === 'string') {
    const a = Buffer.from(given);
    const b = Buffer.from(services.accessKey);
    if (a.length === b.length && timingSafeEqual(a, b)) return;
    throw Errors.adminKeyInvalid();
  }
  if (headers['authorization'] === undefined) throw Errors.adminKeyInvalid();
  try {
    verifyHmac(method, pathAndQuery, headers, body, services.key);
  } catch (err) {
    if (err instanceof AcsError) throw Errors.adminKeyInvalid();
    throw err;
  }
}

export function getState(ctx: RequestContext): HandlerResult {
  const s = ctx.services;
  return {
    status: 200,
    body: {
      ...s.store.state.counts(),
      faults: s.faults.list(),
      throttling: s.throttler.enabled,
      eventDelivery: s.delivery.getStats(),
      calls: Object.fromEntries(s.calls),
    },
  };
}

export async function reset(ctx: RequestContext): Promise<HandlerResult> {
  const s = ctx.services;
  await s.store.commit([{ t: 'reset', at: Date.now() }]);
  s.faults.clear();
  s.throttler.reset();
  s.calls.clear();
  return { status: 204 };
}

export function addFault(ctx: RequestContext): HandlerResult {
  const rule = ctx.services.faults.add(parseFaultSpec(parseJsonObject(ctx.body, false)));
  return { status: 201, body: rule };
}

export function listFaults(ctx: RequestContext): HandlerResult {
  return { status: 200, body: { value: ctx.services.faults.list() } };
}

export function deleteFault(ctx: RequestContext): HandlerResult {
  const id = param(ctx, 'id');
  if (!ctx.services.faults.remove(id)) throw Errors.notFound(`Fault rule '${id}'`);
  return { status: 204 };
}

export function deleteAllFaults(ctx: RequestContext): HandlerResult {
  ctx.services.faults.clear();
  return { status: 204 };
}

export function setThrottling(ctx: RequestContext): HandlerResult {
  const body = parseJsonObject(ctx.body, false);
  if (typeof body['enabled'] !== 'boolean') throw Errors.invalidField('enabled', 'must be true or false');
  ctx.services.throttler.enabled = body['enabled'];
  if (!body['enabled']) ctx.services.throttler.reset();
  return { status: 204 };
}
