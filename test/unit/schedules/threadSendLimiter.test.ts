import { ThreadSendLimiter } from '../../../src/schedules/threadSendLimiter';

describe('ThreadSendLimiter: pacing below the ACS per-thread send limits', () => {
  let clock = 0;
  const limiter = () => new ThreadSendLimiter(undefined, () => clock);
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('allows 10 sends at once, then opens a slot as the oldest leaves the 10 s window', () => {
    const l = limiter();
    for (let i = 0; i < 10; i++) expect(l.tryAcquire('t').ok).toBe(true);
    const refused = l.tryAcquire('t');
    expect(refused).toEqual({ ok: false, waitMs: 10_500 });
    clock += 10_500;
    expect(l.tryAcquire('t').ok).toBe(true);
  });

  it('holds 30 per minute even when spread out', () => {
    const l = limiter();
    for (let i = 0; i < 30; i++) {
      expect(l.tryAcquire('t').ok).toBe(true);
      clock += 1_100; // 10 per 11 s: within the 10-second limit
    }
    const refused = l.tryAcquire('t');
    expect(refused.ok).toBe(false);
    // The first of the 30 leaves the minute window 61 s after it was sent.
    expect(refused.ok ? 0 : refused.waitMs).toBe(61_000 - 30 * 1_100);
  });

  it('keeps threads apart', () => {
    const l = limiter();
    for (let i = 0; i < 10; i++) l.tryAcquire('a');
    expect(l.tryAcquire('a').ok).toBe(false);
    expect(l.tryAcquire('b').ok).toBe(true);
  });

  it('after a 429, waits for the Retry-After', () => {
    const l = limiter();
    l.block('t', 4_000);
    expect(l.waitMs('t')).toBe(4_000);
    clock += 4_000;
    expect(l.tryAcquire('t').ok).toBe(true);
  });
});
