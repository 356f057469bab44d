/**
 * One thread as a chat: messages oldest to newest (system messages as notes, edits and deletions marked, details
 * and metadata on demand, read receipts under the message they reach), and a box to post as any member.
 */
import type { CreatedUser, MessageView, PageOf, ThreadDetail } from '../views';
import { ApiError, getJson, sendJson, threadPath } from './api.js';
import { byId, clear, definitions, h, KeyedList, timeEl } from './dom.js';
import { describeSystem, learn, learnFromMessage, nameOf, preview, shortId } from './people.js';

const PAGE_SIZE = 50;
/** pages fetched to catch up after a burst; beyond that the view starts again from the newest page */
const CATCH_UP_PAGES = 4;
const NEW_USER = '__new__';

function isUserMessage(m: MessageView): boolean {
  return m.type === 'text' || m.type === 'html';
}

export class ChatView {
  private threadId: string | undefined;
  private detail: ThreadDetail | undefined;
  private readonly messages = new Map<string, MessageView>();
  /** highest sequenceId seen: a refresh pages back until it reaches it */
  private watermark = 0;
  private olderLink: string | undefined;
  /** the "Send as" choice per thread */
  private readonly senders = new Map<string, string>();
  /** what the "Send as" list was built from */
  private senderOptions = '';
  private senderThread = '';
  private readonly list: KeyedList<MessageView>;
  private readonly log = byId<HTMLOListElement>('messages');
  private readonly scroller = byId('message-scroller');
  private readonly older = byId<HTMLButtonElement>('older');
  private readonly sender = byId<HTMLSelectElement>('sender');
  private readonly text = byId<HTMLTextAreaElement>('message-text');
  private readonly status = byId('compose-status');
  private readonly newUser = byId('new-user');
  private readonly newUserName = byId<HTMLInputElement>('new-user-name');

