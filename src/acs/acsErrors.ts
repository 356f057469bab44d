/**
 * ACS failures, classified first by where an error came from, then by what the caller should do about it.
 *
 * Only what an ACS SDK call threw becomes an AcsFailure, at the boundary (the ChatPort, the identity calls): a bug
 * in our code (a TypeError) or a storage error raised inside the call stays what it is, so it is neither retried as
 * a transient ACS failure nor reported in ACS's words. The real chat service's error bodies
 * (`{"CommunicationError":{"Code":…}}`) do not fill `RestError.code`, so ACS errors are classified by HTTP status
 * and network error code, never by the SDK's `code` property.
 */

export type AcsFailureKind =
  /** Thread, message or user unknown (404). */
  | 'notFound'
  /** The service user may not do this: not a member, not the sender (403). */
  | 'forbidden'
  /** The request itself was refused (400, 409, 413…): retrying it unchanged fails again. */
  | 'invalid'
  /** The app's own ACS credentials were refused (401): a configuration problem, not the caller's. */
  | 'unauthorized'
  /** 429: retry after `retryAfterMs` when the service gave one, else back off. */
  | 'throttled'
  /** 5xx, 408, timeouts, resets: retry with backoff. */
  | 'transient';

export class AcsFailure extends Error {
  constructor(
    readonly kind: AcsFailureKind,
    message: string,
    readonly status?: number,
    /** The service's `Retry-After` (or `retry-after-ms`), when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AcsFailure';
  }

  get retriable(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient';
  }
}

/** One participant the service refused in an otherwise accepted create or add call. */
export interface ParticipantRejection {
  id: string;
  code: string;
  message: string;
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
]);

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  name?: string;
  message?: string;
  /** The request a RestError is about (core-rest-pipeline keeps it, not enumerable). */
  request?: { url?: string };
  response?: { headers?: { get(name: string): string | undefined } };
}

/**
 * The AcsFailure for what an ACS SDK call threw; AcsFailures as they are; undefined for anything that did not come
 * from ACS (a bug, a storage error), which the caller rethrows unchanged. `acsEndpoint`, when given, is the ACS
 * resource the call went to: a RestError about a request to another host (the chat SDK's token refresher reads the
 * service user's id from a table) is not ACS's.
 */
export function acsFailureOf(error: unknown, acsEndpoint?: string): AcsFailure | undefined {
  if (error instanceof AcsFailure) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as RestErrorLike;
  const networkError = typeof e.code === 'string' && TRANSIENT_NETWORK_CODES.has(e.code);
  if (e.name === 'AbortError') return new AcsFailure('transient', 'The ACS call was abandoned (timeout)');
  if (e.name !== 'RestError' && !networkError) return undefined;
  if (acsEndpoint && e.request?.url && originOf(e.request.url) !== originOf(acsEndpoint)) return undefined;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const reason = serviceMessage(e);
  if (status === undefined) {
    return new AcsFailure('transient', `ACS could not be reached (${e.code ?? 'network error'})`);
  }
  const retryAfterMs = retryAfterOf(e);
  if (status === 429) return new AcsFailure('throttled', `ACS throttled the call${hint(reason)}`, status, retryAfterMs);
  if (status === 408 || (status >= 500 && status !== 501 && status !== 505)) {
    return new AcsFailure('transient', `ACS answered ${status}${hint(reason)}`, status, retryAfterMs);
  }
  if (status === 404) return new AcsFailure('notFound', `ACS answered 404${hint(reason)}`, status);
  if (status === 403) return new AcsFailure('forbidden', `ACS answered 403${hint(reason)}`, status);
  if (status === 401) return new AcsFailure('unauthorized', 'ACS refused the app’s credentials (401)', status);
  return new AcsFailure('invalid', `ACS answered ${status}${hint(reason)}`, status);
}

/** What an ACS SDK call threw, as the caller should see it: an AcsFailure when it came from ACS, else unchanged. */
export function asAcsError(error: unknown, acsEndpoint?: string): unknown {
  return acsFailureOf(error, acsEndpoint) ?? error;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function hint(reason: string): string {
  return reason ? `: ${reason}` : '';
}

/** The service's own message, from either the documented or the real PascalCase error body. */
function serviceMessage(e: RestErrorLike): string {
  const raw = e.message ?? '';
  try {
    const body = JSON.parse(raw) as {
      CommunicationError?: { Message?: string; Code?: string };
      error?: { message?: string; code?: string };
    };
    const message =
      body.CommunicationError?.Message ?? body.CommunicationError?.Code ?? body.error?.message ?? body.error?.code;
    if (message) return truncate(message);
  } catch {
    // not JSON: the SDK's own text
  }
  return truncate(raw);
}

function truncate(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function retryAfterOf(e: RestErrorLike): number | undefined {
  const headers = e.response?.headers;
  if (!headers) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = headers.get('retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
