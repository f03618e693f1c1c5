import { createHash } from 'node:crypto';
import {
  firstMessage,
  partsOf,
  type IntercomAuthor,
  type IntercomConversation,
  type IntercomConversationPart,
} from '../intercom/conversation.schema';
import { toPlainText } from '../intercom/plain-text';
import { inboxOrigin, type IntercomRegion } from '../intercom/regions';

export interface TicketMessage {
  /** Intercom's part id (the source's id for the first message); never changes. */
  id: string;
  author: { type: string | null; name: string | null; email: string | null };
  kind: 'message' | 'note';
  body: string;
  createdAt: string;
  redacted: boolean;
}

/**
 * Where a ticket's title came from, so a redaction of that message also blanks the title. `sender`:
 * typed by the teammate who sent the conversation from the inbox app.
 */
export type TitleSource = { kind: 'conversation' } | { kind: 'message'; messageId: string } | { kind: 'fallback' } | { kind: 'sender' };

/** How a ticket was made: a trigger tag, or a teammate's send from the inbox app. */
export type TicketSource = 'tag' | 'inbox_app';

/** The teammate who sent a conversation from the inbox app. */
export interface TicketSender {
  adminId: string;
  name: string | null;
  email: string | null;
}

export interface Ticket {
  id: string;
  workspaceId: string;
  productId: string;
  status: 'new';
  title: string;
  titleSource: TitleSource;
  /** The start of the first message; blanked with it. */
  excerpt: string;
  excerptMessageId: string | null;
  customer: { contactId: string; email: string | null; name: string | null } | null;
  /** `deletedAt`: when the conversation was found deleted in Intercom; null while it exists. */
  intercom: { appId: string; conversationId: string; url: string; tagIds: string[]; deletedAt: string | null };
  source: TicketSource;
  /** The teammate who sent it from the inbox app; null for tickets made by tags. */
  sentBy: TicketSender | null;
  createdAt: string;
  updatedAt: string;
}

const TITLE_LENGTH = 120;
const EXCERPT_LENGTH = 280;

/** One ticket per (workspace, product, conversation): the id is derived from the three. */
export function ticketIdFor(workspaceId: string, productId: string, conversationId: string): string {
  const digest = createHash('sha256').update(`${workspaceId}\u0000${productId}\u0000${conversationId}`).digest('hex');
  return `tkt_${digest.slice(0, 26)}`;
}

/** The conversation's address in the Intercom inbox of the workspace's region. */
export function conversationUrl(appId: string, conversationId: string, region: IntercomRegion): string {
  return `${inboxOrigin(region)}/a/inbox/${encodeURIComponent(appId)}/inbox/conversation/${encodeURIComponent(conversationId)}`;
}

/** A ticket's page in Timebook (DESIGN.md): `${APP_URL}/products/{pid}/feedback/{ticketId}`; the inbox app and the link-back note link there. */
export function ticketPageUrl(appUrl: string, productId: string, ticketId: string): string {
  return `${appUrl.replace(/\/+$/, '')}/products/${encodeURIComponent(productId)}/feedback/${encodeURIComponent(ticketId)}`;
}

/** Whether bodies are known to be plain text (REST with `display_as=plaintext`) or may be HTML (webhooks). */
export type BodyFormat = 'text' | 'auto';

/** A part as a ticket message, or undefined for parts without text (assignments, state changes). */
export function messageFromPart(part: IntercomConversationPart, format: BodyFormat = 'auto'): TicketMessage | undefined {
  const redacted = part.redacted === true;
  const body = redacted ? '' : toPlainText(part.body, format);
  if (!body && !redacted) return undefined;
  return {
    id: part.id,
    author: authorOf(part.author),
    kind: part.part_type === 'note' ? 'note' : 'message',
    body,
    createdAt: isoSeconds(part.created_at),
    redacted,
  };
}

/** The conversation's first message as a ticket message. */
export function messageFromSource(conversation: IntercomConversation, format: BodyFormat = 'auto'): TicketMessage | undefined {
  const source = firstMessage(conversation);
  if (!source) return undefined;
  const redacted = source.redacted === true;
  const body = redacted ? '' : toPlainText(source.body, format);
  if (!body && !redacted) return undefined;
  return {
    id: source.id,
    author: authorOf(source.author),
    kind: 'message',
    body,
    createdAt: isoSeconds(conversation.created_at),
    redacted,
  };
}

