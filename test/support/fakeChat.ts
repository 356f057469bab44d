/**
 * An in-memory ChatPort for unit tests of domain code: threads, members and messages in maps, with scripted
 * failures. Integration tests use the real SDK against the emulator instead.
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
  private seq = 0;

  async serviceUserId(): Promise<string> {
    return SERVICE_USER;
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
    yield* this.thread(threadId).members.values();
  }

  async sendMessage(threadId: string, message: OutgoingMessage) {
    const t = this.thread(threadId);
    const id = String(++this.seq);
    t.messages.unshift({
      id,
      type: message.type ?? 'text',
      sequenceId: id,
      version: id,
      createdOn: new Date().toISOString(),
      senderId: SERVICE_USER,
      content: { message: message.content },
      ...(message.metadata ? { metadata: message.metadata } : {}),
    });
    return { messageId: id };
  }
  async getMessage(threadId: string, messageId: string) {
    const m = this.thread(threadId).messages.find((x) => x.id === messageId);
    if (!m) throw new AcsFailure('notFound', `message ${messageId}`, 404);
    return m;
  }
  async *listMessages(threadId: string) {
    yield* this.thread(threadId).messages;
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
