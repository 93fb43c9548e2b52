/**
 * Building the page from API answers. Text from the API only ever goes in as text nodes, never as
 * markup, so a job name or a reason cannot inject anything into the console.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | boolean | ((event: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(typeof child === 'number' ? String(child) : child);
  return el;
}

export interface TableOptions {
  /** Column widths (CSS lengths or percentages): the table then fills the page with a fixed layout, so long cells cannot widen it. */
  widths?: string[];
}

export function table(caption: string, headers: string[], rows: Child[][], options: TableOptions = {}): HTMLTableElement {
  const fixedLayout = options.widths !== undefined;
  return h(
    'table',
    { class: fixedLayout ? 'fill' : undefined },
    h('caption', {}, caption),
    fixedLayout ? h('colgroup', {}, ...options.widths!.map((w) => h('col', { style: `width: ${w}` }))) : null,
    h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  );
}

/**
 * An identifier (a job or upload id, a column, an organization): kept on one line, never broken
 * inside; where the space is too narrow it ends in an ellipsis and the whole id is in its tooltip.
 */
export function ident(text: string, tag: 'span' | 'code' = 'span'): HTMLElement {
  return h(tag, { class: 'ident', title: text, 'data-ident': '' }, text);
}

/** Several identifiers that wrap between one another, never inside one. */
export function identList(items: string[], label?: string): HTMLElement {
  if (!items.length) return h('span', {}, '—');
  return h('ul', { class: 'ident-list', 'aria-label': label }, ...items.map((x) => h('li', {}, ident(x))));
}

/**
 * A message tied to the control that caused it, read out when it changes: errors from an action
 * belong next to its button, not in a status line far above it.
 */
export function inlineMessage(): { element: HTMLElement; say: (message: string, kind?: 'info' | 'error') => void } {
  const element = h('p', { class: 'inline-message', 'aria-live': 'assertive' });
  return {
    element,
    say: (message, kind = 'info') => {
      element.textContent = message;
      element.className = `inline-message ${message ? kind : ''}`.trim();
    },
  };
}

/** Says something in the status line that screen readers announce; errors get the alert style. */
export function announce(message: string, kind: 'info' | 'error' = 'info'): void {
  const status = document.getElementById('status')!;
  status.textContent = message;
  status.className = kind;
  // An error interrupts (alert); anything else waits its turn (status).
  status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

export const fixed = (x: number | undefined, digits = 4): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
export const count = (n: number | null, k: number): string => (n === null ? `fewer than ${k}` : String(n));
export const when = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** Lets the browser save text the console fetched with the token, as a file. */
export function download(name: string, type: string, body: string): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
