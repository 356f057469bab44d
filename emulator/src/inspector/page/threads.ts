/** The thread list: newest first, paged like the API ("Load more" follows nextLink), refreshed live. */
import type { PageOf, ThreadSummary } from '../views';
import { getJson } from './api.js';
import { byId, h, KeyedList, timeEl } from './dom.js';
import { learn, learnFromMessage, preview } from './people.js';

const PAGE_SIZE = 25;

export class ThreadList {
  private readonly threads = new Map<string, ThreadSummary>();
  /** newest first, as the server lists them */
  private order: string[] = [];
  private nextLink: string | undefined;
  private selected: string | undefined;
  private readonly list: KeyedList<ThreadSummary>;
  private readonly more = byId<HTMLButtonElement>('more-threads');
  private readonly empty = byId('threads-empty');

  constructor(private readonly onSelect: (id: string) => void) {
    const ul = byId('thread-list');
    this.list = new KeyedList(
      ul,
      (t) => t.id,
      (t) =>
        `${t.id === this.selected}|${t.topic}|${t.deletedOn}|${t.memberCount}|${t.lastMessage?.version}|${t.members.map((m) => m.displayName).join()}`,
      (t) => this.render(t),
    );
    this.more.addEventListener('click', () => void this.loadMore());
    // Up and down arrows move between threads.
    ul.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      const buttons = [...ul.querySelectorAll<HTMLButtonElement>('button.thread')];
      const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const next = buttons[i + (e.key === 'ArrowDown' ? 1 : -1)];
      if (next) {
        next.focus();
        e.preventDefault();
      }
    });
  }

  get(id: string): ThreadSummary | undefined {
    return this.threads.get(id);
  }

  topicOf(id: string): string | undefined {
    return this.threads.get(id)?.topic;
  }

  select(id: string | undefined): void {
    this.selected = id;
    this.show();
  }

  /** First page again: new threads go on top, known ones are updated, pages loaded further down stay. */
  async refresh(): Promise<void> {
    const page = await getJson<PageOf<ThreadSummary>>(`threads?maxPageSize=${PAGE_SIZE}`);
    const fresh = page.value.filter((t) => !this.threads.has(t.id)).map((t) => t.id);
    this.absorb(page.value);
    this.order = [...fresh, ...this.order];
    if (this.order.length <= page.value.length) this.nextLink = page.nextLink;
    this.show();
  }

  /** Forget everything (after a reset) and load the first page. */
  async reload(): Promise<void> {
    this.threads.clear();
    this.order = [];
    this.nextLink = undefined;
    await this.refresh();
  }

  private async loadMore(): Promise<void> {
    if (!this.nextLink) return;
    const page = await getJson<PageOf<ThreadSummary>>(this.nextLink);
    const fresh = page.value.filter((t) => !this.threads.has(t.id)).map((t) => t.id);
    this.absorb(page.value);
    this.order.push(...fresh);
    this.nextLink = page.nextLink;
    this.show();
  }

  private absorb(threads: readonly ThreadSummary[]): void {
    for (const t of threads) {
      this.threads.set(t.id, t);
      learn(t.members);
      if (t.lastMessage) learnFromMessage(t.lastMessage);
    }
  }

  private show(): void {
    this.list.update(this.order.map((id) => this.threads.get(id)).filter((t): t is ThreadSummary => !!t));
    this.more.hidden = !this.nextLink;
    this.empty.hidden = this.order.length > 0;
  }

  private render(t: ThreadSummary): HTMLElement {
    const selected = t.id === this.selected;
    const names = t.members.map((m) => m.displayName).filter(Boolean);
    const members = `${t.memberCount} member${t.memberCount === 1 ? '' : 's'}${names.length ? ` · ${names.join(', ')}` : ''}${t.memberCount > t.members.length && names.length ? '…' : ''}`;
    return h(
      'li',
      {},
      h(
        'button',
        {
          class: `thread${selected ? ' thread--selected' : ''}${t.deletedOn ? ' thread--deleted' : ''}`,
          type: 'button',
          'aria-current': selected ? 'true' : undefined,
          onclick: () => this.onSelect(t.id),
        },
        h(
          'span',
          { class: 'thread-line' },
          h('span', { class: 'thread-topic' }, t.topic),
          t.deletedOn ? h('span', { class: 'badge badge--deleted' }, 'deleted') : null,
          timeEl(t.lastActivityOn, 'thread-time'),
        ),
        h('span', { class: 'thread-last' }, t.lastMessage ? preview(t.lastMessage) : ''),
        h('span', { class: 'thread-members' }, members),
      ),
    );
  }
}
