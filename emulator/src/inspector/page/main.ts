/**
 * The inspector page: loads the overview and the threads, then follows the emulator live over Server-Sent Events
 * (`/inspector/api/live`), fetching again only what an event touched, at most a few times a second.
 */
import type { ChatEventView, DeliveryOutcomeView, Overview, ThreadDetail } from '../views';
import { ApiError, Coalesced, getJson } from './api.js';
import { ChatView } from './chat.js';
import { byId } from './dom.js';
import { EventFeed, FaultsPanel, setUpTabs, showCalls, showCounts, showPeople } from './panels.js';
import { ThreadList } from './threads.js';

class App {
  private overview: Overview | undefined;
  private readonly threads = new ThreadList((id) => void this.openThread(id));
  private readonly chat = new ChatView((d) => this.showDetail(d));
  private readonly feed = new EventFeed(
    (id) => this.threads.topicOf(id),
    (id) => void this.openThread(id),
  );
  private readonly faults = new FaultsPanel(() => this.refreshOverview.request());
  private readonly live = byId('live-status');
  private readonly report = (err: unknown): void => this.problem(err);
  private readonly refreshThreads = new Coalesced(() => this.threads.refresh(), 500, this.report);
  private readonly refreshMessages = new Coalesced(() => this.chat.refreshMessages(), 200, this.report);
  private readonly refreshDetail = new Coalesced(() => this.chat.refreshDetail(), 1000, this.report);
  private readonly refreshOverview = new Coalesced(
    async () => this.showOverview(await getJson<Overview>('overview')),
    250,
    this.report,
  );
  private source: EventSource | undefined;

  async start(): Promise<void> {
    setUpTabs();
    showPeople(undefined, () => undefined);
    this.showOverview(await getJson<Overview>('overview'));
    await this.threads.refresh();
    const wanted = decodeURIComponent(location.hash.slice(1));
    if (wanted && this.threads.get(wanted)) await this.openThread(wanted);
    this.connect();
  }

  private async openThread(id: string): Promise<void> {
    this.threads.select(id);
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
    await this.chat.open(id);
  }

  private showDetail(d: ThreadDetail | undefined): void {
    showPeople(d, (messageId) => this.chat.previewOf(messageId));
  }

  private showOverview(o: Overview): void {
    const reset = this.overview !== undefined && o.threadsEver < this.overview.threadsEver;
    this.overview = o;
    showCounts(o);
    showCalls(o);
    this.faults.show(o);
    this.feed.setOverview(o);
    if (reset) void this.resync();
  }

  /** Everything again: after a reset, or when live messages were skipped. */
  private async resync(): Promise<void> {
    await this.threads.reload();
    const open = this.chat.current;
    if (open && this.threads.get(open)) await this.chat.open(open);
    else if (open) this.chat.close();
    this.refreshOverview.request();
  }

  private connect(): void {
    const source = new EventSource('/inspector/api/live');
    this.source = source;
    source.addEventListener('open', () => this.setLive('live', 'Live'));
    source.addEventListener('chat', (e) =>
      this.onChat(JSON.parse((e as MessageEvent<string>).data) as ChatEventView[]),
    );
    source.addEventListener('delivery', (e) =>
      this.feed.delivered(JSON.parse((e as MessageEvent<string>).data) as DeliveryOutcomeView[]),
    );
    source.addEventListener('state', (e) => {
      this.showOverview(JSON.parse((e as MessageEvent<string>).data) as Overview);
      // Read receipts and member changes have no event of their own: look again when the counts move.
      if (this.chat.current) this.refreshDetail.request();
    });
    source.addEventListener('resync', () => void this.resync());
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CONNECTING) {
        this.setLive('reconnecting', 'Reconnecting…');
        return;
      }
      // Refused (the session ended: the emulator restarted) or gone: find out which, then try again.
      source.close();
      void getJson<Overview>('overview').then(
        () => {
          this.setLive('reconnecting', 'Reconnecting…');
          window.setTimeout(() => this.connect(), 2000);
        },
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 401) {
            this.setLive(
              'ended',
              'Session ended: open the Inspector URL the emulator printed at start (it changes on every start).',
            );
          } else {
            this.setLive('reconnecting', 'Emulator not reachable; retrying…');
            window.setTimeout(() => this.connect(), 3000);
          }
        },
      );
    });
  }

  private onChat(events: ChatEventView[]): void {
    this.feed.add(events);
    this.refreshThreads.request();
    const open = this.chat.current;
    if (open && events.some((e) => e.threadId === open)) {
      this.refreshMessages.request();
      if (events.some((e) => e.threadId === open && !e.type.startsWith('ChatMessage'))) this.refreshDetail.request();
    }
  }

  private setLive(state: 'live' | 'reconnecting' | 'ended', text: string): void {
    this.live.dataset['state'] = state;
    this.live.textContent = text;
    if (state === 'ended') this.source?.close();
  }

  private problem(err: unknown): void {
    if (err instanceof ApiError && err.status === 401) {
      this.setLive(
        'ended',
        'Session ended: open the Inspector URL the emulator printed at start (it changes on every start).',
      );
      return;
    }
    byId('page-status').textContent = `Could not update: ${err instanceof Error ? err.message : String(err)}`;
  }
}

void new App().start().catch((err: unknown) => {
  byId('page-status').textContent =
    `The inspector could not start: ${err instanceof Error ? err.message : String(err)}`;
});
