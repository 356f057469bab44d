/**
 * The ChatPort over the official chat SDK, acting as the service user. The SDK is imported on first use (start-up
 * cost, see src/storage/clients.ts), and its own retries are switched off: callers retry with their own budget.
 */
import type { ChatClient, ChatMessage, ChatParticipant, ChatThreadClient, ChatError } from '@azure/communication-chat';
import type { CommunicationIdentifierKind } from '@azure/communication-common';
import type { ServiceIdentity } from './serviceIdentity';
import { asAcsError, type ParticipantRejection } from './acsErrors';
import type {
  ChatMessageInfo,
  ChatPort,
  MessagePage,
  ParticipantInfo,
  ParticipantSpec,
  ThreadInfo,
  ThreadSummary,
} from './chatPort';

export async function createChatPort(endpoint: string, identity: ServiceIdentity): Promise<ChatPort> {
  const [{ ChatClient }, { AzureCommunicationTokenCredential }] = await Promise.all([
    import('@azure/communication-chat'),
    import('@azure/communication-common'),
  ]);
  const credential = new AzureCommunicationTokenCredential({
    tokenRefresher: async () => (await identity.token()).token,
    refreshProactively: true,
  });
  const client = new ChatClient(endpoint, credential, { retryOptions: { maxRetries: 0 } });
  return new SdkChatPort(client, identity, endpoint);
}

/** A message listing's page iterator between two listMessagesPage calls, and where it writes the next link. */
interface OpenPager {
  pages: AsyncIterableIterator<ChatMessage[]>;
  settings: { continuationToken?: string };
}

/** Listings continued page by page at once (archive runs, a few per process); an older one starts a new iterator. */
const MAX_OPEN_PAGERS = 8;
/**
 * A kept iterator holds its last page until it fetches the next one: one not continued within this long is dropped,
 * so a listing that stopped early (an archive run reaching archived history) holds nothing for long.
 */
const PAGER_IDLE_MS = 30_000;

class SdkChatPort implements ChatPort {
  private readonly threads = new Map<string, ChatThreadClient>();
  /** By thread and the continuation token the iterator continues from, with the timer that drops it. */
  private readonly openPagers = new Map<string, { pager: OpenPager; idle: NodeJS.Timeout }>();

  constructor(
    private readonly client: ChatClient,
    private readonly identity: ServiceIdentity,
    private readonly endpoint: string,
  ) {}

  serviceUserId(): Promise<string> {
    return this.identity.userId();
  }

  async createThread(request: Parameters<ChatPort['createThread']>[0]) {
    return this.call(async () => {
      const result = await this.client.createChatThread(
        { topic: request.topic },
        {
          participants: request.participants.map(toSdkParticipant),
          idempotencyToken: request.idempotencyToken,
          ...(request.metadata ? { metadata: request.metadata } : {}),
        },
      );
      const threadId = result.chatThread?.id;
      if (!threadId) throw new Error('ACS created a thread but returned no id');
      return { threadId, rejected: rejections(result.invalidParticipants) };
    });
  }

  getThread(threadId: string): Promise<ThreadInfo> {
    return this.call(async () => {
      const p = await this.thread(threadId).getProperties();
      return {
        id: p.id,
        topic: p.topic,
        createdOn: p.createdOn.toISOString(),
        ...optional('createdBy', p.createdBy && rawIdOf(p.createdBy)),
        ...optional('deletedOn', p.deletedOn?.toISOString()),
        ...optional('metadata', p.metadata),
      };
    });
  }

  deleteThread(threadId: string): Promise<void> {
    return this.call(() => this.client.deleteChatThread(threadId));
  }

  updateTopic(threadId: string, topic: string): Promise<void> {
    return this.call(() => this.thread(threadId).updateTopic(topic));
  }

  async *listThreads(options: { startTime?: Date; pageSize?: number } = {}): AsyncIterable<ThreadSummary> {
    // The page size goes in the list options: the SDK's byPage ignores `maxPageSize`.
    const pages = this.client
      .listChatThreads({ maxPageSize: options.pageSize ?? 200, ...optional('startTime', options.startTime) })
      .byPage();
    for await (const page of this.iterate(pages)) {
      for (const t of page) {
        yield {
          id: t.id,
          topic: t.topic,
          ...optional('deletedOn', t.deletedOn?.toISOString()),
          ...optional('lastMessageReceivedOn', t.lastMessageReceivedOn?.toISOString()),
        };
      }
    }
  }

