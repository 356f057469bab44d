import { mapLimit, Slots } from '../../src/concurrency';

describe('mapLimit', () => {
  it('keeps at most `limit` in flight and returns results in item order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit([30, 10, 20, 5, 15], 2, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight--;
      return `${i}:${ms}`;
    });
    expect(most).toBe(2);
    expect(results).toEqual(['0:30', '1:10', '2:20', '3:5', '4:15']);
  });

  it('after a failure starts nothing new, and throws the first error once the items in flight have ended', async () => {
    const started: number[] = [];
    let ended = 0;
    const run = mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('first');
      await new Promise((resolve) => setTimeout(resolve, 20));
      ended++;
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([1, 2]);
    expect(ended).toBe(1); // the item in flight ended before the error was thrown
  });

  it('handles no items', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe('Slots', () => {
  it('hands out at most `size` slots; a waiter gets the next released one, in order', async () => {
    const slots = new Slots(1);
    const first = await slots.acquire(0);
    expect(first).toBeDefined();
    const order: string[] = [];
    const a = slots.acquire(1_000).then((release) => (order.push('a'), release));
    const b = slots.acquire(1_000).then((release) => (order.push('b'), release));
    first?.();
    first?.(); // a second call releases nothing more
    (await a)?.();
    (await b)?.();
    expect(order).toEqual(['a', 'b']);
    expect(await slots.acquire(0)).toBeDefined();
  });

  it('gives up after waitMs when no slot comes free', async () => {
    const slots = new Slots(1);
    const held = await slots.acquire(0);
    expect(await slots.acquire(20)).toBeUndefined();
    held?.();
    expect(await slots.acquire(0)).toBeDefined(); // the timed-out waiter did not take the slot
  });
});
