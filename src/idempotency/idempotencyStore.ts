/**
 * Idempotency keys, as the IETF `Idempotency-Key` draft describes them: the first request with a key is carried
 * out and its answer stored; a repeat with the same body gets the stored answer, a repeat with another body is
 * refused (422), and a repeat while the first is still running is refused (409). A request whose process died
 * holds the key only until its lease runs out, then a repeat takes it over.
 */
import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { DomainError } from '../domainErrors';
import { getEntityOrUndefined, statusOf, tableOnFirstUse } from '../storage/tables';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type Claim =
  /** Go ahead. `takenOver` says an earlier attempt with this key may have done part of the work. */
  | { kind: 'claimed'; takenOver: boolean; complete(answer: StoredAnswer): Promise<void>; release(): Promise<void> }
  | { kind: 'replay'; answer: StoredAnswer };

export interface IdempotencyStore {
  /** Claims `key` in `scope` for a request whose body hashes to `fingerprint`; throws 409/422 DomainErrors. */
  claim(scope: string, key: string, fingerprint: string): Promise<Claim>;
}

interface KeyEntity {
  partitionKey: string;
  rowKey: string;
  fingerprint: string;
  state: 'inflight' | 'done';
  leaseUntil: string;
  answer?: string;
}

export function tableIdempotencyStore(
  client: TableClient,
  options: { leaseMs?: number; now?: () => number } = {},
): IdempotencyStore {
  const table = tableOnFirstUse(client);
  const leaseMs = options.leaseMs ?? 120_000;
  const now = options.now ?? Date.now;

  return {
    async claim(scope, key, fingerprint) {
      const t = await table();
      const partitionKey = scope;
      const rowKey = sha256(key);
      const fresh: KeyEntity = {
        partitionKey,
        rowKey,
        fingerprint,
        state: 'inflight',
        leaseUntil: new Date(now() + leaseMs).toISOString(),
      };
      const claimed = (takenOver: boolean): Claim => ({
        kind: 'claimed',
        takenOver,
        async complete(answer) {
          await t.upsertEntity<KeyEntity>({ ...fresh, state: 'done', answer: JSON.stringify(answer) }, 'Replace');
        },
        async release() {
          await t.deleteEntity(partitionKey, rowKey).catch(() => undefined);
        },
      });
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await t.createEntity<KeyEntity>(fresh);
          return claimed(false);
        } catch (error) {
          if (statusOf(error) !== 409) throw error;
        }
        const existing = await getEntityOrUndefined<KeyEntity>(t, partitionKey, rowKey);
        if (!existing) continue; // released meanwhile: try to create again
        if (existing.fingerprint !== fingerprint) {
          throw new DomainError(
            'keyReused',
            'Idempotency-Key: this key was already used with a different request body; use a new key for a new request.',
            { field: 'Idempotency-Key', rule: 'sameBody' },
          );
        }
        if (existing.state === 'done' && existing.answer) {
          return { kind: 'replay', answer: JSON.parse(existing.answer) as StoredAnswer };
        }
        if (Date.parse(existing.leaseUntil) > now()) {
          throw new DomainError(
            'conflict',
            'Idempotency-Key: a request with this key is still being processed; retry after it finishes.',
            { field: 'Idempotency-Key', rule: 'inFlight' },
          );
        }
        try {
          // The earlier request's process died: take the key over, unless another request just did.
          await t.updateEntity<KeyEntity>(fresh, 'Replace', { etag: existing.etag });
          return claimed(true);
        } catch (error) {
          if (statusOf(error) !== 412) throw error;
        }
      }
      throw new DomainError('conflict', 'Idempotency-Key: this key is contended; retry.', {
        field: 'Idempotency-Key',
        rule: 'inFlight',
      });
    },
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A stable hash of a JSON value: object keys sorted, so the same body in another key order matches. */
export function fingerprintOf(value: unknown): string {
  return sha256(JSON.stringify(sortKeys(value)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** A UUID derived from `text` (name-based, SHA-256): the same key always gives the same repeatability id. */
export function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
