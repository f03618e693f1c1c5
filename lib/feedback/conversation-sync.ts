import type { Connection } from '../connect/connection';
import { firstMessage, partsOf, type IntercomConversation } from '../intercom/conversation.schema';
import { regionOf } from '../intercom/regions';
import type { Dependencies } from '../platform/dependencies';
import { logger } from '../platform/logger';
import type { ConversationState } from '../store/feedback-store';
import type { AppliedTag } from './applied-tags';
import { triggers } from './product-feedback';
import { createTicket, type NewTicketDeps } from './new-ticket';
import { buildTicket, fallbackTitle, messagesOf, type TicketMessage, type TicketSender } from './ticket';
import { isLinkBackNote } from './write-back';

export type ConversationSyncDeps = Pick<Dependencies, 'feedback' | 'clock' | 'config'> & NewTicketDeps;

export interface ConversationSyncOptions {
  /** Create the tickets the conversation's trigger tags call for (only while the workspace has feedback on). */
  createFromTags: boolean;
  /** Unix seconds: only tags applied at or after this make tickets (besides each product's `enabledAt`). */
  appliedSince?: number;
  /**
   * A teammate's send from the inbox app: the product's ticket is made unless it exists, whatever
   * the conversation's tags (the tags' "not retroactive" rule is not for an explicit send).
   */
  send?: { productId: string; sentBy: TicketSender; title?: string };
}

export interface ConversationSyncResult {
  /** Tickets this sync created. */
  ticketsCreated: string[];
  /** Messages added to tickets that existed before this sync (a created ticket's own are not counted). */
  messagesAdded: number;
  /** Stored messages, titles or excerpts blanked because their message is redacted. */
  messagesRedacted: number;
}

/**
 * Brings a conversation's tickets up to date with the full conversation as `GET /conversations/{id}`
 * returned it (bodies as plain text). Every writer of tickets goes through here, so each rule
 * lives once:
 * 1. parts Intercom shows redacted (and a redacted first message) are remembered as tombstones
 *    before any ticket is touched, so a ticket or message written later by anyone is blanked too;
 * 2. with `createFromTags`, each product that a trigger tag on the conversation calls for, applied
 *    at or after its `enabledAt` (and `appliedSince`), gets its ticket, and with `send` the product
 *    a teammate sent it to; the ticket id is derived from product and conversation and written
 *    conditionally, so whichever path comes first makes it and the others find it;
 * 3. every ticket that existed gets the messages it lacks (never overwriting one) and has every
 *    redacted message blanked, with a title or excerpt taken from it;
 * 4. tombstones recorded meanwhile by a concurrent redaction are applied after the writes: a
 *    redaction records its tombstone before it looks for messages, and a writer looks for
 *    tombstones after it wrote, so one of the two blanks;
 * The link-back notes that write-back posts (write-back.ts) are never messages of a ticket: a note
 * linking to one of this service's ticket pages is left out here, which every path shares.
 * 5. the conversation's `updated_at` is recorded (`conversationState(...).syncedUpdatedAt`) once
 *    all that is done, so a caller may skip a conversation already synced to its current
 *    `updated_at`. It says nothing about tags: tagging need not move `updated_at`.
 * Idempotent: a second sync of the same conversation writes nothing.
 */
export async function syncConversation(
  deps: ConversationSyncDeps,
  connection: Connection,
  conversation: IntercomConversation,
  options: ConversationSyncOptions,
): Promise<ConversationSyncResult> {
  const { workspaceId } = connection;
  const state = await deps.feedback.conversationState(workspaceId, conversation.id);

  const shownRedacted = redactedIdsOf(conversation);
  for (const id of shownRedacted) {
    if (!state.redactedMessageIds.has(id)) await deps.feedback.rememberRedaction(workspaceId, conversation.id, id);
  }
  const redacted = new Set([...state.redactedMessageIds, ...shownRedacted]);
  const messages = blankRedacted(ticketMessagesOf(conversation, deps.config.APP_URL), redacted);

  const ticketsCreated = !connection.settings.syncFeedback
    ? []
    : [
        ...(options.createFromTags ? await createMissingTickets(deps, connection, conversation, state, messages, options.appliedSince) : []),
        ...(options.send ? await createSentTicket(deps, connection, conversation, state, messages, options.send) : []),
      ];

  let messagesAdded = 0;
  let messagesRedacted = 0;
  for (const { ticketId } of state.tickets) {
    const result = await bringTicketUpToDate(deps, ticketId, conversation.id, messages, redacted);
    messagesAdded += result.added;
    messagesRedacted += result.redacted;
  }

  const written = [...state.tickets.map((ticket) => ticket.ticketId), ...ticketsCreated];
  const late = [...(await deps.feedback.conversationState(workspaceId, conversation.id)).redactedMessageIds].filter((id) => !redacted.has(id));
  for (const messageId of late) {
    for (const ticketId of written) await deps.feedback.redact(ticketId, messageId, fallbackTitle(conversation.id), deps.clock());
    messagesRedacted += written.length;
  }

  if (written.length > 0 && typeof conversation.updated_at === 'number') {
    await deps.feedback.recordSynced(workspaceId, conversation.id, conversation.updated_at, deps.clock());
  }
  return { ticketsCreated, messagesAdded, messagesRedacted };
}

/** The conversation's messages as a ticket keeps them: every message with text but the link-back notes. */
export function ticketMessagesOf(conversation: IntercomConversation, appUrl: string | undefined): TicketMessage[] {
  return messagesOf(conversation, 'text').filter((message) => !(message.kind === 'note' && isLinkBackNote(message.body, appUrl)));
}

