/**
 * Threads as the app's operators use them: created idempotently with any number of participants up to the ACS
 * limit (the service user always among them), read, deleted, and their participants added in bulk or removed.
 */
import { randomUUID } from 'node:crypto';
import { ACS_LIMITS, type ChatPort, type OutgoingMessage, type ParticipantSpec } from '../acs/chatPort';
import { withRetry, type RetryPolicy } from '../acs/retry';
import { DomainError } from '../domainErrors';
import {
  fingerprintOf,
  sha256,
  uuidFrom,
  type IdempotencyStore,
  type StoredAnswer,
} from '../idempotency/idempotencyStore';
import { sendOnce } from '../messages/sendOnce';
import type { BulkAdd, ParticipantResult } from '../participants/bulkAdd';

export interface CreateThreadInput {
  topic: string;
  participants: ParticipantSpec[];
  metadata?: Record<string, string>;
}

export interface CreateThreadAnswer {
  threadId: string;
  participants: ParticipantResult[];
  /** Ids listed more than once in the request: each was handled once. */
  duplicates?: string[];
  jobId?: string;
}

export interface ThreadServiceDeps {
  chat: ChatPort;
  bulkAdd: BulkAdd;
  idempotency: IdempotencyStore;
  /** The service user's display name in the threads it creates. */
  serviceDisplayName: string;
  /** Retry of single calls that are safe to repeat (create with its repeatability id, reads). */
  retry?: Partial<RetryPolicy>;
}

export class ThreadService {
  private readonly retry: RetryPolicy;

  constructor(private readonly deps: ThreadServiceDeps) {
    this.retry = { budgetMs: 5_000, ...deps.retry };
  }

  /**
   * Creates the thread (201), or with an idempotency key already used for the same body returns the first
   * answer again (200, or 202 when the first was 202). Status 202 when some participants are still being retried in the background.
   */
  async create(input: CreateThreadInput, idempotencyKey?: string): Promise<StoredAnswer & { replayed: boolean }> {
    const serviceUserId = await this.deps.chat.serviceUserId();
    const { unique, duplicates } = dedupe(input.participants.filter((p) => p.id !== serviceUserId));
    const limit = ACS_LIMITS.participantsPerThread - 1;
    if (unique.length > limit) {
      throw new DomainError(
        'limit',
        `participants: ${unique.length} distinct participants is over the limit of ${limit} (ACS allows ${ACS_LIMITS.participantsPerThread} members per thread, the app's service user included)`,
        { field: 'participants', rule: `maxItems:${limit}` },
      );
    }
    if (!idempotencyKey) {
      return { ...(await this.createNow(input, unique, duplicates, randomUUID())), replayed: false };
    }
    const claim = await this.deps.idempotency.claim('threads', idempotencyKey, fingerprintOf(input));
    // A replay of 202 stays 202: its participants job may still be running.
    if (claim.kind === 'replay') {
      return { ...claim.answer, status: claim.answer.status === 202 ? 202 : 200, replayed: true };
    }
    try {
      // The repeatability id is derived from the key: should an earlier attempt have reached ACS before its
      // process died, ACS answers with that thread instead of making a second one.
      const answer = await this.createNow(input, unique, duplicates, uuidFrom(`${serviceUserId}\n${idempotencyKey}`));
      await claim.complete(answer);
      return { ...answer, replayed: false };
    } catch (error) {
      await claim.release();
      throw error;
    }
  }

  private async createNow(
    input: CreateThreadInput,
    unique: ParticipantSpec[],
    duplicates: string[],
    idempotencyToken: string,
  ): Promise<StoredAnswer> {
    const serviceUserId = await this.deps.chat.serviceUserId();
    const firstCall = unique.slice(0, ACS_LIMITS.participantsPerCall - 1);
    const rest = unique.slice(firstCall.length);
    const { threadId, rejected } = await withRetry(
      () =>
        this.deps.chat.createThread({
          topic: input.topic,
          participants: [{ id: serviceUserId, displayName: this.deps.serviceDisplayName }, ...firstCall],
          ...(input.metadata ? { metadata: input.metadata } : {}),
          idempotencyToken,
        }),
      this.retry,
    );
    const refused = new Map(rejected.map((r) => [r.id, r]));
    const created: ParticipantResult[] = firstCall.map((p) => {
      const r = refused.get(p.id);
      return r
        ? { id: p.id, status: 'failed', attempts: 1, error: { code: r.code, message: r.message } }
        : { id: p.id, status: 'added', attempts: 1 };
    });
    const members = new Set([serviceUserId, ...firstCall.filter((p) => !refused.has(p.id)).map((p) => p.id)]);
    const more = rest.length > 0 ? await this.deps.bulkAdd.add(threadId, rest, members) : { participants: [] };
    const body: CreateThreadAnswer = {
      threadId,
      participants: [...created, ...more.participants],
      ...(duplicates.length > 0 ? { duplicates } : {}),
      ...(more.jobId ? { jobId: more.jobId } : {}),
    };
    return { status: more.jobId ? 202 : 201, body };
  }

