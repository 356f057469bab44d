/**
 * Azure Storage failures (tables, queues, blobs). ACS errors become AcsFailures where ACS is called
 * (src/acs/acsErrors.ts), so a RestError that reaches the app's own code as it is came from storage: the only
 * other Azure service the app calls.
 */

export interface StorageFailure {
  /** Worth retrying later: the service was unreachable, throttled, or failed on its side (408, 429, 5xx). */
  transient: boolean;
  status?: number;
  /** The storage error code (`x-ms-error-code`) or the network error code. */
  code?: string;
}

/** The storage failure `error` is, or undefined when it is not one (an AcsFailure, a DomainError, a bug). */
export function storageFailureOf(error: unknown): StorageFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: string; statusCode?: unknown; code?: unknown };
  if (e.name !== 'RestError') return undefined;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const transient = status === undefined || status === 408 || status === 429 || status >= 500;
  return {
    transient,
    ...(status !== undefined ? { status } : {}),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
  };
}

/** A short description for logs and deferral reasons: storage's words, never ACS's. */
export function describeStorageFailure(failure: StorageFailure): string {
  const what = failure.status !== undefined ? `answered ${failure.status}` : 'could not be reached';
  return `Azure Storage ${what}${failure.code ? ` (${failure.code})` : ''}`;
}
