import type { App } from '../app';
import { alertRegion, fill, formatTime, h } from '../dom';
import type { Inbox } from '../types';
import { senderText, sourceText } from './ticket';

const PAGE_SIZE = 20;
/** How often the open page asks for new tickets. */
export const INBOX_REFRESH_MS = 2_000;

/** Product → Feedback inbox: tickets newest first, paged with the API's cursor, refreshing by itself. */
export async function inboxScreen(app: App, main: HTMLElement, params: Record<string, string>): Promise<void> {
  const productId = params.productId!;
  const path = `/products/${encodeURIComponent(productId)}`;
  const alert = alertRegion();
  const count = h('p', { class: 'hint', 'aria-live': 'polite' });
  const list = h('div', {});
  const pager = h('div', { class: 'row pager' });
  main.append(
    h('h1', {}, `${app.productName(productId)}: feedback inbox`),
    h('p', { class: 'lead' }, 'Tickets from Intercom conversations tagged with a trigger tag (', app.link(`${path}/settings`, 'feedback settings'), ') or sent from the inbox app. New ones appear here by themselves.'),
    alert.element,
    count,
    list,
    pager,
  );

  // The cursors of the pages before this one; the first page has none.
  const cursors: Array<string | undefined> = [undefined];
  let shown = '';
  let page: Inbox | undefined;

  const load = async () => {
    const cursor = cursors[cursors.length - 1];
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
    try {
      const answer = await app.api<Inbox>('GET', `${path}/feedback?${query}`);
      if (!app.isCurrent()) return;
      alert.clear();
      page = answer;
    } catch (error) {
      if (app.isCurrent()) alert.show(error);
      return;
    }
    // Unchanged answers leave the list (and the keyboard focus in it) alone.
    const fingerprint = JSON.stringify(page);
    if (fingerprint === shown) return;
    shown = fingerprint;
    render(page);
  };

  const render = (inbox: Inbox) => {
    const number = cursors.length;
    fill(count, inbox.tickets.length === 0 && number === 1 ? 'No tickets yet.' : `Page ${number}: ${inbox.tickets.length} ticket${inbox.tickets.length === 1 ? '' : 's'}.`);
    fill(
      list,
      inbox.tickets.length === 0
        ? null
        : h('ol', { class: 'tickets', 'aria-label': 'Tickets, newest first' }, inbox.tickets.map((ticket) =>
            h('li', { class: 'ticket' },
              h('h2', {}, app.link(`${path}/feedback/${encodeURIComponent(ticket.id)}`, ticket.title)),
              h('p', { class: 'meta' },
                ticket.customer ? (ticket.customer.name ?? ticket.customer.email ?? ticket.customer.contactId) : 'Unknown customer',
                ' · ', formatTime(ticket.createdAt),
                ' · ', sourceText(ticket), ticket.sentBy ? ` by ${senderText(ticket.sentBy)}` : null,
                ticket.intercom.deletedAt ? ' · deleted in Intercom' : null),
              ticket.excerpt ? h('p', { class: 'excerpt' }, ticket.excerpt) : null,
            ))),
    );
    fill(
      pager,
      cursors.length > 1
        ? h('button', { type: 'button', class: 'secondary', onclick: () => { cursors.pop(); void load(); } }, 'Previous page')
        : null,
      inbox.nextCursor
        ? h('button', { type: 'button', class: 'secondary', onclick: () => { cursors.push(inbox.nextCursor!); void load(); } }, 'Next page')
        : null,
    );
  };

  await load();
  app.every(INBOX_REFRESH_MS, load);
}
