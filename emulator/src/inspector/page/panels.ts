/** The side panels (people, events, faults, calls) and the counts in the header. */
import type { ChatEventView, DeliveryOutcomeView, FaultRuleView, Overview, ThreadDetail, WebhookView } from '../views';
import { ApiError, sendJson } from './api.js';
import { byId, clear, h, KeyedList, timeEl } from './dom.js';
import { nameOf, shortId } from './people.js';

/** ARIA tabs: click, or arrow keys / Home / End on the tab list. */
export function setUpTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const choose = (tab: HTMLButtonElement, focus: boolean): void => {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute('aria-selected', String(selected));
      t.tabIndex = selected ? 0 : -1;
      const panel = byId(t.getAttribute('aria-controls') ?? '');
      panel.hidden = !selected;
    }
    if (focus) tab.focus();
  };
  for (const tab of tabs) {
    tab.addEventListener('click', () => choose(tab, false));
    tab.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(tab);
      const next =
        e.key === 'ArrowRight'
          ? tabs[(i + 1) % tabs.length]
          : e.key === 'ArrowLeft'
            ? tabs[(i + tabs.length - 1) % tabs.length]
            : e.key === 'Home'
              ? tabs[0]
              : e.key === 'End'
                ? tabs[tabs.length - 1]
                : undefined;
      if (next) {
        e.preventDefault();
        choose(next, true);
      }
    });
  }
  const first = tabs[0];
  if (first) choose(first, false);
}

export function showCounts(o: Overview): void {
  const counts = byId('counts');
  clear(counts);
  const item = (label: string, value: number | string, extra = ''): HTMLElement =>
    h('div', { class: `count ${extra}` }, h('dt', {}, label), h('dd', {}, value));
  counts.append(
    item('Users', o.counts.users),
    item('Threads', o.counts.threads),
    item('Messages', o.counts.messages),
    item('Participants', o.counts.participants),
  );
  if (o.faults.length > 0) counts.append(item('Faults', o.faults.length, 'count--alert'));
  if (o.throttling) counts.append(item('Throttling', 'on', 'count--alert'));
}

/** Members, former members and read receipts of the open thread. */
export function showPeople(
  d: ThreadDetail | undefined,
  messagePreview: (messageId: string) => string | undefined,
): void {
  const panel = byId('people');
  clear(panel);
  if (!d) {
    panel.append(h('p', { class: 'muted' }, 'Select a thread to see its participants and read receipts.'));
    return;
  }
  const receipts = new Map(d.receipts.map((r) => [r.userId, r]));
  panel.append(h('h3', {}, `Participants (${d.participants.length})`));
  const ul = h('ul', { class: 'people' });
  for (const p of d.participants) {
    const r = receipts.get(p.id);
    const read = r ? messagePreview(r.messageId) : undefined;
    ul.append(
      h(
        'li',
        { class: 'person' },
        h('span', { class: 'person-name' }, p.displayName || nameOf(p.id)),
        p.id === d.createdBy ? h('span', { class: 'badge' }, 'creator') : null,
        h('code', { class: 'person-id' }, p.id),
        new Date(p.shareHistoryTime).getTime() > 0
          ? h('span', { class: 'muted' }, 'sees history from ', timeEl(p.shareHistoryTime))
          : null,
        r
          ? h(
              'span',
              { class: 'person-read' },
              'last read ',
              timeEl(r.readOn),
              read ? ` · “${read}”` : ` · message ${r.messageId}`,
            )
          : h('span', { class: 'muted' }, 'no read receipt'),
        p.metadata && Object.keys(p.metadata).length > 0
          ? h(
              'span',
              { class: 'muted' },
              `metadata: ${Object.entries(p.metadata)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}`,
            )
          : null,
      ),
    );
  }
  panel.append(ul);
  if (d.former.length > 0) {
    panel.append(h('h3', {}, `Former participants (${d.former.length})`));
    const former = h('ul', { class: 'people' });
    for (const f of d.former) {
      former.append(
        h(
          'li',
          { class: 'person' },
          h('span', { class: 'person-name' }, nameOf(f.id)),
          h('code', { class: 'person-id' }, f.id),
          h('span', { class: 'muted' }, 'removed ', timeEl(f.removedOn), ' · still reads the history before that'),
        ),
      );
    }
    panel.append(former);
  }
}

