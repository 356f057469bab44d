import { Errors } from '../errors/AcsErrorFactory';
import type { OperationName } from './operations';

type Scope = 'user' | 'thread' | 'userThread' | 'resource';

interface Limit {
  /** operations sharing one budget use the same group */
  group: string;
  scope: Scope;
  windowSec: number;
  limit: number;
}

const l = (group: string, scope: Scope, windowSec: number, limit: number): Limit => ({
  group,
  scope,
  windowSec,
  limit,
});

/** acs-rest-api.md §9 (service-limits.md). */
const LIMITS: Partial<Record<OperationName, Limit[]>> = {
  CreateChatThread: [l('createThread', 'user', 10, 10)],
  DeleteChatThread: [l('deleteThread', 'user', 10, 10)],
  UpdateChatThreadProperties: [l('updateThread', 'thread', 10, 5)],
  AddChatParticipants: [l('participants', 'thread', 10, 10), l('participants', 'thread', 60, 30)],
  RemoveChatParticipant: [l('participants', 'thread', 10, 10), l('participants', 'thread', 60, 30)],
  GetChatThreadProperties: [l('getThread', 'user', 10, 50)],
  ListChatThreads: [l('getThread', 'user', 10, 50)],
  GetChatMessage: [l('getMessage', 'userThread', 10, 50), l('getMessage', 'thread', 10, 250)],
  ListChatMessages: [
    l('listMessages', 'userThread', 10, 50),
    l('listMessages', 'userThread', 60, 200),
    l('listMessages', 'thread', 10, 250),
    l('listMessages', 'thread', 60, 400),
  ],
  ListChatReadReceipts: [l('receipts', 'userThread', 10, 5), l('receipts', 'thread', 10, 100)],
  ListChatParticipants: [l('listParticipants', 'userThread', 10, 10), l('listParticipants', 'thread', 10, 250)],
  SendChatMessage: [l('messageWrite', 'thread', 10, 10), l('messageWrite', 'thread', 60, 30)],
  UpdateChatMessage: [l('messageWrite', 'thread', 10, 10), l('messageWrite', 'thread', 60, 30)],
  DeleteChatMessage: [l('messageWrite', 'thread', 10, 10), l('messageWrite', 'thread', 60, 30)],
  SendChatReadReceipt: [l('sendReceipt', 'userThread', 10, 10), l('sendReceipt', 'userThread', 60, 30)],
  SendTypingNotification: [
    l('typing', 'userThread', 10, 5),
    l('typing', 'userThread', 60, 15),
    l('typing', 'thread', 10, 10),
    l('typing', 'thread', 60, 30),
  ],
  CreateUser: [l('createUser', 'resource', 30, 1000)],
  DeleteUser: [l('deleteUser', 'resource', 30, 500)],
  IssueAccessToken: [l('issueToken', 'resource', 30, 1000)],
  RevokeAccessTokens: [l('revoke', 'resource', 30, 500)],
  ExchangeTeamsUserAccessToken: [l('exchange', 'resource', 30, 500)],
};

interface Bucket {
  start: number;
  count: number;
}

/** Fixed-window counters for the ACS rate limits; 429 with Retry-After when a budget is used up. */
export class Throttler {
  enabled: boolean;
  private buckets = new Map<string, Bucket>();

  constructor(enabled = false) {
    this.enabled = enabled;
  }

  reset(): void {
    this.buckets.clear();
  }

  check(operation: OperationName, user: string | undefined, thread: string | undefined, now = Date.now()): void {
    if (!this.enabled) return;
    const limits = LIMITS[operation];
    if (!limits) return;
    if (this.buckets.size > 50_000) this.sweep(now);
    const hits: Bucket[] = [];
    for (const lim of limits) {
      const scopeKey =
        lim.scope === 'user'
          ? (user ?? '')
          : lim.scope === 'thread'
            ? (thread ?? '')
            : lim.scope === 'userThread'
              ? `${user ?? ''}|${thread ?? ''}`
              : '';
      const key = `${lim.group}|${lim.scope}|${lim.windowSec}|${scopeKey}`;
      const windowMs = lim.windowSec * 1000;
      let b = this.buckets.get(key);
      if (!b || now - b.start >= windowMs) {
        b = { start: now, count: 0 };
        this.buckets.set(key, b);
      }
      if (b.count >= lim.limit) {
        const retryAfter = Math.max(1, Math.ceil((b.start + windowMs - now) / 1000));
        throw Errors.throttled(retryAfter, `${lim.limit} per ${lim.windowSec} s per ${lim.scope} for ${operation}`);
      }
      hits.push(b);
    }
    for (const b of hits) b.count++;
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.start >= 60_000) this.buckets.delete(k);
  }
}
