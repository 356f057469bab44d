/**
 * An in-memory ChatPort for the schedule dispatch tests: threads with messages, scripted failures and latency. Only what the
 * schedule code uses behaves; the rest throws, so a test notices when code starts relying on it.
 */
import { AcsFailure } from '../../src/acs/acsErrors';
import type { ChatMessageInfo, ChatPort, OutgoingMessage, ParticipantInfo } from '../../src/acs/chatPort';

export const SERVICE_USER = '8:acs:00000000-0000-0000-0000-000000000000_service';

interface FakeThread {
  messages: ChatMessageInfo[];
  members: Set<string>;
}

export class ScriptedChat implements ChatPort {
  readonly threads = new Map<string, FakeThread>();
  /** Calls to sendMessage, failed ones included. */
  sendCalls = 0;
  /** Each send waits this long before it takes effect. */
  latencyMs = 0;
  /** Failures thrown by the next sends, in order (after the latency, before the message is stored). */
  readonly failNextSends: AcsFailure[] = [];
  /** Failures thrown after the message was stored: the caller never hears it succeeded. */
  readonly loseNextResults: AcsFailure[] = [];
  private clock = 1_700_000_000_000;

  addThread(threadId: string): void {
    this.threads.set(threadId, { messages: [], members: new Set([SERVICE_USER]) });
  }

  sent(threadId: string): ChatMessageInfo[] {
    return this.threads.get(threadId)?.messages ?? [];
  }

  serviceUserId(): Promise<string> {
    return Promise.resolve(SERVICE_USER);
  }

  async sendMessage(
    threadId: string,
    message: OutgoingMessage,
    _options?: { abortSignal?: AbortSignal },
  ): Promise<{ messageId: string }> {
    this.sendCalls++;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const failure = this.failNextSends.shift();
    if (failure) throw failure;
    const thread = this.threads.get(threadId);
    if (!thread) throw new AcsFailure('notFound', 'ACS answered 404', 404);
    if (!thread.members.has(SERVICE_USER)) throw new AcsFailure('forbidden', 'ACS answered 403', 403);
    const id = String(Math.max(Date.now(), ++this.clock));
    this.clock = Number(id);
    thread.messages.push({
      id,
      type: message.type ?? 'text',
      sequenceId: String(thread.messages.length + 1),
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

  listMessagesPage(): Promise<never> {
    throw new Error('ScriptedChat.listMessagesPage is not used by the schedule code');
  }

  async *listMessages(threadId: string, options: { startTime?: Date } = {}): AsyncIterable<ChatMessageInfo> {
    const thread = this.threads.get(threadId);
    if (!thread) throw new AcsFailure('notFound', 'ACS answered 404', 404);
    const from = options.startTime?.getTime() ?? 0;
    for (const m of [...thread.messages].reverse()) if (Date.parse(m.createdOn) >= from) yield m;
  }

  async *listParticipants(threadId: string): AsyncIterable<ParticipantInfo> {
    const thread = this.threads.get(threadId);
    if (!thread) throw new AcsFailure('notFound', 'ACS answered 404', 404);
    if (!thread.members.has(SERVICE_USER)) throw new AcsFailure('forbidden', 'ACS answered 403', 403);
    for (const id of thread.members) yield { id };
  }

  createThread(): never {
    throw new Error('not used by schedules');
  }
  getThread(): never {
    throw new Error('not used by schedules');
  }
  deleteThread(): never {
    throw new Error('not used by schedules');
  }
  updateTopic(): never {
    throw new Error('not used by schedules');
  }
  listThreads(): never {
    throw new Error('not used by schedules');
  }
  addParticipants(): never {
    throw new Error('not used by schedules');
  }
  removeParticipant(): never {
    throw new Error('not used by schedules');
  }
  getMessage(): never {
    throw new Error('not used by schedules');
  }
}
