/**
 * Adds participants to a thread in calls of at most 200, classifying every failure:
 * - the service's per-participant `invalidParticipants`, a 400 for a single id, a gone thread (404) or a service
 *   user that is no longer a member (403) fail those participants for good, with the service's reason;
 * - a 400 for a chunk is split in halves until the ids it refuses are isolated, so only those fail;
 * - 429, 5xx, timeouts and resets are retried with full-jitter backoff (Retry-After honoured) within the budget;
 *   what still fails then is `retrying`, for the caller to park and re-drive later;
 * - a 401 (ACS refused the app's own credentials) fails them for good with an error saying so: no retry fixes it,
 *   an operator does, and the caller adds them again then;
 * - anything that is not an ACS failure (a bug) is thrown as it is, once every chunk in flight has ended.
 * Members already in the thread are `added` without a call: adding is idempotent in ACS, so re-driving a chunk
 * after a crash never adds anyone twice.
 */
import { mapLimit } from '../concurrency';
import { AcsFailure } from '../acs/acsErrors';
import { ACS_LIMITS, type ChatPort, type ParticipantSpec } from '../acs/chatPort';
import { backoffDelay, sleep } from '../acs/retry';

export type OutcomeStatus = 'added' | 'retrying' | 'failed';

export interface AddOutcome {
  id: string;
  status: OutcomeStatus;
  /** Add calls that included this participant, across every round. */
  attempts: number;
  /** For `retrying`: the earliest time the next round should try. */
  retryAfterMs?: number;
  error?: { code: string; message: string };
}

export interface AddOptions {
  /** Time allowed for in-call retries, from the first call. */
  budgetMs: number;
  /** Chunks in flight at once (ACS allows 10 add calls per thread per 10 s). */
  concurrency?: number;
  chunkSize?: number;
  /** Attempts already made per participant in earlier rounds. */
  priorAttempts?: ReadonlyMap<string, number>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called once per ACS add call made (for the bench's call count). */
  onCall?: (size: number) => void;
}

export async function addInChunks(
  chat: ChatPort,
  threadId: string,
  participants: readonly ParticipantSpec[],
  options: AddOptions,
): Promise<AddOutcome[]> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const started = now();
  const size = Math.min(options.chunkSize ?? ACS_LIMITS.participantsPerCall, ACS_LIMITS.participantsPerCall);
  const outcomes = new Map<string, AddOutcome>();
  const attempts = new Map<string, number>(options.priorAttempts ?? []);
  const record = (p: ParticipantSpec, outcome: Omit<AddOutcome, 'id' | 'attempts'>): void => {
    outcomes.set(p.id, { id: p.id, attempts: attempts.get(p.id) ?? 0, ...outcome });
  };

  const addChunk = async (chunk: ParticipantSpec[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      for (const p of chunk) attempts.set(p.id, (attempts.get(p.id) ?? 0) + 1);
      options.onCall?.(chunk.length);
      let failure: AcsFailure;
      try {
        const { rejected } = await chat.addParticipants(threadId, chunk);
        const refused = new Map(rejected.map((r) => [r.id, r]));
        for (const p of chunk) {
          const r = refused.get(p.id);
          record(p, r ? { status: 'failed', error: { code: r.code, message: r.message } } : { status: 'added' });
        }
        return;
      } catch (error) {
        if (!(error instanceof AcsFailure)) throw error;
        failure = error;
      }
      if (failure.kind === 'invalid' && chunk.length > 1) {
        // One malformed or refused id fails the whole call: split to find it, keep the rest.
        const half = Math.ceil(chunk.length / 2);
        await addChunk(chunk.slice(0, half));
        await addChunk(chunk.slice(half));
        return;
      }
      if (!failure.retriable) {
        for (const p of chunk) record(p, { status: 'failed', error: errorOf(failure) });
        return;
      }
      const delay = backoffDelay(attempt, failure, options);
      if (now() - started + delay > options.budgetMs) {
        for (const p of chunk) record(p, { status: 'retrying', retryAfterMs: delay, error: errorOf(failure) });
        return;
      }
      await wait(delay);
    }
  };

  const chunks: ParticipantSpec[][] = [];
  for (let i = 0; i < participants.length; i += size) chunks.push(participants.slice(i, i + size));
  await mapLimit(chunks, options.concurrency ?? 2, addChunk);
  return participants.map((p) => outcomes.get(p.id) as AddOutcome);
}

function errorOf(failure: AcsFailure): { code: string; message: string } {
  const code: Record<AcsFailure['kind'], string> = {
    notFound: 'ThreadNotFound',
    forbidden: 'Forbidden',
    invalid: 'Invalid',
    unauthorized: 'Unauthorized',
    throttled: 'Throttled',
    transient: 'Unavailable',
  };
  const message =
    failure.kind === 'unauthorized'
      ? `${failure.message}; not retried: fix ACS_CONNECTION_STRING or the managed identity's role, then add them again`
      : failure.message;
  return { code: code[failure.kind], message };
}
