import { mapLimit } from '../../src/concurrency';

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