  addParticipants(threadId: string, participants: ParticipantSpec[]) {
    return this.call(async () => {
      const result = await this.thread(threadId).addParticipants({ participants: participants.map(toSdkParticipant) });
      return { rejected: rejections(result.invalidParticipants) };
    });
  }

  removeParticipant(threadId: string, userId: string): Promise<void> {
    return this.call(() => this.thread(threadId).removeParticipant({ communicationUserId: userId }));
  }

  async *listParticipants(threadId: string, options: { pageSize?: number } = {}): AsyncIterable<ParticipantInfo> {
    const pages = this.thread(threadId)
      .listParticipants({ maxPageSize: options.pageSize ?? 200 })
      .byPage();
    for await (const page of this.iterate(pages)) for (const p of page) yield toParticipantInfo(p);
  }

  sendMessage(
    threadId: string,
    message: Parameters<ChatPort['sendMessage']>[1],
    options: Parameters<ChatPort['sendMessage']>[2] = {},
  ) {
    return this.call(async () => {
      const result = await this.thread(threadId).sendMessage(
        { content: message.content },
        {
          type: message.type ?? 'text',
          ...optional('senderDisplayName', message.senderDisplayName),
          ...optional('metadata', message.metadata),
          ...optional('abortSignal', options.abortSignal),
        },
      );
      return { messageId: result.id };
    });
  }

  getMessage(threadId: string, messageId: string): Promise<ChatMessageInfo> {
    return this.call(async () => toMessageInfo(await this.thread(threadId).getMessage(messageId)));
  }

  async *listMessages(
    threadId: string,
    options: { startTime?: Date; pageSize?: number } = {},
  ): AsyncIterable<ChatMessageInfo> {
    const pages = this.thread(threadId)
      .listMessages({ maxPageSize: options.pageSize ?? 200, ...optional('startTime', options.startTime) })
      .byPage();
    for await (const page of this.iterate(pages)) for (const m of page) yield toMessageInfo(m);
  }

  listMessagesPage(
    threadId: string,
    options: { startTime?: Date; pageSize?: number; continuationToken?: string } = {},
  ): Promise<MessagePage> {
    return this.call(async () => {
      const pager = this.resumePager(threadId, options.continuationToken) ?? this.newPager(threadId, options);
      const page = await pager.pages.next();
      const next = pager.settings.continuationToken;
      if (page.done || next === undefined) await pager.pages.return?.(undefined);
      else this.keepPager(threadId, next, pager);
      return {
        messages: page.done ? [] : page.value.map(toMessageInfo),
        ...optional('continuationToken', next),
      };
    });
  }

  /**
   * The page iterator that returned `continuationToken`, taken out of the open ones: asking it for its next page is
   * the same request as a new iterator given the token (the link carries the listing's options), without a new
   * iterator, tracing span and generators for every page: over a long listing (an archive run of a big thread) they
   * add up to megabytes of garbage in V8's old space, collected only by a full collection.
   * A failed call never puts its iterator back, so a retry with the same token starts a new one.
   */
  private resumePager(threadId: string, continuationToken: string | undefined): OpenPager | undefined {
    if (continuationToken === undefined) return undefined;
    const key = pagerKey(threadId, continuationToken);
    const open = this.openPagers.get(key);
    this.dropPager(key);
    return open?.pager;
  }

  private newPager(
    threadId: string,
    options: { startTime?: Date; pageSize?: number; continuationToken?: string },
  ): OpenPager {
    // The SDK's page iterator writes the next page's link into the settings object it is given.
    const settings: { continuationToken?: string } = optional('continuationToken', options.continuationToken);
    const pages = this.thread(threadId)
      .listMessages({ maxPageSize: options.pageSize ?? 200, ...optional('startTime', options.startTime) })
      .byPage(settings);
    return { pages, settings };
  }