  async get(threadId: string): Promise<{
    threadId: string;
    topic: string;
    createdOn: string;
    createdBy?: string;
    metadata?: Record<string, string>;
    participantCount: number;
  }> {
    const thread = await withRetry(() => this.deps.chat.getThread(threadId), this.retry);
    let participantCount = 0;
    for await (const _ of this.deps.chat.listParticipants(threadId)) participantCount++;
    return {
      threadId: thread.id,
      topic: thread.topic,
      createdOn: thread.createdOn,
      ...(thread.createdBy ? { createdBy: thread.createdBy } : {}),
      ...(thread.metadata ? { metadata: thread.metadata } : {}),
      participantCount,
    };
  }

  delete(threadId: string): Promise<void> {
    return withRetry(() => this.deps.chat.deleteThread(threadId), this.retry);
  }

  async addParticipants(
    threadId: string,
    participants: ParticipantSpec[],
  ): Promise<{
    status: number;
    body: { threadId: string; participants: ParticipantResult[]; duplicates?: string[]; jobId?: string };
  }> {
    const { unique, duplicates } = dedupe(participants);
    const result = await this.deps.bulkAdd.add(threadId, unique);
    return {
      status: result.jobId ? 202 : 201,
      body: {
        threadId,
        ...(result.jobId ? { jobId: result.jobId } : {}),
        participants: result.participants,
        ...(duplicates.length > 0 ? { duplicates } : {}),
      },
    };
  }

  async removeParticipant(threadId: string, userId: string): Promise<void> {
    if (userId === (await this.deps.chat.serviceUserId())) {
      throw new DomainError(
        'invalid',
        "userId: the app's service user cannot be removed: the app acts in the thread through it.",
        { field: 'userId', rule: 'notServiceUser' },
      );
    }
    await withRetry(() => this.deps.chat.removeParticipant(threadId, userId), this.retry);
  }

  /**
   * Sends as the service user (201). Not retried on 5xx: ACS has no repeatability id for sends, and a retry could
   * post twice. With an idempotency key the caller may retry instead: the same key and body return the first answer
   * (200), and an attempt after one that may have posted (its process died, or ACS gave no clear answer) first looks
   * for the message by the key's marker in its metadata.
   */
  async send(
    threadId: string,
    message: OutgoingMessage,
    idempotencyKey?: string,
  ): Promise<StoredAnswer & { replayed: boolean }> {
    const outgoing = { senderDisplayName: this.deps.serviceDisplayName, ...message };
    if (!idempotencyKey) {
      return { status: 201, body: await this.deps.chat.sendMessage(threadId, outgoing), replayed: false };
    }
    if (message.metadata && SEND_KEY_METADATA in message.metadata) {
      throw new DomainError(
        'invalid',
        `metadata.${SEND_KEY_METADATA}: is set by the app when an Idempotency-Key is given`,
        {
          field: `metadata.${SEND_KEY_METADATA}`,
          rule: 'reservedKey',
        },
      );
    }
    const claim = await this.deps.idempotency.claim('messages', idempotencyKey, fingerprintOf({ threadId, message }));
    if (claim.kind === 'replay') return { ...claim.answer, status: 200, replayed: true };
    try {
      const marker = { key: SEND_KEY_METADATA, value: sha256(`${threadId}\n${idempotencyKey}`).slice(0, 32) };
      const { messageId } = await sendOnce(this.deps.chat, threadId, outgoing, marker, {
        mayHaveSent: claim.takenOver,
        since: new Date(claim.firstClaimedAt - SEND_LOOKBACK_MARGIN_MS),
      });
      const answer = { status: 201, body: { messageId } };
      await claim.complete(answer);
      return { ...answer, replayed: false };
    } catch (error) {
      // ACS may have posted it without saying so: the next attempt with the key looks before sending.
      await claim.release({ mayHaveActed: true });
      throw error;
    }
  }
}

/** Metadata key of the marker a keyed send carries (a hash of the thread and the key, not the key itself). */
export const SEND_KEY_METADATA = 'idempotencyKeyHash';
/** Clock skew between the app and ACS allowed for when looking back for an earlier attempt's message. */
const SEND_LOOKBACK_MARGIN_MS = 5_000;

/** First occurrence of each id wins; the ids seen again are reported once each. */
export function dedupe(participants: readonly ParticipantSpec[]): { unique: ParticipantSpec[]; duplicates: string[] } {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const unique: ParticipantSpec[] = [];
  for (const p of participants) {
    if (seen.has(p.id)) duplicates.add(p.id);
    else {
      seen.add(p.id);
      unique.push(p);
    }
  }
  return { unique, duplicates: [...duplicates] };
}
