import type { App } from '../app';
import { alertRegion, facts, fill, formatTime, h } from '../dom';
import { renderCanvas } from '../canvas-preview';
import type { CanvasPreview, Ticket, TicketMessage, TicketSummary } from '../types';

const REFRESH_MS = 3_000;

/** One feedback ticket: its messages (notes marked, redactions shown as redacted), the customer, the Intercom link. */
export async function ticketScreen(app: App, main: HTMLElement, params: Record<string, string>): Promise<void> {
  const productId = params.productId!;
  const ticketId = params.ticketId!;
  const path = `/products/${encodeURIComponent(productId)}`;
  const alert = alertRegion();
  const heading = h('h1', {}, 'Feedback ticket');
  const body = h('div', {});
  // Outside `body`, which a refresh refills: an open preview stays open.
  const preview = h('div', {});
  main.append(h('p', { class: 'crumb' }, app.link(`${path}/feedback`, `← ${app.productName(productId)}: feedback inbox`)), heading, alert.element, body, preview);

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
    if (!preview.hasChildNodes()) fill(preview, previewSection(app, ticket.intercom.conversationId));
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
          ['Source', sourceText(ticket)],
          ...(ticket.sentBy ? [['Sent by', senderText(ticket.sentBy)] as [string, string]] : []),
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

/** How the ticket was made, as the inbox and the ticket say it. */
export function sourceText(ticket: Pick<TicketSummary, 'source'>): string {
  return ticket.source === 'inbox_app' ? 'Sent from the inbox app' : 'Tagged in Intercom';
}

/** The teammate who sent it: name and email, whichever Intercom gave. */
export function senderText(sender: NonNullable<TicketSummary['sentBy']>): string {
  if (sender.name && sender.email) return `${sender.name} <${sender.email}>`;
  return sender.name ?? sender.email ?? `Teammate ${sender.adminId}`;
}

/**
 * "Preview the inbox app": the card an agent sees in the Intercom inbox for this conversation,
 * rendered from the canvas the API's preview answers (the same JSON the inbox app answers).
 */
function previewSection(app: App, conversationId: string): HTMLElement {
  const alert = alertRegion();
  const region = h('div', { id: 'inbox-app-preview', role: 'group', 'aria-label': 'Inbox app preview', 'aria-describedby': 'inbox-app-preview-note', hidden: true });
  const button = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': 'inbox-app-preview' }, 'Preview the inbox app');
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-expanded') === 'true') {
      button.setAttribute('aria-expanded', 'false');
      region.hidden = true;
      return;
    }
    alert.clear();
    button.disabled = true;
    try {
      const query = new URLSearchParams({ conversationId });
      const canvas = await app.api<CanvasPreview>('GET', `/intercom/inbox-app/preview?${query}`);
      fill(region,
        h('p', { class: 'hint', id: 'inbox-app-preview-note' }, 'Preview: what an agent sees in this conversation’s details in the Intercom inbox. Nothing here sends anything.'),
        renderCanvas(canvas, 'inbox-app-preview'),
      );
      region.hidden = false;
      button.setAttribute('aria-expanded', 'true');
    } catch (error) {
      alert.show(error);
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'inbox-app-heading' },
    h('h2', { id: 'inbox-app-heading' }, 'Inbox app'),
    h('p', { class: 'hint' }, 'The card agents see for this conversation in the Intercom inbox: its tickets and the form that sends it to a product.'),
    button,
    alert.element,
    region,
  );
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
