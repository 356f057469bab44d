/**
 * An in-memory ChatPort for tests of domain code: threads, members and messages in maps, with scripted failures
 * and latency. Messages behave as the emulator (and the live service) records them: ids are creation times in ms,
 * `createdOn` has second precision, an edit or a deletion moves the message to the thread's next sequence id (its
 * old one stays empty), and a listing with `startTime` returns only messages created at or after it, newest
 * sequence id first. Tests that need the real service's behaviour use the real SDK against the emulator instead.
 */
import { AcsFailure } from '../../src/acs/acsErrors';
import type {
  ChatMessageInfo,
  ChatPort,
  MessagePage,
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
  /** Newest sequence id first, as ACS lists them. */
  messages: ChatMessageInfo[];
}

/** A message someone other than the service user posted: a member's, or a system message. */
export interface PostedMessage {
  type?: string;
  content: ChatMessageInfo['content'];
  senderId?: string;
  senderDisplayName?: string;
  metadata?: Record<string, string>;
}

export interface FakeChatOptions {
  /** The service's clock (ms); message ids and times come from it. Default: the real time. */
  now?: () => number;
}

/** Second precision, UTC `Z`, as the service and the emulator write chat times. */
function chatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** When the message was created, to the ms: its id is that time (messages a test built by hand: its createdOn). */
function createdAtOf(m: ChatMessageInfo): number {
  return /^\d+$/.test(m.id) ? Number(m.id) : Date.parse(m.createdOn);
}

