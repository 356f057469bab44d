import { MessageClock } from '../model/ids';
import type { IdempotencyEntry, Thread, UserRecord } from '../model/types';

/** The whole emulator state, in memory. Mutated only by applyChange(). */
export class State {
  resourceId = '';
  users = new Map<string, UserRecord>();
  threads = new Map<string, Thread>();
  /** threads by creation ordinal (index = ordinal) */
  threadList: Thread[] = [];
  /** user id -> ordinals of every thread the user ever joined */
  userThreads = new Map<string, Set<number>>();
  idempotency = new Map<string, IdempotencyEntry>();
  clock = new MessageClock();
  messageCount = 0;
  /** one copy of each sender id / display name: 100,000 messages from one user share two strings */
  private readonly strings = new Map<string, string>();

  intern(s: string | undefined): string | undefined {
    if (s === undefined || s.length > 256) return s;
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    if (this.strings.size < 100_000) this.strings.set(s, s);
    return s;
  }

  clear(): void {
    const resourceId = this.resourceId;
    Object.assign(this, new State());
    this.resourceId = resourceId;
  }

  /** Registers a new thread, in creation order; collections not given start empty. */
  addThread(
    init: Pick<Thread, 'id' | 'topic' | 'createdAt' | 'createdBy' | 'metadata' | 'retentionPolicy'> & Partial<Thread>,
  ): Thread {
    const thread: Thread = {
      ordinal: this.threadList.length,
      deletedAt: undefined,
      participants: new Map(),
      joined: new Map(),
      counter: 0,
      messages: [],
      messageIndex: new Map(),
      receipts: new Map(),
      former: new Map(),
      lastMessageAt: undefined,
      ...init,
    };
    this.threads.set(thread.id, thread);
    this.threadList.push(thread);
    return thread;
  }

  thread(id: string): Thread | undefined {
    const t = this.threads.get(id);
    return t && t.deletedAt === undefined ? t : undefined;
  }

  activeUser(id: string): UserRecord | undefined {
    const u = this.users.get(id);
    return u && u.deletedAt === undefined ? u : undefined;
  }

  counts(): { users: number; threads: number; messages: number; participants: number } {
    let users = 0;
    for (const u of this.users.values()) if (u.deletedAt === undefined) users++;
    let threads = 0;
    let participants = 0;
    for (const t of this.threads.values()) {
      if (t.deletedAt !== undefined) continue;
      threads++;
      participants += t.participants.size;
    }
    return { users, threads, messages: this.messageCount, participants };
  }
}