/** The ids of the parts, and the first message, that Intercom shows redacted. */
export function redactedIdsOf(conversation: IntercomConversation): Set<string> {
  const ids = new Set(partsOf(conversation).filter((part) => part.redacted === true).map((part) => part.id));
  const source = firstMessage(conversation);
  if (source?.redacted === true) ids.add(source.id);
  return ids;
}

/** The conversation's tags with the time each was applied; a tag Intercom gives no `applied_at` cannot make a ticket. */
export function appliedTagsOf(conversation: IntercomConversation): AppliedTag[] {
  const byId = new Map<string, AppliedTag>();
  for (const tag of conversation.tags?.tags ?? []) {
    if (typeof tag.applied_at !== 'number') continue;
    const seen = byId.get(tag.id);
    if (!seen || tag.applied_at < seen.appliedAt) byId.set(tag.id, { id: tag.id, appliedAt: tag.applied_at });
  }
  return [...byId.values()];
}

function blankRedacted(messages: TicketMessage[], redacted: Set<string>): TicketMessage[] {
  return messages.map((message) => (redacted.has(message.id) ? { ...message, body: '', redacted: true } : message));
}

async function createMissingTickets(
  deps: ConversationSyncDeps,
  connection: Connection,
  conversation: IntercomConversation,
  state: ConversationState,
  messages: TicketMessage[],
  appliedSince: number | undefined,
): Promise<string[]> {
  const { workspaceId } = connection;
  const tags = appliedTagsOf(conversation).filter((tag) => appliedSince === undefined || tag.appliedAt >= appliedSince);
  if (tags.length === 0) return [];
  const created: string[] = [];
  for (const product of await deps.feedback.listProductFeedback(workspaceId)) {
    if (state.tickets.some((ticket) => ticket.productId === product.productId)) continue;
    const matching = tags.filter((tag) => triggers(product, tag.id, tag.appliedAt));
    if (matching.length === 0) continue;
    const ticket = buildTicket({
      workspaceId,
      productId: product.productId,
      appId: connection.intercom.appId,
      region: regionOf(connection.intercom.region),
      conversation,
      messages,
      tagIds: matching.map((tag) => tag.id),
      createdAt: new Date(Math.min(...matching.map((tag) => tag.appliedAt)) * 1000),
    });
    if (await createTicket(deps, connection, { ticket, messages, postAs: taggedBy(conversation, matching) })) {
      created.push(ticket.id);
      logger.info('Feedback ticket created', { workspaceId, productId: product.productId, ticketId: ticket.id });
    }
  }
  return created;
}

/** The ticket a teammate sent the conversation to, made now unless the product has one (from a tag or an earlier send). */
async function createSentTicket(
  deps: ConversationSyncDeps,
  connection: Connection,
  conversation: IntercomConversation,
  state: ConversationState,
  messages: TicketMessage[],
  send: NonNullable<ConversationSyncOptions['send']>,
): Promise<string[]> {
  const { workspaceId } = connection;
  if (state.tickets.some((ticket) => ticket.productId === send.productId)) return [];
  const ticket = buildTicket({
    workspaceId,
    productId: send.productId,
    appId: connection.intercom.appId,
    region: regionOf(connection.intercom.region),
    conversation,
    messages,
    tagIds: [],
    createdAt: deps.clock(),
    sentBy: send.sentBy,
    title: send.title,
  });
  if (!(await createTicket(deps, connection, { ticket, messages, postAs: send.sentBy.adminId }))) return [];
  logger.info('Feedback ticket created from the inbox app', { workspaceId, productId: send.productId, ticketId: ticket.id, adminId: send.sentBy.adminId });
  return [ticket.id];
}

/** The teammate who applied the earliest of the tags that made the ticket, if a teammate did. */
function taggedBy(conversation: IntercomConversation, matching: AppliedTag[]): string | null {
  const first = [...matching].sort((a, b) => a.appliedAt - b.appliedAt)[0];
  const tag = (conversation.tags?.tags ?? []).find((candidate) => candidate.id === first?.id);
  return tag?.applied_by?.type === 'admin' && tag.applied_by.id ? tag.applied_by.id : null;
}

/** Adds what a ticket lacks and blanks what is redacted; reads the ticket first so a sync with nothing to do writes nothing. */
async function bringTicketUpToDate(
  deps: ConversationSyncDeps,
  ticketId: string,
  conversationId: string,
  messages: TicketMessage[],
  redacted: Set<string>,
): Promise<{ added: number; redacted: number }> {
  const stored = await deps.feedback.getTicket(ticketId, { consistent: true });
  if (!stored) return { added: 0, redacted: 0 };
  const have = new Map(stored.messages.map((message) => [message.id, message]));
  const missing = messages.filter((message) => !have.has(message.id));
  const added = missing.length > 0 ? await deps.feedback.putMessages(ticketId, missing) : [];
  if (added.length > 0) await deps.feedback.touchTicket(ticketId, deps.clock());

  const { ticket } = stored;
  const toBlank = [...redacted].filter((id) => {
    const message = have.get(id);
    return (
      (message !== undefined && (!message.redacted || message.body !== '')) ||
      (ticket.titleSource.kind === 'message' && ticket.titleSource.messageId === id) ||
      (ticket.excerptMessageId === id && ticket.excerpt !== '')
    );
  });
  for (const id of toBlank) await deps.feedback.redact(ticketId, id, fallbackTitle(conversationId), deps.clock());
  return { added: added.length, redacted: toBlank.length };
}
