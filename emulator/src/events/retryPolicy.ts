/**
 * Event Grid's documented delivery retry rules ("Event Grid message delivery and retry"): after a failed attempt
 * the next one comes 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h later, then every 12 h, each with a
 * small randomization, until `maxDeliveryAttempts` or the event's time to live (24 h by default) runs out. A webhook
 * that answers 400, 401, 403 or 413 is not retried: the event is dead-lettered at once.
 *
 * Every delay and the time to live are multiplied by the emulator's time scale, so a test can run the real schedule
 * in milliseconds (scale 0.001: 10 ms, 30 ms, 60 ms, ...).
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const RETRY_SCHEDULE_MS: readonly number[] = [
  10 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
];

/** Webhook answers that are never retried. */
export const NON_RETRIABLE_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 413]);

/** Event Grid waits this long for an answer (not scaled: it is about the endpoint, not the schedule). */
export const ATTEMPT_TIMEOUT_MS = 30_000;

/** The wait after the `failedAttempts`-th failure (1-based), randomized by ±10 %, scaled. */
export function retryDelayMs(failedAttempts: number, timeScale: number, random = Math.random): number {
  const step = RETRY_SCHEDULE_MS[Math.min(failedAttempts, RETRY_SCHEDULE_MS.length) - 1] ?? 12 * HOUR;
  return Math.round(step * (0.9 + 0.2 * random()) * timeScale);
}

const REASON_PHRASES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  408: 'RequestTimeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  501: 'NotImplemented',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/**
 * A dead letter's `lastDeliveryOutcome`: the status as a reason phrase (`BadRequest`, as Event Grid writes it),
 * `TimedOut` when no answer came in time, otherwise the connection error (`ECONNREFUSED`).
 */
export function outcomeName(status: number | undefined, error: string | undefined): string {
  if (status !== undefined) return REASON_PHRASES[status] ?? `Http${status}`;
  if (error === 'timeout') return 'TimedOut';
  return error ?? 'Unknown';
}

/** `deadLetterReason` for a status that is not retried (Event Grid writes `UndeliverableDueToHttpBadRequest`). */
export function undeliverableReason(status: number): string {
  return `UndeliverableDueToHttp${outcomeName(status, undefined)}`;
}
