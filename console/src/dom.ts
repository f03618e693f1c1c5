import { ApiError } from './api';

type Child = Node | string | number | null | undefined | false | Child[];
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * Builds an element: attributes (`on…` ones become listeners; `true` sets a bare attribute, and
 * `false`, null or undefined leave it out) and children (text is always text, never markup).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else if (child !== null && child !== undefined && child !== false) parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

/** An ISO-8601 time as `2026-01-05 10:04 UTC`, the same in every time zone (stable screenshots), or a dash. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * A region for the API's errors (role="alert", so a screen reader says it at once). `show` puts an
 * error there as the API words it: its message, its code, and the missing permissions or unknown
 * tag ids it lists.
 */
export function alertRegion(): { element: HTMLElement; show(error: unknown): void; clear(): void } {
  const element = h('div', { role: 'alert', class: 'alert', hidden: true });
  return {
    element,
    show(error: unknown) {
      const api = error instanceof ApiError ? error : new ApiError(0, 'console_error', (error as Error)?.message ?? String(error));
      const missing = Array.isArray(api.details.missing) ? api.details.missing : [];
      fill(
        element,
        h('p', {}, h('strong', {}, api.message), ' ', h('code', { class: 'error-code' }, api.code)),
        missing.length > 0
          ? [h('p', {}, 'Missing permissions:'), h('ul', { class: 'missing' }, missing.map((name) => h('li', {}, name)))]
          : null,
      );
      element.hidden = false;
    },
    clear() {
      element.replaceChildren();
      element.hidden = true;
    },
  };
}

/**
 * A switch: a checkbox with role="switch" and its label, which a keyboard toggles with Space.
 */
export function toggle(options: { id: string; label: string; checked: boolean; disabled?: boolean; onChange(checked: boolean): void }) {
  const input = h('input', {
    type: 'checkbox',
    role: 'switch',
    id: options.id,
    checked: options.checked,
    disabled: options.disabled ?? false,
  });
  input.addEventListener('change', () => options.onChange(input.checked));
  return { input, element: h('div', { class: 'switch' }, input, h('label', { for: options.id }, options.label)) };
}

/** A definition list of label/value rows. */
export function facts(rows: Array<[string, Child]>): HTMLDListElement {
  return h('dl', { class: 'facts' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}