  /** Keeps an iterator for the call that continues from `continuationToken`, for PAGER_IDLE_MS at most. */
  private keepPager(threadId: string, continuationToken: string, pager: OpenPager): void {
    const key = pagerKey(threadId, continuationToken);
    this.dropPager(key);
    if (this.openPagers.size >= MAX_OPEN_PAGERS) {
      const oldest = this.openPagers.keys().next();
      if (!oldest.done) this.dropPager(oldest.value);
    }
    const idle = setTimeout(() => this.openPagers.delete(key), PAGER_IDLE_MS);
    idle.unref();
    this.openPagers.set(key, { pager, idle });
  }

  private dropPager(key: string): void {
    const open = this.openPagers.get(key);
    if (!open) return;
    clearTimeout(open.idle);
    this.openPagers.delete(key);
  }

  /**
   * Runs one SDK call; what ACS answered becomes an AcsFailure. Anything else is rethrown as it is: a bug in the
   * mapping code, or a storage error from the token refresher (it reads the service user's id from a table).
   */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw asAcsError(error, this.endpoint);
    }
  }

  /** Pages of an SDK iterator, with each page's failure mapped like any other call. */
  private async *iterate<T>(pages: AsyncIterableIterator<T[]>): AsyncIterable<T[]> {
    for (;;) {
      const next = await this.call(() => pages.next());
      if (next.done) return;
      yield next.value;
    }
  }

  private thread(threadId: string): ChatThreadClient {
    let client = this.threads.get(threadId);
    if (!client) {
      client = this.client.getChatThreadClient(threadId);
      // A bounded cache: thread clients are cheap, but a long-lived process talks to many threads.
      if (this.threads.size >= 1000) this.threads.clear();
      this.threads.set(threadId, client);
    }
    return client;
  }
}

function pagerKey(threadId: string, continuationToken: string): string {
  return `${threadId}\n${continuationToken}`;
}

function toSdkParticipant(p: ParticipantSpec): ChatParticipant {
  return {
    id: { communicationUserId: p.id },
    ...optional('displayName', p.displayName),
    ...optional('shareHistoryTime', p.shareHistoryTime ? new Date(p.shareHistoryTime) : undefined),
  };
}

function rejections(errors: ChatError[] | undefined): ParticipantRejection[] {
  return (errors ?? []).map((e) => ({ id: e.target ?? '', code: e.code, message: e.message }));
}

function rawIdOf(id: CommunicationIdentifierKind | ChatParticipant['id']): string {
  const anyId = id as { rawId?: string; communicationUserId?: string; phoneNumber?: string };
  return anyId.communicationUserId ?? anyId.rawId ?? anyId.phoneNumber ?? '';
}

function toParticipantInfo(p: ChatParticipant): ParticipantInfo {
  const out: ParticipantInfo = { id: rawIdOf(p.id) };
  if (p.displayName !== undefined) out.displayName = p.displayName;
  if (p.shareHistoryTime !== undefined) out.shareHistoryTime = p.shareHistoryTime.toISOString();
  if (p.metadata !== undefined) out.metadata = p.metadata;
  return out;
}

/**
 * Field by field rather than with spreads: the archive maps every message of a thread through here. The order of
 * the fields is the archive's record format (src/archive/records.ts): keep it fixed.
 */
function toMessageInfo(m: ChatMessage): ChatMessageInfo {
  const out: ChatMessageInfo = {
    id: m.id,
    sequenceId: m.sequenceId,
    version: m.version,
    type: m.type,
    createdOn: m.createdOn.toISOString(),
    content: {},
  };
  if (m.editedOn !== undefined) out.editedOn = m.editedOn.toISOString();
  if (m.deletedOn !== undefined) out.deletedOn = m.deletedOn.toISOString();
  if (m.sender !== undefined) out.senderId = rawIdOf(m.sender);
  if (m.senderDisplayName !== undefined) out.senderDisplayName = m.senderDisplayName;
  const c = m.content;
  if (c) {
    if (c.message !== undefined) out.content.message = c.message;
    if (c.topic !== undefined) out.content.topic = c.topic;
    if (c.participants !== undefined) out.content.participants = c.participants.map(toParticipantInfo);
    if (c.initiator !== undefined) out.content.initiatorId = rawIdOf(c.initiator);
  }
  if (m.metadata !== undefined) out.metadata = m.metadata;
  return out;
}

/** `{ key: value }` when value is defined, `{}` otherwise: keeps optional fields absent rather than undefined. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
