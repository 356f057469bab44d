/**
 * Paces sends per thread below the ACS limits (10 per 10 s and 30 per minute for send/update/delete message, per
 * thread), so a burst due in one thread is spread out instead of failing. Sliding windows, a little longer than the
 * service's, keep every window the service may count within its limit despite network jitter. The windows are per
 * process; sends from other instances or other clients show up as 429s, which the sender also spreads.
 */
export interface SendWindow {
  limit: number;
  windowMs: number;
}

/** ACS service limits for message writes per thread, with a margin on each window. */
export const ACS_THREAD_SEND_WINDOWS: readonly SendWindow[] = [
  { limit: 10, windowMs: 10_500 },
  { limit: 30, windowMs: 61_000 },
];

const MAX_TRACKED_THREADS = 10_000;

export class ThreadSendLimiter {
  private readonly sends = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly windows: readonly SendWindow[] = ACS_THREAD_SEND_WINDOWS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a send slot in the thread now, or returns how long to wait for one (ms). */
  tryAcquire(threadId: string): { ok: true } | { ok: false; waitMs: number } {
    const wait = this.waitMs(threadId);
    if (wait > 0) return { ok: false, waitMs: wait };
    const times = this.recent(threadId);
    times.push(this.now());
    return { ok: true };
  }

  /** The service throttled the thread: no slot until it said to retry. */
  block(threadId: string, forMs: number): void {
    const now = this.now();
    if (this.blockedUntil.size > MAX_TRACKED_THREADS) {
      for (const [id, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(id);
    }
    this.blockedUntil.set(threadId, Math.max(this.blockedUntil.get(threadId) ?? 0, now + forMs));
  }

  /** How long until a send slot opens in the thread (0 = now). */
  waitMs(threadId: string): number {
    const now = this.now();
    let wait = Math.max(0, (this.blockedUntil.get(threadId) ?? 0) - now);
    const times = this.recent(threadId);
    for (const w of this.windows) {
      const inWindow = times.filter((t) => t > now - w.windowMs);
      if (inWindow.length >= w.limit) {
        // The slot opens when the oldest send that keeps the window full leaves it.
        const oldest = inWindow[inWindow.length - w.limit] ?? now;
        wait = Math.max(wait, oldest + w.windowMs - now);
      }
    }
    return wait;
  }

  private recent(threadId: string): number[] {
    const longest = Math.max(...this.windows.map((w) => w.windowMs));
    const now = this.now();
    if (this.sends.size > MAX_TRACKED_THREADS) {
      // Bounded memory over many threads: forget those with no send left in any window.
      for (const [id, times] of this.sends) if ((times[times.length - 1] ?? 0) <= now - longest) this.sends.delete(id);
    }
    const kept = (this.sends.get(threadId) ?? []).filter((t) => t > now - longest);
    this.sends.set(threadId, kept);
    return kept;
  }
}