const STATUS_TEXT: Record<DeliveryOutcomeView['kind'], string> = {
  delivered: 'delivered',
  duplicate: 'delivered again',
  retrying: 'retrying',
  deadLettered: 'dead-lettered',
  validated: 'validated',
  validationFailed: 'handshake failed',
};

/** The live event feed: each chat event with its delivery status per webhook. */
export class EventFeed {
  private readonly events: ChatEventView[] = [];
  private readonly outcomes = new Map<string, Map<string, DeliveryOutcomeView>>();
  private overview: Overview | undefined;
  private readonly list: KeyedList<ChatEventView>;
  private static readonly MAX = 200;

  constructor(
    private readonly topicOf: (threadId: string) => string | undefined,
    private readonly openThread: (threadId: string) => void,
  ) {
    this.list = new KeyedList(
      byId('event-list'),
      (e) => e.id,
      (e) => `${this.signatureOf(e.id)}|${this.overview?.webhooks.length ?? 0}|${this.topicOf(e.threadId) ?? ''}`,
      (e) => this.render(e),
    );
  }

  add(events: readonly ChatEventView[]): void {
    for (const e of events) if (!this.events.some((x) => x.id === e.id)) this.events.unshift(e);
    this.events.splice(EventFeed.MAX);
    this.show();
  }

  delivered(outcomes: readonly DeliveryOutcomeView[]): void {
    for (const o of outcomes) {
      if (!o.eventId) continue;
      let perWebhook = this.outcomes.get(o.eventId);
      if (!perWebhook) this.outcomes.set(o.eventId, (perWebhook = new Map()));
      if (o.kind !== 'duplicate' || !perWebhook.has(o.webhook)) perWebhook.set(o.webhook, o);
    }
    if (this.outcomes.size > EventFeed.MAX * 4) {
      const keep = new Set(this.events.map((e) => e.id));
      for (const id of this.outcomes.keys()) if (!keep.has(id)) this.outcomes.delete(id);
    }
    this.show();
  }

  setOverview(o: Overview): void {
    this.overview = o;
    this.showWebhooks(o);
    this.show();
  }

  private signatureOf(eventId: string): string {
    return [...(this.outcomes.get(eventId)?.values() ?? [])].map((o) => `${o.webhook}:${o.kind}:${o.attempt}`).join();
  }

  private show(): void {
    this.list.update(this.events);
    byId('events-empty').hidden = this.events.length > 0;
  }

  private showWebhooks(o: Overview): void {
    const box = byId('webhooks');
    clear(box);
    if (o.webhooks.length === 0) {
      box.append(
        h(
          'p',
          { class: 'muted' },
          'No webhook is configured: events are published but go nowhere. Start the emulator with --event-webhook URL (npm start does it for the app).',
        ),
      );
      return;
    }
    box.append(h('h3', {}, `Webhooks (${o.webhooks.length})`));
    const list = h('ul', { class: 'webhooks' });
    for (const w of o.webhooks) {
      const counts: [string, number | undefined, string][] = [
        ['pending', w.pending, ''],
        ['retrying', w.retrying, 'warn'],
        ['delivered', w.delivered, 'ok'],
        ['dead-lettered', w.deadLettered, 'bad'],
      ];
      const known = counts.filter(([, n]) => n !== undefined);
      list.append(
        h(
          'li',
          { class: 'webhook' },
          h('span', { class: 'webhook-name' }, w.name),
          h('code', { class: 'webhook-url' }, w.url),
          known.length > 0
            ? h(
                'span',
                { class: 'webhook-counts' },
                ...known.map(([label, n, tone]) =>
                  h('span', { class: `stat${n && tone ? ` stat--${tone}` : ''}` }, h('b', {}, n), ` ${label}`),
                ),
              )
            : null,
          this.webhookState(w),
        ),
      );
    }
    box.append(list);
  }