const copy = (m: ChatMessageInfo): ChatMessageInfo => structuredClone(m);

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
  /** Calls to listMessagesPage (listMessages pages included). */
  listPageCalls = 0;
  /** Each send waits this long before it takes effect. */
  latencyMs = 0;
  /**
   * Failures thrown by the next sends, in order (after the latency, before the message is stored). Any Error, so a
   * test can also throw what a bug would (a TypeError).
   */
  readonly failNextSends: Error[] = [];
  /** Failures thrown after the message was stored: the caller never hears it succeeded. */
  readonly loseNextResults: AcsFailure[] = [];
  /** The last message id or change time handed out: ids and versions increase, as the service's do. */
  private clock = 1_700_000_000_000;
  private readonly now: () => number;

  constructor(options: FakeChatOptions = {}) {
    this.now = options.now ?? Date.now;
  }

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

  /** The message that has this sequence id now; throws when none has (it never existed, or it moved). */
  atSequence(threadId: string, sequenceId: number): ChatMessageInfo {
    const m = this.thread(threadId).messages.find((x) => Number(x.sequenceId) === sequenceId);
    if (!m) throw new Error(`no message has sequence id ${sequenceId}`);
    return m;
  }

  /** Posts a message as a member (or, without senderId, a system message), outside the service user's sends. */
  post(threadId: string, message: PostedMessage): ChatMessageInfo {
    const t = this.thread(threadId);
    const id = String(this.tick());
    const m: ChatMessageInfo = {
      id,
      type: message.type ?? 'text',
      sequenceId: String(this.nextSequenceId(t)),
      version: id,
      createdOn: chatTime(Number(id)),
      ...(message.senderId ? { senderId: message.senderId } : {}),
      ...(message.senderDisplayName !== undefined ? { senderDisplayName: message.senderDisplayName } : {}),
      content: structuredClone(message.content),
      ...(message.metadata ? { metadata: { ...message.metadata } } : {}),
    };
    t.messages.unshift(m);
    return copy(m);
  }

  /**
   * Edits a message as its sender would: new content (and metadata merged), `editedOn` and `version` the edit
   * time, and the thread's next sequence id, as the service records an edit. 404 for a deleted message.
   */
  editMessage(
    threadId: string,
    messageId: string,
    change: { content?: string; metadata?: Record<string, string> },
  ): ChatMessageInfo {
    const t = this.thread(threadId);
    const m = this.stored(t, messageId);
    if (m.deletedOn) throw new AcsFailure('notFound', `message ${messageId}`, 404);
    const at = this.tick();
    if (change.content !== undefined) m.content = { ...m.content, message: change.content };
    if (change.metadata) m.metadata = { ...m.metadata, ...change.metadata };
    m.editedOn = chatTime(at);
    return this.move(t, m, at);
  }

  /**
   * Deletes a message as its sender would: it stays listed with `deletedOn`, its content emptied to
   * `{ message: '' }` and no edit time or metadata, a new `version` and the thread's next sequence id.
   */
  deleteMessage(threadId: string, messageId: string): ChatMessageInfo {
    const t = this.thread(threadId);
    const m = this.stored(t, messageId);
    if (m.deletedOn) return copy(m);
    const at = this.tick();
    m.content = { message: '' };
    delete m.metadata;
    delete m.editedOn;
    m.deletedOn = chatTime(at);
    return this.move(t, m, at);
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
    const { id } = this.post(threadId, {
      type: message.type ?? 'text',
      content: { message: message.content },
      senderId: SERVICE_USER,
      ...(message.senderDisplayName !== undefined ? { senderDisplayName: message.senderDisplayName } : {}),
      ...(message.metadata ? { metadata: message.metadata } : {}),
    });
    const lost = this.loseNextResults.shift();
    if (lost) throw lost;
    return { messageId: id };
  }
  async getMessage(threadId: string, messageId: string) {
    return copy(this.stored(this.thread(threadId), messageId));
  }
  /** Newest first, as ACS lists them; `startTime` on creation time, as the emulator reads it. */
  async *listMessages(threadId: string, options: { startTime?: Date; pageSize?: number } = {}) {
    let continuationToken: string | undefined;
    do {
      const page = await this.listMessagesPage(threadId, {
        ...options,
        ...(continuationToken ? { continuationToken } : {}),
      });
      yield* page.messages;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }
  /**
   * Pages as the emulator does: newest sequence id first, only messages created at or after `startTime`; the
   * token holds the last sequence id returned and the listing's startTime (a later page keeps the first one's),
   * so messages sent or moved while a client pages never shift the pages it has not read yet.
   */
  async listMessagesPage(
    threadId: string,
    options: { startTime?: Date; pageSize?: number; continuationToken?: string } = {},
  ): Promise<MessagePage> {
    this.listPageCalls++;
    const t = this.thread(threadId);
    const token = options.continuationToken
      ? (JSON.parse(options.continuationToken) as { below: number; startTime?: number })
      : undefined;
    const startTime = token ? token.startTime : options.startTime?.getTime();
    const below = token?.below ?? Number.POSITIVE_INFINITY;
    const size = options.pageSize ?? 200;
    const messages: ChatMessageInfo[] = [];
    let more = false;
    for (const m of t.messages) {
      if (Number(m.sequenceId) >= below || createdAtOf(m) < (startTime ?? 0)) continue;
      if (messages.length === size) {
        more = true;
        break;
      }
      messages.push(copy(m));
    }
    const last = messages[messages.length - 1];
    return {
      messages,
      ...(more && last
        ? {
            continuationToken: JSON.stringify({
              below: Number(last.sequenceId),
              ...(startTime !== undefined ? { startTime } : {}),
            }),
          }
        : {}),
    };
  }

  private stored(t: FakeThread, messageId: string): ChatMessageInfo {
    const m = t.messages.find((x) => x.id === messageId);
    if (!m) throw new AcsFailure('notFound', `message ${messageId}`, 404);
    return m;
  }

  /** The next id or change time: the service's clock, never repeating. */
  private tick(): number {
    this.clock = Math.max(this.now(), this.clock + 1);
    return this.clock;
  }

  private nextSequenceId(t: FakeThread): number {
    return Number(t.messages[0]?.sequenceId ?? 0) + 1;
  }

  /** An edit or deletion at `at`: a new version, and the thread's next sequence id (listed first from now on). */
  private move(t: FakeThread, m: ChatMessageInfo, at: number): ChatMessageInfo {
    m.version = String(at);
    m.sequenceId = String(this.nextSequenceId(t));
    t.messages.splice(t.messages.indexOf(m), 1);
    t.messages.unshift(m);
    return copy(m);
  }

  private rejections(participants: ParticipantSpec[]) {
    return participants.filter((p) => this.refused.has(p.id)).map((p) => ({ id: p.id, ...this.refused.get(p.id)! }));
  }
}
