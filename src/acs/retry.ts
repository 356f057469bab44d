/**
 * Retrying ACS calls: exponential backoff with full jitter, the service's Retry-After honoured, all within a time
 * budget. What is still failing when the budget runs out is the caller's to park (a queue, a later tick).
 */
import { AcsFailure } from './acsErrors';

export interface RetryPolicy {
  /** Give up once the next wait would end after this much time since the first try. */
  budgetMs: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The wait before retry number `attempt` (1-based): the service's Retry-After, else full jitter. */
export function backoffDelay(
  attempt: number,
  failure: AcsFailure | undefined,
  options: { baseDelayMs?: number; maxDelayMs?: number; random?: () => number } = {},
): number {
  if (failure?.retryAfterMs !== undefined) return failure.retryAfterMs;
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 5_000;
  const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/**
 * Calls `fn` (ChatPort calls) until it succeeds, fails for good, or the budget runs out; throws the last AcsFailure
 * then. Only throttled and transient AcsFailures are retried: anything else, a bug or a storage error included, is
 * thrown at once, as it is. `attempts` counts the calls made, for callers that report it.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  onAttempt?: (attempts: number) => void,
): Promise<T> {
  const now = policy.now ?? Date.now;
  const wait = policy.sleep ?? sleep;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    onAttempt?.(attempt);
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof AcsFailure) || !error.retriable) throw error;
      const delay = backoffDelay(attempt, error, policy);
      if (now() - started + delay > policy.budgetMs) throw error;
      await wait(delay);
    }
  }
}
