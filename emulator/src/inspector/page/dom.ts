/** Small DOM helpers: every text goes in as text (never as HTML), so chat content cannot inject markup. */

type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** `h('button', { class: 'x', onclick: f }, 'Text')`: attributes (`on…` are listeners), then children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/** `12:04:05` for today, `3 Mar 12:04` before; the full time goes in `title`. */
export function timeEl(isoTime: string, className = 'time'): HTMLTimeElement {
  const d = new Date(isoTime);
  const today = new Date().toDateString() === d.toDateString();
  const text = today
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return h('time', { class: className, datetime: isoTime, title: d.toLocaleString() }, text);
}

/** A key/value list (`<dl>`), skipping empty values. */
export function definitions(rows: [string, Child][]): HTMLDListElement {
  const dl = h('dl', { class: 'props' });
  for (const [k, v] of rows) {
    if (v === undefined || v === null || v === false || v === '') continue;
    dl.append(h('dt', {}, k), h('dd', {}, v));
  }
  return dl;
}

/**
 * Keeps `container`'s children in the order of `keys`, reusing the element of each key while its signature is
 * unchanged: updates do not rebuild what did not change (focus and open details survive).
 */
export class KeyedList<T> {
  private readonly rendered = new Map<string, { el: HTMLElement; signature: string }>();

  constructor(
    private readonly container: HTMLElement,
    private readonly key: (item: T) => string,
    private readonly signature: (item: T) => string,
    private readonly render: (item: T) => HTMLElement,
  ) {}

  update(items: readonly T[]): void {
    const seen = new Set<string>();
    let index = 0;
    for (const item of items) {
      const key = this.key(item);
      seen.add(key);
      const signature = this.signature(item);
      let entry = this.rendered.get(key);
      if (!entry || entry.signature !== signature) {
        const el = this.render(item);
        el.dataset['key'] = key;
        if (entry) {
          // keep an open <details> open across re-renders
          const open = entry.el.querySelector('details')?.open ?? false;
          const details = el.querySelector('details');
          if (open && details) details.open = true;
          entry.el.replaceWith(el);
        }
        entry = { el, signature };
        this.rendered.set(key, entry);
      }
      const at = this.container.children[index];
      if (at !== entry.el) this.container.insertBefore(entry.el, at ?? null);
      index++;
    }
    for (const [key, entry] of this.rendered) {
      if (seen.has(key)) continue;
      entry.el.remove();
      this.rendered.delete(key);
    }
  }

  clear(): void {
    this.rendered.clear();
    clear(this.container);
  }
}
