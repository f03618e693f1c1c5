/*
 * Renders a Canvas Kit canvas (the inbox app's card, as the API answers it) for display only: the
 * components lib/canvas/canvases.ts uses (text, list, dropdown, input, button, divider, spacer).
 * Nothing in it submits: the controls are disabled and the buttons say "preview".
 */
import { h } from './dom';
import type { CanvasPreview } from './types';

type Component = CanvasPreview['canvas']['content']['components'][number];

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Canvas Kit text is Markdown; the service only escapes characters with a backslash, shown here as typed. */
const unescape = (value: unknown): string => str(value).replace(/\\(.)/g, '$1');

/** The canvas's components as elements; `prefix` keeps the ids of its controls unique on the page. */
export function renderCanvas(canvas: CanvasPreview, prefix: string): HTMLElement {
  const components = canvas.canvas.content.components;
  return h('div', { class: 'canvas' }, components.map((component, index) => renderComponent(component, `${prefix}-${index}`)));
}

function renderComponent(component: Component, id: string): Node {
  switch (component.type) {
    case 'text': {
      const style = str(component.style) || 'paragraph';
      return style === 'header' ? h('h3', { class: 'canvas-header' }, unescape(component.text)) : h('p', { class: `canvas-text ${style}` }, unescape(component.text));
    }
    case 'list': {
      const items = Array.isArray(component.items) ? (component.items as Array<Record<string, unknown>>) : [];
      return h('ul', { class: 'canvas-list' }, items.map((item) => {
        const action = item.action as { type?: string; url?: string } | undefined;
        const title = action?.type === 'url' && action.url ? h('a', { href: action.url }, str(item.title)) : h('strong', {}, str(item.title));
        return h('li', {}, title, item.subtitle ? h('span', { class: 'hint' }, ` ${str(item.subtitle)}`) : null);
      }));
    }
    case 'dropdown': {
      const options = Array.isArray(component.options) ? (component.options as Array<Record<string, unknown>>) : [];
      return h('div', { class: 'field' },
        h('label', { for: id }, str(component.label)),
        h('select', { id, disabled: true }, options.map((option) => h('option', { value: str(option.id) }, str(option.text)))),
      );
    }
    case 'input':
      return h('div', { class: 'field' },
        h('label', { for: id }, str(component.label)),
        h('input', { type: 'text', id, disabled: true, placeholder: str(component.placeholder) || null }),
      );
    case 'button':
      return h('button', { type: 'button', class: str(component.style) === 'secondary' ? 'secondary' : null, disabled: true },
        str(component.label), h('span', { class: 'preview-tag' }, ' (preview)'));
    case 'divider':
      return h('hr', { class: 'canvas-divider' });
    case 'spacer':
      return h('div', { class: `canvas-spacer ${str(component.size) || 's'}`, 'aria-hidden': 'true' });
    default:
      return h('p', { class: 'hint' }, `(A “${component.type}” component, which this preview does not show.)`);
  }
}