  private webhookState(w: WebhookView): HTMLElement | null {
    const bits = [
      w.validation && w.validation !== 'validated' ? `handshake ${w.validation}` : '',
      w.lastOutcome ? `last: ${w.lastOutcome}` : '',
    ].filter(Boolean);
    return bits.length > 0 ? h('span', { class: 'muted webhook-state' }, bits.join(' · ')) : null;
  }

  private render(e: ChatEventView): HTMLElement {
    const topic = this.topicOf(e.threadId);
    const chips = h('span', { class: 'chips' });
    const outcomes = this.outcomes.get(e.id);
    for (const w of this.overview?.webhooks ?? []) {
      const o = outcomes?.get(w.name);
      const kind = o?.kind ?? 'pending';
      const detail = o
        ? [
            o.attempt ? `attempt ${o.attempt}` : '',
            o.status ? `HTTP ${o.status}` : '',
            o.error ?? '',
            o.reason ?? '',
            o.nextAttemptAt ? `next ${new Date(o.nextAttemptAt).toLocaleTimeString()}` : '',
          ]
            .filter(Boolean)
            .join(', ')
        : 'not delivered yet';
      // the status code (or connection error) in the chip; everything else in its title
      const why =
        o && (o.kind === 'retrying' || o.kind === 'deadLettered')
          ? o.status
            ? ` · ${o.status}`
            : o.error
              ? ` · ${o.error}`
              : ''
          : '';
      chips.append(
        h(
          'span',
          { class: `chip chip--${kind}`, title: detail },
          `${w.name}: ${o ? STATUS_TEXT[o.kind] : 'pending'}${why}`,
        ),
      );
    }
    const who = e.actorName || (e.actorId ? nameOf(e.actorId) : '');
    return h(
      'li',
      { class: 'event' },
      h(
        'div',
        { class: 'event-line' },
        timeEl(e.time),
        h('span', { class: 'event-type' }, e.type.replace(/^Chat/, '')),
      ),
      h(
        'div',
        { class: 'event-line' },
        h(
          'button',
          { type: 'button', class: 'link', onclick: () => this.openThread(e.threadId), title: e.threadId },
          topic ?? shortId(e.threadId),
        ),
        who || e.detail ? h('span', { class: 'event-detail' }, [who, e.detail].filter(Boolean).join(': ')) : null,
      ),
      chips.childElementCount > 0 ? chips : null,
    );
  }
}

