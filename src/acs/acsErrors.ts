/**
 * ACS failures, classified by what the caller should do about them.
 *
 * The real chat service's error bodies (`{"CommunicationError":{"Code":…}}`) do not fill `RestError.code`, so the
 * classification goes by HTTP status and network error code, never by the SDK's `code` property.
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
  response?: { headers?: { get(name: string): string | undefined } };
}

/** Maps anything an ACS SDK call threw to an AcsFailure; leaves AcsFailures as they are. */
export function toAcsFailure(error: unknown): AcsFailure {
  if (error instanceof AcsFailure) return error;
  const e = (error ?? {}) as RestErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const reason = serviceMessage(e);
  if (status === undefined) {
    if (e.name === 'AbortError' || (e.code && TRANSIENT_NETWORK_CODES.has(e.code)) || e.name === 'RestError') {
      return new AcsFailure('transient', `ACS could not be reached (${e.code ?? e.name ?? 'network error'})`);
    }
    return new AcsFailure('transient', `ACS call failed: ${reason}`);
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
