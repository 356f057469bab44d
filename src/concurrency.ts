/**
 * The app's one concurrency pool: runs `work` over `items` with at most `limit` in flight, results in item order.
 * After a failure no new item starts, and the first error is thrown once the items in flight have ended, so no call
 * outlives the caller's answer.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i] as T, i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  const ended = await Promise.allSettled(lanes);
  const first = ended.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
  if (first) throw first.reason;
  return results;
}

/** A fixed number of slots: work takes one, waiting its turn (first come, first served) up to a time limit. */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  /** A slot's release function, or undefined when none came free within `waitMs`. */
  async acquire(waitMs: number): Promise<(() => void) | undefined> {
    if (this.free === 0) {
      const turn = new Promise<boolean>((resolve) => {
        const take = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(take), 1);
          resolve(false);
        }, waitMs);
        this.waiting.push(take);
      });
      // A slot handed over by release() stays taken: `free` is not incremented in between.
      if (!(await turn)) return undefined;
    } else {
      this.free--;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