/** Every message with text: the first message, then each part with text. */
export function messagesOf(conversation: IntercomConversation, format: BodyFormat = 'auto'): TicketMessage[] {
  const first = messageFromSource(conversation, format);
  const rest = partsOf(conversation)
    .map((part) => messageFromPart(part, format))
    .filter((message): message is TicketMessage => message !== undefined && message.id !== first?.id);
  return sortMessages(first ? [first, ...rest] : rest, first?.id);
}

/** Conversation order: by time, the first message before parts of the same second, then by id. */
export function sortMessages(messages: TicketMessage[], firstMessageId?: string): TicketMessage[] {
  const numeric = (id: string) => (/^\d+$/.test(id) ? id.padStart(24, '0') : id);
  return [...messages].sort(
    (a, b) =>
      a.createdAt.localeCompare(b.createdAt) ||
      Number(b.id === firstMessageId) - Number(a.id === firstMessageId) ||
      numeric(a.id).localeCompare(numeric(b.id)),
  );
}

/**
 * A new ticket for a product from the full conversation.
 * Title: the one the sender typed, else the conversation's title, else its subject, else the start
 * of its first message, else a name built from the conversation id, so it is never empty.
 * Without `sentBy` the ticket is a tag's.
 */
export function buildTicket(input: {
  workspaceId: string;
  productId: string;
  appId: string;
  region: IntercomRegion;
  conversation: IntercomConversation;
  messages: TicketMessage[];
  tagIds: string[];
  createdAt: Date;
  sentBy?: TicketSender;
  title?: string;
}): Ticket {
  const { conversation, messages } = input;
  const source = firstMessage(conversation);
  const first = messages.find((message) => message.id === source?.id) ?? messages[0];
  const explicit = (conversation.title ?? '').trim() || toPlainText(source?.subject);
  let title: string;
  let titleSource: TitleSource;
  if (input.title?.trim()) {
    title = truncate(input.title, TITLE_LENGTH);
    titleSource = { kind: 'sender' };
  } else if (explicit) {
    title = truncate(explicit, TITLE_LENGTH);
    titleSource = { kind: 'conversation' };
  } else if (first?.body) {
    title = truncate(first.body.split('\n')[0]!, TITLE_LENGTH);
    titleSource = { kind: 'message', messageId: first.id };
  } else {
    title = fallbackTitle(conversation.id);
    titleSource = { kind: 'fallback' };
  }
  const contactId = conversation.contacts?.contacts?.[0]?.id ?? conversation.user?.id ?? null;
  // 2.x names the customer on the first message's author, 1.x on `user`; take what either knows.
  const known = [source?.author, conversation.user].filter((author) => author?.id && author.id === contactId);
  const now = input.createdAt.toISOString();
  return {
    id: ticketIdFor(input.workspaceId, input.productId, conversation.id),
    workspaceId: input.workspaceId,
    productId: input.productId,
    status: 'new',
    title,
    titleSource,
    excerpt: first ? truncate(first.body, EXCERPT_LENGTH) : '',
    excerptMessageId: first?.id ?? null,
    customer: contactId
      ? {
          contactId,
          email: known.find((author) => author?.email)?.email ?? null,
          name: known.find((author) => author?.name)?.name ?? null,
        }
      : null,
    intercom: { appId: input.appId, conversationId: conversation.id, url: conversationUrl(input.appId, conversation.id, input.region), tagIds: input.tagIds, deletedAt: null },
    source: input.sentBy ? 'inbox_app' : 'tag',
    sentBy: input.sentBy ?? null,
    createdAt: now,
    updatedAt: now,
  };
}

export function fallbackTitle(conversationId: string): string {
  return `Intercom conversation ${conversationId}`;
}

function authorOf(author: IntercomAuthor | null | undefined): TicketMessage['author'] {
  return { type: author?.type ?? null, name: author?.name || null, email: author?.email || null };
}

function truncate(text: string, length: number): string {
  const trimmed = text.trim();
  return trimmed.length <= length ? trimmed : `${trimmed.slice(0, length - 1).trimEnd()}…`;
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