function describeFault(f: FaultRuleView): string {
  const op = !f.operation || f.operation === '*' ? 'every operation' : f.operation;
  const how = [
    f.rate !== undefined && f.rate < 1 ? `${Math.round(f.rate * 100)}% of calls` : '',
    f.remaining !== undefined ? `${f.remaining} more time${f.remaining === 1 ? '' : 's'}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  switch (f.kind) {
    case 'status':
      return `HTTP ${f.status} on ${op}${f.retryAfterSeconds !== undefined ? ` (Retry-After ${f.retryAfterSeconds} s)` : ''}${how ? ` · ${how}` : ''}`;
    case 'latency':
      return `${f.latencyMs} ms delay on ${op}${how ? ` · ${how}` : ''}`;
    default:
      return `Add participants reports ${(f.userIds ?? []).map(shortId).join(', ')} as ${f.code ?? 'invalid'}`;
  }
}

/** Active faults (remove one, or all), throttling, and the form that adds a fault. */
export class FaultsPanel {
  private readonly status = byId('fault-status-line');
  private readonly form = byId<HTMLFormElement>('fault-form');
  private readonly kind = byId<HTMLSelectElement>('fault-kind');
  private readonly operation = byId<HTMLSelectElement>('fault-operation');
  private readonly throttling = byId<HTMLInputElement>('throttling');
  private operationsShown = false;

  constructor(private readonly changed: () => void) {
    this.kind.addEventListener('change', () => this.showKind());
    this.showKind();
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.add();
    });
    byId('clear-faults').addEventListener(
      'click',
      () => void this.act(() => sendJson('DELETE', 'faults'), 'All faults removed.'),
    );
    this.throttling.addEventListener('change', () => {
      const enabled = this.throttling.checked;
      void this.act(
        () => sendJson('PUT', 'throttling', { enabled }),
        enabled ? 'Throttling is on.' : 'Throttling is off.',
      );
    });
  }

  show(o: Overview): void {
    if (!this.operationsShown) {
      this.operationsShown = true;
      for (const op of o.operations) this.operation.append(h('option', { value: op }, op));
    }
    this.throttling.checked = o.throttling;
    const list = byId('fault-list');
    clear(list);
    for (const f of o.faults) {
      list.append(
        h(
          'li',
          { class: 'fault' },
          h('span', {}, describeFault(f)),
          h(
            'button',
            {
              type: 'button',
              class: 'small',
              'aria-label': `Remove fault: ${describeFault(f)}`,
              onclick: () =>
                void this.act(() => sendJson('DELETE', `faults/${encodeURIComponent(f.id)}`), 'Fault removed.'),
            },
            'Remove',
          ),
        ),
      );
    }
    byId('faults-empty').hidden = o.faults.length > 0;
    byId<HTMLButtonElement>('clear-faults').hidden = o.faults.length === 0;
  }

  private showKind(): void {
    for (const el of this.form.querySelectorAll<HTMLElement>('[data-kind]')) {
      const shown = (el.dataset['kind'] ?? '').split(' ').includes(this.kind.value);
      el.hidden = !shown;
      for (const input of el.querySelectorAll<HTMLInputElement>('input, textarea')) input.disabled = !shown;
    }
    this.operation.disabled = this.kind.value === 'invalidParticipant';
  }

  private value(id: string): string {
    return byId<HTMLInputElement>(id).value.trim();
  }

  /** The form as a fault spec; the server validates it and names the field at fault. */
  private spec(): Record<string, unknown> {
    const kind = this.kind.value;
    const spec: Record<string, unknown> = { kind };
    const num = (id: string): number | undefined => (this.value(id) === '' ? undefined : Number(this.value(id)));
    if (kind === 'invalidParticipant') {
      spec['userIds'] = this.value('fault-users').split(/\s+/).filter(Boolean);
      if (this.value('fault-code')) spec['code'] = this.value('fault-code');
      if (this.value('fault-message')) spec['message'] = this.value('fault-message');
      return spec;
    }
    spec['operation'] = this.operation.value;
    if (kind === 'status') {
      spec['status'] = num('fault-http-status');
      const retry = num('fault-retry');
      if (retry !== undefined) spec['retryAfterSeconds'] = retry;
    } else spec['latencyMs'] = num('fault-latency');
    const rate = num('fault-rate');
    if (rate !== undefined && rate !== 1) spec['rate'] = rate;
    const count = num('fault-count');
    if (count !== undefined) spec['count'] = count;
    return spec;
  }

  private async add(): Promise<void> {
    const spec = this.spec();
    await this.act(() => sendJson('POST', 'faults', spec), 'Fault added: it applies to the next matching call.');
  }

  private async act(call: () => Promise<unknown>, done: string): Promise<void> {
    try {
      await call();
      this.status.textContent = done;
      this.changed();
    } catch (err) {
      const field = err instanceof ApiError && err.problem.field ? ` (${err.problem.field})` : '';
      this.status.textContent = `Refused${field}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

/** Calls received per operation (GET /admin/state `calls`) and the delivery totals. */
export function showCalls(o: Overview): void {
  const box = byId('calls');
  clear(box);
  const rows = Object.entries(o.calls).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = rows.reduce((n, [, c]) => n + c, 0);
  if (rows.length === 0) box.append(h('p', { class: 'muted' }, 'No API call yet (since start or the last reset).'));
  else {
    const body = h('tbody');
    for (const [op, n] of rows) body.append(h('tr', {}, h('th', { scope: 'row' }, op), h('td', { class: 'num' }, n)));
    box.append(
      h(
        'table',
        { class: 'grid' },
        h('caption', {}, `API calls received: ${total}`),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, 'Operation'), h('th', { scope: 'col', class: 'num' }, 'Calls')),
        ),
        body,
      ),
    );
  }
  const d = o.eventDelivery;
  box.append(
    h(
      'p',
      { class: 'muted' },
      `Webhook deliveries: ${d.delivered} delivered, ${d.pending} pending, ${d.failed} failed.`,
    ),
  );
  box.append(h('p', { class: 'muted' }, `Resource id: `, h('code', {}, o.resourceId)));
}
