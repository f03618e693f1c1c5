import type { App } from '../app';
import { alertRegion, facts, fill, formatTime, h, toggle } from '../dom';
import type { ProductFeedback, ProductFeedbackBody, Tag, TagList } from '../types';

/** Product settings → Feedback → Intercom: the switch and the trigger tags, fed live from Intercom. */
export async function productSettingsScreen(app: App, main: HTMLElement, params: Record<string, string>): Promise<void> {
  const productId = params.productId!;
  const path = `/products/${encodeURIComponent(productId)}`;
  const alert = alertRegion();
  const notice = h('p', { class: 'notice', 'aria-live': 'polite' });
  const summary = h('div', { 'aria-live': 'polite' });
  const tagBox = h('div', { class: 'tags', 'aria-live': 'polite', 'aria-busy': 'true' }, 'Loading Intercom’s tags…');
  main.append(
    h('h1', {}, `${app.productName(productId)}: feedback settings`),
    h('p', { class: 'lead' }, 'Turn Intercom feedback on and choose the tags that send a conversation to ', app.link(`${path}/feedback`, 'this product’s inbox'), '. Only tags applied after switching on count.'),
    alert.element,
    notice,
  );
  const loading = h('p', { class: 'hint', 'aria-live': 'polite' }, 'Loading the product’s settings…');
  main.append(loading);

  let settings: ProductFeedback;
  try {
    settings = await app.api<ProductFeedback>('GET', `${path}/intercom-feedback`);
  } catch (error) {
    alert.show(error);
    return;
  } finally {
    loading.remove();
  }
  if (!app.isCurrent()) return;

  let tags: Tag[] = [];
  let tagsFailed = false;
  const chosen = new Set(settings.triggerTagIds);
  const renderSummary = () =>
    fill(summary, facts([
      ['Feedback', settings.enabled ? 'On' : 'Off'],
      ['On since', formatTime(settings.enabledAt)],
      ['Trigger tags', settings.triggerTagIds.length === 0 ? 'none' : settings.triggerTagIds.map((id) => tags.find((tag) => tag.id === id)?.name ?? id).join(', ')],
    ]));

  const renderTags = () => {
    tagBox.setAttribute('aria-busy', 'false');
    // Saved tag ids Intercom no longer lists stay visible, so they can be unticked.
    const known = new Set(tags.map((tag) => tag.id));
    const shown = [...tags, ...[...chosen].filter((id) => !known.has(id)).map((id) => ({ id, name: `${id} (not in Intercom)` }))];
    fill(
      tagBox,
      shown.length === 0
        ? h('p', {}, tagsFailed ? 'Intercom’s tags could not be read (the reason is above).' : 'Intercom has no tags yet: add them in Intercom under Data → Tags, then refresh.')
        : h('ul', { class: 'tag-list' }, shown.map((tag) => {
            const id = `tag-${tag.id}`;
            const box = h('input', { type: 'checkbox', id, value: tag.id, checked: chosen.has(tag.id) });
            box.addEventListener('change', () => (box.checked ? chosen.add(tag.id) : chosen.delete(tag.id)));
            return h('li', {}, box, h('label', { for: id }, tag.name));
          })),
    );
  };

  const loadTags = async () => {
    tagBox.setAttribute('aria-busy', 'true');
    try {
      tags = (await app.api<TagList>('GET', '/intercom/tags')).tags;
      tagsFailed = false;
    } catch (error) {
      tagsFailed = true;
      alert.show(error);
    }
    if (!app.isCurrent()) return;
    renderTags();
    renderSummary();
  };

  const enabled = toggle({ id: 'feedback-enabled', label: 'Intercom feedback', checked: settings.enabled, onChange: () => undefined });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const save = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
        alert.clear();
        fill(notice, '');
        save.disabled = true;
        try {
          const body: ProductFeedbackBody = { enabled: enabled.input.checked, triggerTagIds: [...chosen] };
          settings = await app.api<ProductFeedback>('PUT', `${path}/intercom-feedback`, body);
          renderTags(); // unticked tags that Intercom no longer has leave the list
          renderSummary();
          fill(notice, `Saved: feedback is ${settings.enabled ? 'on' : 'off'}.`);
        } catch (error) {
          alert.show(error);
        } finally {
          save.disabled = false;
        }
      },
    },
    h('h2', { id: 'feedback-heading' }, 'Intercom'),
    enabled.element,
    h('fieldset', {}, h('legend', {}, 'Trigger tags'), tagBox),
    h('div', { class: 'row' },
      h('button', { type: 'submit' }, 'Save'),
      h('button', { type: 'button', class: 'secondary', onclick: () => void loadTags() }, 'Refresh tags'),
    ),
  );
  form.setAttribute('aria-labelledby', 'feedback-heading');
  main.append(form, h('section', { class: 'card', 'aria-labelledby': 'saved-heading' }, h('h2', { id: 'saved-heading' }, 'Saved settings'), summary));
  renderSummary();
  await loadTags();
}
