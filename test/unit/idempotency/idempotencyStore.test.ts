/** The idempotency store against real Table storage (Azurite): size limits, ETags and expiry are the service's. */
import { TableClient } from '@azure/data-tables';
import { DomainError } from '../../../src/domainErrors';
import { tableIdempotencyStore, type Claim, type StoredAnswer } from '../../../src/idempotency/idempotencyStore';
import { startAzurite, type TestAzurite } from '../../support/azurite';

function claimed(claim: Claim): Extract<Claim, { kind: 'claimed' }> {
  if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
  return claim;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('tableIdempotencyStore', () => {
  let azurite: TestAzurite;
  let tableCount = 0;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  /** A store on a table of its own, with a clock the test moves. */
  function newStore(leaseMs = 1_000): {
    store: ReturnType<typeof tableIdempotencyStore>;
    client: TableClient;
    clock: { t: number };
  } {
    const client = TableClient.fromConnectionString(azurite.connectionString, `idem${++tableCount}`, {
      allowInsecureConnection: true,
    });
    const clock = { t: Date.parse('2026-12-05T10:00:00Z') };
    return { store: tableIdempotencyStore(client, { leaseMs, now: () => clock.t }), client, clock };
  }

  it('stores and replays an answer longer than one table string property (32K characters)', async () => {
    const { store } = newStore();
    const answer: StoredAnswer = {
      status: 202,
      body: {
        jobId: 'job-1',
        participants: Array.from({ length: 249 }, (_, i) => ({ id: `${'x'.repeat(220)}-${i}` })),
      },
    };
    expect(JSON.stringify(answer).length).toBeGreaterThan(32 * 1024);
    const first = claimed(await store.claim('threads', 'big', 'fp'));
    await first.complete(answer);
    const again = await store.claim('threads', 'big', 'fp');
    expect(again).toEqual({ kind: 'replay', answer });
  });

  it('keeps a taken-over claim when the slow first holder completes: the holder is told 409', async () => {
    const { store, clock } = newStore();
    const slow = claimed(await store.claim('threads', 'k', 'fp'));
    clock.t += 5_000; // the slow holder's lease has run out
    const second = claimed(await store.claim('threads', 'k', 'fp'));
    expect(second.takenOver).toBe(true);

    const error = await rejection(slow.complete({ status: 201, body: 'slow' }));
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).kind).toBe('conflict');
    // The new holder's claim is still in flight and its answer is the one kept.
    expect(((await rejection(store.claim('threads', 'k', 'fp'))) as DomainError).kind).toBe('conflict');
    await second.complete({ status: 201, body: 'second' });
    expect(await store.claim('threads', 'k', 'fp')).toEqual({
      kind: 'replay',
      answer: { status: 201, body: 'second' },
    });
  });

  it('does not delete a taken-over claim when the slow first holder releases', async () => {
    const { store, clock } = newStore();
    const slow = claimed(await store.claim('threads', 'k', 'fp'));
    clock.t += 5_000;
    claimed(await store.claim('threads', 'k', 'fp'));
    await slow.release();
    expect(((await rejection(store.claim('threads', 'k', 'fp'))) as DomainError).kind).toBe('conflict');
  });

  it('releases its own claim so that a retry may claim the key afresh', async () => {
    const { store } = newStore();
    await claimed(await store.claim('threads', 'k', 'fp')).release();
    expect(claimed(await store.claim('threads', 'k', 'fp')).takenOver).toBe(false);
  });

  it('a release after work that may have happened keeps the key: the next claim is a takeover at once', async () => {
    const { store, clock } = newStore();
    const first = claimed(await store.claim('messages', 'k', 'fp'));
    const startedAt = clock.t;
    clock.t += 200; // well inside the lease
    await first.release({ mayHaveActed: true });
    const next = claimed(await store.claim('messages', 'k', 'fp'));
    expect(next.takenOver).toBe(true);
    expect(next.firstClaimedAt).toBe(startedAt); // where a search for the first attempt's work starts
  });

  it('gives every row an expiresAt (Date) for the retention sweep', async () => {
    const { store, client, clock } = newStore();
    const start = clock.t;
    claimed(await store.claim('threads', 'inflight', 'fp'));
    await claimed(await store.claim('threads', 'done', 'fp')).complete({ status: 201, body: {} });
    const rows = [];
    for await (const row of client.listEntities<{ expiresAt?: unknown }>()) rows.push(row);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.expiresAt).toBeInstanceOf(Date);
      expect((row.expiresAt as Date).getTime()).toBeGreaterThan(start);
    }
  });
});
