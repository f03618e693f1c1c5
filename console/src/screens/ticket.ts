import type { App } from '../app';
import { alertRegion, facts, fill, formatTime, h } from '../dom';
import type { Ticket, TicketMessage } from '../types';

const REFRESH_MS = 3_000;

/** One feedback ticket: its messages (notes marked, redactions shown as redacted), the customer, the Intercom link. */
export async function ticketScreen(app: App, main: HTMLElement, params: Record<string, string>): Promise<void> {
  const productId = params.productId!;
  const ticketId = params.ticketId!;
  const path = `/products/${encodeURIComponent(productId)}`;
  const alert = alertRegion();
  const heading = h('h1', {}, 'Feedback ticket');
  const body = h('div', {});
  main.append(h('p', { class: 'crumb' }, app.link(`${path}/feedback`, `← ${app.productName(productId)}: feedback inbox`)), heading, alert.element, body);

  let shown = '';
  const load = async () => {
    let ticket: Ticket;
    try {
      ticket = await app.api<Ticket>('GET', `${path}/feedback/${encodeURIComponent(ticketId)}`);
    } catch (error) {
      if (app.isCurrent()) alert.show(error);
      return;
    }
    if (!app.isCurrent()) return;
    alert.clear();
    const fingerprint = JSON.stringify(ticket);
    if (fingerprint === shown) return;
    shown = fingerprint;
    fill(heading, ticket.title);
    const customer = ticket.customer;
    fill(
      body,
      h('section', { class: 'card', 'aria-labelledby': 'about-heading' },
        h('h2', { id: 'about-heading' }, 'About'),
        facts([
          ['Customer', customer ? [customer.name ?? 'No name', customer.email ? ` <${customer.email}>` : null, h('span', { class: 'hint' }, ` contact ${customer.contactId}`)] : 'Unknown'],
          ['Status', ticket.status],
          ['Created', formatTime(ticket.createdAt)],
          ['Updated', formatTime(ticket.updatedAt)],
          ['Intercom', ticket.intercom.deletedAt
            ? `Conversation ${ticket.intercom.conversationId} was deleted in Intercom (${formatTime(ticket.intercom.deletedAt)}).`
            : h('a', { href: ticket.intercom.url, target: '_blank', rel: 'noopener' }, `Open conversation ${ticket.intercom.conversationId} in Intercom`)],
        ]),
      ),
      h('section', { 'aria-labelledby': 'messages-heading' },
        h('h2', { id: 'messages-heading' }, `Messages (${ticket.messages.length})`),
        h('ol', { class: 'messages' }, ticket.messages.map(messageItem)),
      ),
    );
  };

  await load();
  app.every(REFRESH_MS, load);
}

function messageItem(message: TicketMessage): HTMLLIElement {
  const who = message.author.name ?? message.author.email ?? (message.author.type ? `(${message.author.type})` : 'Unknown');
  return h('li', { class: `message ${message.kind}${message.redacted ? ' redacted' : ''}` },
    h('p', { class: 'meta' },
      h('strong', {}, who),
      message.author.type ? h('span', { class: 'hint' }, ` ${message.author.type}`) : null,
      ' · ', formatTime(message.createdAt),
      message.kind === 'note' ? h('span', { class: 'badge note' }, 'Note') : null,
      message.redacted ? h('span', { class: 'badge off' }, 'Redacted') : null,
    ),
    message.redacted ? h('p', { class: 'body redacted-text' }, 'This message was redacted in Intercom.') : h('p', { class: 'body' }, message.body),
  );
}
