/**
 * An in-memory ChatPort for tests of domain code: threads, members and messages in maps, with scripted failures
 * and latency. Tests that need the real service's behaviour use the real SDK against the emulator instead.
 */
import { AcsFailure } from '../../src/acs/acsErrors';
import type {
  ChatMessageInfo,
  ChatPort,
  OutgoingMessage,
  ParticipantInfo,
  ParticipantSpec,
  ThreadInfo,
} from '../../src/acs/chatPort';

export const SERVICE_USER = '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000001';

export function userId(n: number): string {
  return `8:acs:00000000-0000-0000-0000-000000000000_${String(n).padStart(8, '0')}-0000-0000-0000-000000000000`;
}

interface FakeThread {
  info: ThreadInfo;
  members: Map<string, ParticipantInfo>;
  messages: ChatMessageInfo[];
}

export class FakeChat implements ChatPort {
  readonly threads = new Map<string, FakeThread>();
  /** Each add call's participant ids, in order. */
  readonly addCalls: string[][] = [];
  /** Decides the fate of an add call before it is applied: return a failure to throw it. */
  addFailure: (ids: string[], call: number) => AcsFailure | undefined = () => undefined;
  /** Ids the service reports in invalidParticipants. */
  readonly refused = new Map<string, { code: string; message: string }>();
  /** Calls to sendMessage, failed ones included. */
  sendCalls = 0;
  /** Each send waits this long before it takes effect. */
  latencyMs = 0;
  /**
   * Failures thrown by the next sends, in order (after the latency, before the message is stored). Any Error, so a
   * test can also throw what a bug would (a TypeError).
   */
  readonly failNextSends: Error[] = [];
  /** Failures thrown after the message was stored: the caller never hears it succeeded. */
  readonly loseNextResults: AcsFailure[] = [];
  /** Message ids are ms-epoch times, increasing, as the service's are. */
  private clock = 1_700_000_000_000;

  async serviceUserId(): Promise<string> {
    return SERVICE_USER;
  }

  /** A thread with only the service user in it. */
  addThread(threadId: string): void {
    this.threads.set(threadId, {
      info: { id: threadId, topic: threadId, createdOn: new Date(0).toISOString() },
      members: new Map([[SERVICE_USER, { id: SERVICE_USER }]]),
      messages: [],
    });
  }

  /** The thread's messages, oldest first. */
  sent(threadId: string): ChatMessageInfo[] {
    return [...(this.threads.get(threadId)?.messages ?? [])].reverse();
  }

  thread(id: string): FakeThread {
    const t = this.threads.get(id);
    if (!t) throw new AcsFailure('notFound', `thread ${id}`, 404);
    return t;
  }

  async createThread(request: Parameters<ChatPort['createThread']>[0]) {
    const threadId = `19:t${this.threads.size + 1}@thread.v2`;
    const members = new Map<string, ParticipantInfo>([[SERVICE_USER, { id: SERVICE_USER }]]);
    for (const p of request.participants) if (!this.refused.has(p.id)) members.set(p.id, { id: p.id });
    this.threads.set(threadId, {
      info: { id: threadId, topic: request.topic, createdOn: new Date(0).toISOString() },
      members,
      messages: [],
    });
    return { threadId, rejected: this.rejections(request.participants) };
  }

  async getThread(threadId: string) {
    return this.thread(threadId).info;
  }
  async deleteThread(threadId: string) {
    this.threads.delete(threadId);
  }
  async updateTopic(threadId: string, topic: string) {
    this.thread(threadId).info.topic = topic;
  }
  async *listThreads() {
    for (const t of this.threads.values()) yield { id: t.info.id, topic: t.info.topic };
  }

  async addParticipants(threadId: string, participants: ParticipantSpec[]) {
    const ids = participants.map((p) => p.id);
    this.addCalls.push(ids);
    const failure = this.addFailure(ids, this.addCalls.length);
    if (failure) throw failure;
    const t = this.thread(threadId);
    for (const p of participants) if (!this.refused.has(p.id)) t.members.set(p.id, { id: p.id });
    return { rejected: this.rejections(participants) };
  }

  async removeParticipant(threadId: string, userIdToRemove: string) {
    this.thread(threadId).members.delete(userIdToRemove);
  }
  async *listParticipants(threadId: string) {
    const t = this.thread(threadId);
    if (!t.members.has(SERVICE_USER)) throw new AcsFailure('forbidden', 'ACS answered 403', 403);
    yield* t.members.values();
  }

  async sendMessage(threadId: string, message: OutgoingMessage, _options?: { abortSignal?: AbortSignal }) {
    this.sendCalls++;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const failure = this.failNextSends.shift();
    if (failure) throw failure;
    const t = this.thread(threadId);
    if (!t.members.has(SERVICE_USER)) throw new AcsFailure('forbidden', 'ACS answered 403', 403);
    const id = String(Math.max(Date.now(), ++this.clock));
    this.clock = Number(id);
    t.messages.unshift({
      id,
      type: message.type ?? 'text',
      sequenceId: String(t.messages.length + 1),
      version: id,
      createdOn: new Date().toISOString(),
      senderId: SERVICE_USER,
      content: { message: message.content },
      ...(message.metadata ? { metadata: { ...message.metadata } } : {}),
    });
    const lost = this.loseNextResults.shift();
    if (lost) throw lost;
    return { messageId: id };
  }
  async getMessage(threadId: string, messageId: string) {
    const m = this.thread(threadId).messages.find((x) => x.id === messageId);
    if (!m) throw new AcsFailure('notFound', `message ${messageId}`, 404);
    return m;
  }
  /** Newest first, as ACS lists them; `startTime` on creation time, as the emulator reads it. */
  async *listMessages(threadId: string, options: { startTime?: Date } = {}) {
    const from = options.startTime?.getTime() ?? 0;
    for (const m of this.thread(threadId).messages) if (Date.parse(m.createdOn) >= from) yield m;
  }
  async listMessagesPage(threadId: string, options: { pageSize?: number; continuationToken?: string } = {}) {
    const from = Number(options.continuationToken ?? 0);
    const size = options.pageSize ?? 200;
    const all = this.thread(threadId).messages;
    const next = from + size < all.length ? String(from + size) : undefined;
    return { messages: all.slice(from, from + size), ...(next ? { continuationToken: next } : {}) };
  }

  private rejections(participants: ParticipantSpec[]) {
    return participants.filter((p) => this.refused.has(p.id)).map((p) => ({ id: p.id, ...this.refused.get(p.id)! }));
  }
}