  constructor(private readonly onDetail: (detail: ThreadDetail | undefined) => void) {
    this.list = new KeyedList(
      this.log,
      (m) => m.id,
      (m) => `${m.version}|${this.readersOf(m.id).join()}|${m.senderId === this.sender.value}`,
      (m) => this.render(m),
    );
    this.older.addEventListener('click', () => void this.loadOlder());
    byId<HTMLFormElement>('compose').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send();
    });
    this.text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.send();
      }
    });
    this.sender.addEventListener('change', () => {
      const creating = this.sender.value === NEW_USER;
      this.newUser.hidden = !creating;
      if (creating) this.newUserName.focus();
      else if (this.threadId) this.senders.set(this.threadId, this.sender.value);
      this.show(false);
    });
    byId('create-user').addEventListener('click', () => void this.createUser());
    this.newUserName.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        void this.createUser();
      }
    });
  }

  get current(): string | undefined {
    return this.threadId;
  }

  /** A loaded message in one line (for read receipts). */
  previewOf(messageId: string): string | undefined {
    const m = this.messages.get(messageId);
    return m ? preview(m) : undefined;
  }

  async open(threadId: string): Promise<void> {
    this.threadId = threadId;
    this.detail = undefined;
    this.messages.clear();
    this.watermark = 0;
    this.olderLink = undefined;
    this.list.clear();
    this.status.textContent = '';
    this.newUser.hidden = true;
    byId('chat-empty').hidden = true;
    byId('chat-view').hidden = false;
    await Promise.all([this.refreshDetail(), this.refreshMessages()]);
    this.scrollToEnd();
  }

  close(): void {
    this.threadId = undefined;
    this.detail = undefined;
    this.list.clear();
    byId('chat-empty').hidden = false;
    byId('chat-view').hidden = true;
    this.onDetail(undefined);
  }

  async refreshDetail(): Promise<void> {
    const id = this.threadId;
    if (!id) return;
    const detail = await getJson<ThreadDetail>(threadPath(id));
    if (id !== this.threadId) return;
    this.detail = detail;
    learn(detail.participants);
    this.showHeader(detail);
    this.showSenders(detail);
    this.onDetail(detail);
    this.show(false);
  }

  /** Newest pages until the last message already shown (edits and deletions come first again). */
  async refreshMessages(): Promise<void> {
    const id = this.threadId;
    if (!id) return;
    const stick = this.atEnd();
    let link: string | undefined = `${threadPath(id, '/messages')}?maxPageSize=${PAGE_SIZE}`;
    const fetched: MessageView[] = [];
    let firstNext: string | undefined;
    let caughtUp = this.watermark === 0;
    for (let page = 0; link && page < CATCH_UP_PAGES; page++) {
      const result: PageOf<MessageView> = await getJson<PageOf<MessageView>>(link);
      if (id !== this.threadId) return;
      if (page === 0) firstNext = result.nextLink;
      fetched.push(...result.value);
      link = result.nextLink;
      if (this.watermark === 0 || result.value.some((m) => m.sequenceId <= this.watermark)) {
        caughtUp = true;
        break;
      }
    }
    if (!caughtUp) {
      // Too much happened: start again from the newest messages.
      this.messages.clear();
      this.olderLink = link;
    } else if (this.watermark === 0) this.olderLink = firstNext;
    for (const m of fetched) {
      this.messages.set(m.id, m);
      learnFromMessage(m);
      this.watermark = Math.max(this.watermark, m.sequenceId);
    }
    this.show(stick);
    // the people panel names the message each receipt reached
    if (this.detail) this.onDetail(this.detail);
  }

  private async loadOlder(): Promise<void> {
    const id = this.threadId;
    if (!id || !this.olderLink) return;
    const page = await getJson<PageOf<MessageView>>(this.olderLink);
    if (id !== this.threadId) return;
    const before = this.scroller.scrollHeight;
    for (const m of page.value) {
      if (!this.messages.has(m.id)) this.messages.set(m.id, m);
      learnFromMessage(m);
    }
    this.olderLink = page.nextLink;
    this.show(false);
    this.scroller.scrollTop += this.scroller.scrollHeight - before;
  }

  private atEnd(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
  }

  private scrollToEnd(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  private show(stickToEnd: boolean): void {
    const ordered = [...this.messages.values()].sort((a, b) => Number(a.id) - Number(b.id));
    this.list.update(ordered);
    this.older.hidden = !this.olderLink;
    if (stickToEnd) this.scrollToEnd();
  }

  private readersOf(messageId: string): string[] {
    return (this.detail?.receipts ?? []).filter((r) => r.messageId === messageId).map((r) => r.userId);
  }

  private showHeader(d: ThreadDetail): void {
    byId('chat-heading').textContent = d.topic;
    const sub = byId('chat-sub');
    clear(sub);
    sub.append(
      h('code', { class: 'thread-id', title: 'Thread id' }, d.id),
      ` · created by ${nameOf(d.createdBy)} `,
      timeEl(d.createdOn),
      ` · ${d.participants.length} member${d.participants.length === 1 ? '' : 's'} · ${d.messageCount} messages`,
    );
    byId('chat-deleted').hidden = !d.deletedOn;
    const props = byId('thread-props-body');
    clear(props);
    props.append(
      definitions([
        ['Thread id', h('code', {}, d.id)],
        ['Created', timeEl(d.createdOn)],
        ['Created by', `${nameOf(d.createdBy)} (${d.createdBy})`],
        ['Deleted', d.deletedOn ? timeEl(d.deletedOn) : undefined],
        ['Retention', d.retentionPolicy ? JSON.stringify(d.retentionPolicy) : undefined],
        ...Object.entries(d.metadata ?? {}).map(([k, v]): [string, string] => [`metadata · ${k}`, v]),
      ]),
    );
    if (!d.metadata || Object.keys(d.metadata).length === 0)
      props.append(h('p', { class: 'muted' }, 'No thread metadata.'));
  }

  /** "Send as": the current members, and a new user. */
  private showSenders(d: ThreadDetail): void {
    // A live refresh must not undo what the person is doing: rebuild only when the members changed, and stay on
    // "New user…" while they are naming one.
    const options = d.participants.map((p) => `${p.id}|${p.displayName ?? ''}`).join('\n');
    const creating = this.sender.value === NEW_USER && !this.newUser.hidden;
    if (options !== this.senderOptions || d.id !== this.senderThread) {
      const wanted = this.senders.get(d.id) ?? this.sender.value;
      clear(this.sender);
      for (const p of d.participants) {
        this.sender.append(
          h('option', { value: p.id }, p.displayName ? `${p.displayName} (${shortId(p.id)})` : shortId(p.id)),
        );
      }
      this.sender.append(h('option', { value: NEW_USER }, 'New user…'));
      const member = d.participants.some((p) => p.id === wanted);
      this.sender.value = creating ? NEW_USER : member ? wanted : (d.participants[0]?.id ?? NEW_USER);
      this.senderOptions = options;
      this.senderThread = d.id;
    }
    this.newUser.hidden = this.sender.value !== NEW_USER;
    const closed = !!d.deletedOn;
    for (const el of byId('compose').querySelectorAll<
      HTMLInputElement | HTMLButtonElement | HTMLSelectElement | HTMLTextAreaElement
    >('input, button, select, textarea')) {
      el.disabled = closed;
    }
    if (closed) this.status.textContent = 'This thread is deleted: nobody can post.';
  }

  private async send(): Promise<void> {
    const id = this.threadId;
    const content = this.text.value;
    if (!id || content.trim() === '') return;
    if (this.sender.value === NEW_USER) {
      this.status.textContent = 'Create the new user first, or pick a member.';
      return;
    }
    this.status.textContent = 'Sending…';
    try {
      await sendJson('POST', threadPath(id, '/messages'), { senderId: this.sender.value, content });
      this.text.value = '';
      this.status.textContent = `Sent as ${nameOf(this.sender.value)}.`;
      await this.refreshMessages();
      this.scrollToEnd();
    } catch (err) {
      this.status.textContent = `Not sent: ${err instanceof ApiError ? err.message : String(err)}`;
    }
  }

  private async createUser(): Promise<void> {
    const id = this.threadId;
    if (!id) return;
    const displayName = this.newUserName.value.trim();
    this.status.textContent = 'Creating a user…';
    try {
      const user = await sendJson<CreatedUser>('POST', 'users', {
        threadId: id,
        ...(displayName ? { displayName } : {}),
      });
      learn([user]);
      this.senders.set(id, user.id);
      this.newUserName.value = '';
      this.newUser.hidden = true; // done naming: the refresh below selects the new member
      await this.refreshDetail();
      await this.refreshMessages();
      this.status.textContent = `${nameOf(user.id)} joined the thread; you are posting as them.`;
      this.text.focus();
    } catch (err) {
      this.status.textContent = `Could not create the user: ${err instanceof ApiError ? err.message : String(err)}`;
    }
  }

  private render(m: MessageView): HTMLElement {
    if (!isUserMessage(m)) {
      return h(
        'li',
        { class: 'msg msg--system' },
        h('span', {}, describeSystem(m)),
        ' ',
        timeEl(m.createdOn),
        this.details(m),
      );
    }
    const mine = m.senderId === this.sender.value;
    const deleted = !!m.deletedOn;
    const readers = this.readersOf(m.id).filter((u) => u !== m.senderId);
    return h(
      'li',
      { class: `msg msg--user${mine ? ' msg--mine' : ''}${deleted ? ' msg--deleted' : ''}` },
      h(
        'div',
        { class: 'msg-meta' },
        h('span', { class: 'msg-sender' }, m.senderDisplayName || nameOf(m.senderId)),
        ' ',
        timeEl(m.createdOn),
        m.type === 'html' ? h('span', { class: 'badge' }, 'html') : null,
        m.editedOn && !deleted
          ? h('span', { class: 'badge', title: `edited ${new Date(m.editedOn).toLocaleString()}` }, 'edited')
          : null,
        deleted ? h('span', { class: 'badge badge--deleted' }, 'deleted') : null,
      ),
      h('div', { class: 'msg-body' }, deleted ? 'This message was deleted.' : (m.content ?? '')),
      this.details(m),
      readers.length > 0 ? h('p', { class: 'msg-receipts' }, `Read by ${readers.map(nameOf).join(', ')}`) : null,
    );
  }

  /** Everything about a message, on demand (a native disclosure: keyboard and screen-reader friendly). */
  private details(m: MessageView): HTMLElement {
    const metadata = Object.entries(m.metadata ?? {});
    const label = metadata.length > 0 ? `Details · metadata (${metadata.length})` : 'Details';
    return h(
      'details',
      { class: 'msg-details' },
      h('summary', {}, label),
      definitions([
        ['Message id', h('code', {}, m.id)],
        ['Type', m.type],
        ['Sequence id', m.sequenceId],
        ['Version', h('code', {}, m.version)],
        ['Sender', m.senderId ? h('code', {}, m.senderId) : undefined],
        ['Created', timeEl(m.createdOn)],
        ['Edited', m.editedOn ? timeEl(m.editedOn) : undefined],
        ['Deleted', m.deletedOn ? timeEl(m.deletedOn) : undefined],
        ['Content before deletion', m.deletedOn ? (m.content ?? '') : undefined],
        ...metadata.map(([k, v]): [string, string] => [`metadata · ${k}`, v]),
      ]),
    );
  }
}
