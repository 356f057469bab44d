/**
 * Idempotency keys, as the IETF `Idempotency-Key` draft describes them: the first request with a key is carried
 * out and its answer stored; a repeat with the same body gets the stored answer, a repeat with another body is
 * refused (422), and a repeat while the first is still running is refused (409). A request whose process died
 * holds the key only until its lease runs out, then a repeat takes it over; if the first then finishes after all,
 * its complete() is refused (409) by the claim's ETag, so the one stored answer stays the new holder's.
 * An answer longer than one string property (32K characters) is split over `answer`, `answer1`, … in the same
 * entity, so it is written in one atomic operation. Every row has `expiresAt` for the retention sweep.
 */
import { createHash } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { DomainError } from '../domainErrors';
import { deleteListed, getEntityOrUndefined, listKeys, statusOf, tableOnFirstUse } from '../storage/tables';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type Claim =
  /**
   * Go ahead. `takenOver` says an earlier attempt with this key may have done part of the work.
   * complete() throws a 409 DomainError when the lease was lost to another request meanwhile (its answer is kept);
   * release() then leaves that request's claim alone.
   */
  | {
      kind: 'claimed';
      takenOver: boolean;
      /** When the first attempt with this key claimed it (epoch ms): the earliest its work could have begun. */
      firstClaimedAt: number;
      complete(answer: StoredAnswer): Promise<void>;
      /**
       * Lets the key go after a failure. `mayHaveActed`: the failed attempt may have done the work (a send that
       * got no clear answer), so the key is kept with its lease ended and the next claim is a takeover.
       */
      release(options?: { mayHaveActed?: boolean }): Promise<void>;
    }
  | { kind: 'replay'; answer: StoredAnswer };

export interface IdempotencyStore {
  /** Claims `key` in `scope` for a request whose body hashes to `fingerprint`; throws 409/422 DomainErrors. */
  claim(scope: string, key: string, fingerprint: string): Promise<Claim>;
}

/** The table store also prunes, for the housekeeping timer. */
export interface TableIdempotencyStore extends IdempotencyStore {
  /** Deletes up to `max` keys past their `expiresAt`; returns how many. */
  pruneExpired(max: number): Promise<number>;
}

interface KeyEntity {
  partitionKey: string;
  rowKey: string;
  fingerprint: string;
  state: 'inflight' | 'done';
  leaseUntil: string;
  /** When the first attempt claimed the key (epoch ms). */
  firstClaimedAt?: number;
  /** When a retention sweep may delete the row. */
  expiresAt: Date;
  /** Number of answer parts: `answer`, `answer1`, … */
  answerParts?: number;
  [part: `answer${string}`]: string | number | undefined;
}

/** Characters per answer part: a string property holds at most 32K UTF-16 characters. */
const PART_CHARS = 30_000;
/** An entity is at most 1 MB (UTF-16: 2 bytes a character); leave room for the other properties. */
const MAX_PARTS = 15;

function answerParts(answer: StoredAnswer): Record<string, string | number> {
  const json = JSON.stringify(answer);
  const count = Math.max(1, Math.ceil(json.length / PART_CHARS));
  if (count > MAX_PARTS) throw new Error(`idempotency: answer of ${json.length} characters is too large to store`);
  const parts: Record<string, string | number> = { answerParts: count };
  for (let i = 0; i < count; i++)
    parts[i === 0 ? 'answer' : `answer${i}`] = json.slice(i * PART_CHARS, (i + 1) * PART_CHARS);
  return parts;
}

function storedAnswer(entity: KeyEntity): StoredAnswer | undefined {
  if (typeof entity.answer !== 'string') return undefined;
  let json = entity.answer;
  for (let i = 1; i < (entity.answerParts ?? 1); i++) json += String(entity[`answer${i}`] ?? '');
  return JSON.parse(json) as StoredAnswer;
}

const LOST_LEASE = (): DomainError =>
  new DomainError(
    'conflict',
    'Idempotency-Key: this request ran past its lease and another request with the key took over; retry to get its answer.',
    { field: 'Idempotency-Key', rule: 'inFlight' },
  );

export function tableIdempotencyStore(
  client: TableClient,
  options: { leaseMs?: number; retentionMs?: number; now?: () => number } = {},
): TableIdempotencyStore {
  const table = tableOnFirstUse(client);
  const leaseMs = options.leaseMs ?? 120_000;
  const retentionMs = options.retentionMs ?? 24 * 60 * 60_000;
  const now = options.now ?? Date.now;

  return {
    async pruneExpired(max) {
      const t = await table();
      return deleteListed(t, await listKeys(t, odata`expiresAt lt ${new Date(now())}`, max));
    },
    async claim(scope, key, fingerprint) {
      const t = await table();
      const partitionKey = scope;
      const rowKey = sha256(key);
      const claimedAt = now();
      const fresh: KeyEntity = {
        partitionKey,
        rowKey,
        fingerprint,
        state: 'inflight',
        leaseUntil: new Date(now() + leaseMs).toISOString(),
        firstClaimedAt: claimedAt,
        expiresAt: new Date(now() + leaseMs + retentionMs),
      };
      // Both conditional on the claim's ETag: a holder whose lease was taken over must not touch the new claim.
      const claimed = (takenOver: boolean, etag: string | undefined, firstClaimedAt: number): Claim => ({
        kind: 'claimed',
        takenOver,
        firstClaimedAt,
        async complete(answer) {
          const done = {
            ...fresh,
            firstClaimedAt,
            state: 'done' as const,
            expiresAt: new Date(now() + retentionMs),
            ...answerParts(answer),
          };
          try {
            await t.updateEntity<KeyEntity>(done, 'Replace', { etag });
          } catch (error) {
            if (statusOf(error) === 412 || statusOf(error) === 404) throw LOST_LEASE();
            throw error;
          }
        },
        async release(options = {}) {
          if (options.mayHaveActed) {
            const ended = { ...fresh, firstClaimedAt, leaseUntil: new Date(now()).toISOString() };
            await t.updateEntity<KeyEntity>(ended, 'Replace', { etag }).catch(() => undefined);
          } else {
            await t.deleteEntity(partitionKey, rowKey, { etag }).catch(() => undefined);
          }
        },
      });
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const created = await t.createEntity<KeyEntity>(fresh);
          return claimed(false, created.etag, claimedAt);
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
        const answer = existing.state === 'done' ? storedAnswer(existing) : undefined;
        if (answer) return { kind: 'replay', answer };
        if (Date.parse(existing.leaseUntil) > now()) {
          throw new DomainError(
            'conflict',
            'Idempotency-Key: a request with this key is still being processed; retry after it finishes.',
            { field: 'Idempotency-Key', rule: 'inFlight' },
          );
        }
        try {
          // The earlier request's process died: take the key over, unless another request just did.
          const firstClaimedAt = existing.firstClaimedAt ?? Date.parse(existing.leaseUntil) - leaseMs;
          const taken = await t.updateEntity<KeyEntity>({ ...fresh, firstClaimedAt }, 'Replace', {
            etag: existing.etag,
          });
          return claimed(true, taken.etag, firstClaimedAt);
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
