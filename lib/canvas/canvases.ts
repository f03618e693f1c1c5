/*
 * The canvases the inbox app answers (Canvas Kit components: `text`, `list`, `dropdown`, `input`,
 * `button`, `divider`, `spacer`; FACTS §9.1). Pure: the same data gives the same JSON, which the
 * contract test checks against Canvas Kit's schema (tests/fixtures/intercom-canvas-kit-subset.json).
 */

export type Component = Record<string, unknown> & { type: string };

/** A Canvas Kit response: `{ canvas: { content: { components } } }`. */
export interface CanvasResponse {
  canvas: { content: { components: Component[] } };
}

/** Ids of the components whose values a submit carries. */
export const COMPONENT = {
  product: 'product',
  title: 'title',
  send: 'send',
  /** A send button for a workspace with one product carries its id: `send:<productId>`. */
  sendTo: 'send:',
  /** Back to the form, after a ticket was shown. */
  again: 'again',
} as const;

/** Canvas Kit's dropdown takes 2 to 10 options. */
export const DROPDOWN_MAX_OPTIONS = 10;

/** Intercom caps a canvas's content at 64 KB; text is cut well below, so a long list never reaches it. */
const TEXT_LIMIT = 200;
const LISTED_TICKETS_LIMIT = 20;

export interface ListedTicket {
  id: string;
  productName: string;
  title: string;
  url: string;
}

export interface ProductChoice {
  id: string;
  name: string;
}

export interface Notice {
  text: string;
  /** `error` for what went wrong, `muted` for what to do. */
  style: 'error' | 'muted' | 'paragraph';
}

const text = (value: string, style: 'header' | 'paragraph' | 'muted' | 'error' = 'paragraph'): Component => ({
  type: 'text',
  text: cut(value),
  style,
});

function cut(value: string): string {
  return value.length <= TEXT_LIMIT ? value : `${value.slice(0, TEXT_LIMIT - 1)}…`;
}

/** Markdown-safe: product names and titles are shown as typed. */
function plain(value: string): string {
  return value.replace(/([\\`*_[\]<>])/g, '\\$1');
}

function canvas(components: Component[]): CanvasResponse {
  return { canvas: { content: { components } } };
}

function ticketList(tickets: ListedTicket[]): Component[] {
  if (tickets.length === 0) return [text('This conversation is not in Timebook yet.', 'muted')];
  return [
    text('In Timebook', 'muted'),
    {
      type: 'list',
      items: tickets.slice(0, LISTED_TICKETS_LIMIT).map((ticket) => ({
        type: 'item',
        id: ticket.id,
        title: cut(ticket.productName),
        subtitle: cut(ticket.title),
        action: { type: 'url', url: ticket.url },
      })),
    },
  ];
}

function sendForm(products: ProductChoice[]): Component[] {
  const sorted = [...products].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const choice: Component[] =
    sorted.length === 1
      ? [text(`Product: ${plain(sorted[0]!.name)}`)]
      : [
          {
            type: 'dropdown',
            id: COMPONENT.product,
            label: 'Product',
            options: sorted.slice(0, DROPDOWN_MAX_OPTIONS).map((product) => ({ type: 'option', id: product.id, text: cut(product.name) })),
          },
          ...(sorted.length > DROPDOWN_MAX_OPTIONS ? [text(`The first ${DROPDOWN_MAX_OPTIONS} of ${sorted.length} products, by name.`, 'muted')] : []),
        ];
  return [
    ...choice,
    { type: 'input', id: COMPONENT.title, label: 'Title (optional)', placeholder: "The conversation's title or first message" },
    {
      type: 'button',
      id: sorted.length === 1 ? `${COMPONENT.sendTo}${sorted[0]!.id}` : COMPONENT.send,
      label: 'Send to Timebook',
      action: { type: 'submit' },
    },
  ];
}

/**
 * What the agent sees for a conversation: its tickets (each links to its Timebook page), then
 * either the form to send it to a product or, when it cannot be sent, a notice saying why and what
 * to do. A notice above the form (a product that went away, say) keeps the form.
 */
export function inboxCanvas(input: { tickets: ListedTicket[]; products: ProductChoice[]; notice?: Notice; blocked?: Notice }): CanvasResponse {
  const components: Component[] = [text('Timebook', 'header'), ...ticketList(input.tickets), { type: 'divider' }];
  if (input.blocked) return canvas([...components, text(input.blocked.text, input.blocked.style)]);
  if (input.notice) components.push(text(input.notice.text, input.notice.style));
  return canvas([...components, ...sendForm(input.products)]);
}

/** The answer to a send: the ticket, with its link, and a way back to the form. */
export function ticketCanvas(input: { ticket: ListedTicket; created: boolean }): CanvasResponse {
  const { ticket } = input;
  return canvas([
    text('Timebook', 'header'),
    text(input.created ? `Sent to ${plain(ticket.productName)}.` : `Already in ${plain(ticket.productName)}.`),
    {
      type: 'list',
      items: [{ type: 'item', id: ticket.id, title: cut(ticket.productName), subtitle: cut(ticket.title), action: { type: 'url', url: ticket.url } }],
    },
    { type: 'spacer', size: 's' },
    { type: 'button', id: COMPONENT.again, label: 'Send to another product', style: 'secondary', action: { type: 'submit' } },
  ]);
}

/** A canvas that only says something: a failure, and what the agent can do about it. */
export function noticeCanvas(notice: Notice, hint?: string): CanvasResponse {
  return canvas([text('Timebook', 'header'), text(notice.text, notice.style), ...(hint ? [text(hint, 'muted')] : [])]);
}
