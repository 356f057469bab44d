import type { RegisteredFunction } from '../../worker/coreApi';

export interface RetryPolicy {
  /** -1 retries forever (until the host stops). */
  maxRetryCount: number;
  delayMs(retry: number): number;
}

interface RpcRetryOptions {
  retryStrategy?: string;
  maxRetryCount?: number;
  delayInterval?: { seconds?: number };
  minimumInterval?: { seconds?: number };
  maximumInterval?: { seconds?: number };
}

const ms = (duration: { seconds?: number } | undefined): number => (duration?.seconds ?? 0) * 1000;

/** The function's retry policy from its metadata (`retry:` in app.timer / app.generic), if any. */
export function retryPolicyOf(fn: RegisteredFunction): RetryPolicy | undefined {
  const options = fn.metadata.retryOptions as RpcRetryOptions | undefined;
  if (!options || typeof options.maxRetryCount !== 'number') return undefined;
  const maxRetryCount = options.maxRetryCount;
  if (options.retryStrategy === 'fixedDelay') {
    const delay = ms(options.delayInterval);
    return { maxRetryCount, delayMs: () => delay };
  }
  if (options.retryStrategy === 'exponentialBackoff') {
    const min = ms(options.minimumInterval);
    const max = Math.max(min, ms(options.maximumInterval));
    return { maxRetryCount, delayMs: (retry) => Math.min(max, min * 2 ** Math.max(0, retry - 1)) };
  }
  return undefined;
}
