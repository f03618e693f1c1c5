import { assertAuthorised } from '../events/event-failures';
import type { QueuedEvent } from '../events/queued-event';
import { IntercomNotFoundError } from '../intercom/errors';
import { conversationSchema, firstMessage, partsOf, type IntercomConversation } from '../intercom/conversation.schema';
import { regionOf } from '../intercom/regions';
import type { Dependencies } from '../platform/dependencies';
import { logger } from '../platform/logger';
import type { Connection } from '../connect/connection';
import { withWorkspaceToken } from '../connect/workspace-token';
import { appliedTagsFromPayload, recentlyAppliedTags } from './applied-tags';
import { triggers } from './product-feedback';
import { buildTicket, fallbackTitle, messageFromPart, messagesOf, type TicketMessage } from './ticket';

type FeedbackDeps = Pick<Dependencies, 'feedback' | 'connections' | 'secrets' | 'intercom' | 'config' | 'clock'>;

/** The conversation a notification is about; a payload that is not one is a permanent failure. */
function conversationOf(event: QueuedEvent): IntercomConversation {
  return conversationSchema.parse(event.notification.data.item);
}

function blankRedacted(messages: TicketMessage[], redacted: Set<string>): TicketMessage[] {
  return messages.map((message) => (redacted.has(message.id) ? { ...message, body: '', redacted: true } : message));
}

/**
 * After writing, applies redactions that arrived meanwhile: a redaction records its tombstone before
 * it looks for messages, and a writer looks for tombstones after it wrote, so one of the two blanks.
 */
async function applyLateRedactions(deps: FeedbackDeps, event: QueuedEvent, conversationId: string, ticketIds: string[], seen: Set<string>) {
  const { redactedMessageIds } = await deps.feedback.conversationState(event.workspaceId, conversationId);
  for (const messageId of redactedMessageIds) {
    if (seen.has(messageId)) continue;
    for (const ticketId of ticketIds) await deps.feedback.redact(ticketId, messageId, fallbackTitle(conversationId), deps.clock());
  }
}

/**
 * `conversation_part.tag.created`: makes a ticket in every product the applied tag triggers.
 * Steps: skip unless the workspace is connected with feedback on; find the applied tags and when
 * they were applied; match them against each product's trigger tags and `enabledAt`; skip products
 * that already have a ticket for the conversation; fetch the full conversation once; store one
 * ticket per product (the ticket id is derived from product and conversation, so a duplicate
 * delivery or a second trigger tag can never make a second one).
 */
export async function createTicketsFromTag(deps: FeedbackDeps, event: QueuedEvent): Promise<void> {
  const { workspaceId, notification } = event;
  const connection = await deps.connections.get(workspaceId);
  if (!connection || connection.status === 'disconnected' || !connection.settings.syncFeedback) {
    logger.info('Tag ignored: feedback sync is off', { workspaceId });
    return;
  }
  const item = conversationOf(event);
  const fetchConversation = () => {
    assertAuthorised(connection);
    return withWorkspaceToken(deps, workspaceId, (token, intercom) => intercom.getConversation(token, item.id), { connection });
  };

  try {
    await ticketsFromTag(deps, event, connection, item, fetchConversation);
  } catch (error) {
    if (!(error instanceof IntercomNotFoundError)) throw error;
    // Deleted in Intercom since it was tagged: a state of its tickets, not a failure to retry.
    await markConversationDeleted(deps, workspaceId, item.id);
  }
}

async function ticketsFromTag(
  deps: FeedbackDeps,
  event: QueuedEvent,
  connection: Connection,
  item: IntercomConversation,
  fetchConversation: () => Promise<IntercomConversation>,
): Promise<void> {
  const { workspaceId, notification } = event;
  let conversation: IntercomConversation | undefined;
  let applied = appliedTagsFromPayload(item, notification.created_at);
  if (!applied) {
    conversation = await fetchConversation();
    applied = recentlyAppliedTags(conversation, notification.created_at);
  }
  const products = (await deps.feedback.listProductFeedback(workspaceId))
    .map((product) => ({ product, tags: applied.filter((tag) => triggers(product, tag.id, tag.appliedAt)) }))
    .filter((match) => match.tags.length > 0);
  if (products.length === 0) return;

  const state = await deps.feedback.conversationState(workspaceId, item.id);
  const missing = products.filter(({ product }) => !state.tickets.some((ticket) => ticket.productId === product.productId));
  if (missing.length === 0) return;

  conversation ??= await fetchConversation();
  const messages = blankRedacted(messagesOf(conversation, 'text'), state.redactedMessageIds);
  const created: string[] = [];
  for (const { product, tags } of missing) {
    const ticket = buildTicket({
      workspaceId,
      productId: product.productId,
      appId: connection.intercom.appId,
      region: regionOf(connection.intercom.region),
      conversation,
      messages,
      tagIds: tags.map((tag) => tag.id),
      createdAt: new Date(Math.min(...tags.map((tag) => tag.appliedAt)) * 1000),
    });
    if (await deps.feedback.createTicket(ticket, messages)) {
      created.push(ticket.id);
      logger.info('Feedback ticket created', { workspaceId, productId: product.productId, ticketId: ticket.id });
    }
  }
  await applyLateRedactions(deps, event, item.id, created, state.redactedMessageIds);
}

/** Marks every ticket of a conversation that Intercom answers 404 for; a ticket keeps the first time. */
async function markConversationDeleted(deps: FeedbackDeps, workspaceId: string, conversationId: string): Promise<void> {
  const { tickets } = await deps.feedback.conversationState(workspaceId, conversationId);
  for (const { ticketId } of tickets) await deps.feedback.markConversationDeleted(ticketId, deps.clock());
  logger.info('Conversation deleted in Intercom; its tickets are marked', { workspaceId, conversationId, tickets: tickets.length });
}

/**
 * `conversation.{admin.noted, admin.replied, operator.replied, user.replied}`: appends the notified
 * parts with text to every ticket of the conversation, each part once (a bot reply arrives on two
 * topics). Order is by each part's time, whatever the delivery order.
 */
export async function appendConversationParts(deps: FeedbackDeps, event: QueuedEvent): Promise<void> {
  const item = conversationOf(event);
  const state = await deps.feedback.conversationState(event.workspaceId, item.id);
  if (state.tickets.length === 0) return;
  const parts = partsOf(item)
    .map((part) => messageFromPart(part))
    .filter((message): message is TicketMessage => message !== undefined);
  const messages = blankRedacted(parts, state.redactedMessageIds);
  for (const { ticketId } of state.tickets) {
    const added = await deps.feedback.putMessages(ticketId, messages);
    if (added.length > 0) await deps.feedback.touchTicket(ticketId, deps.clock());
  }
  await applyLateRedactions(deps, event, item.id, state.tickets.map((ticket) => ticket.ticketId), state.redactedMessageIds);
}

/**
 * `conversation_part.redacted`: blanks every listed part (1.x payloads carry no `redacted` flag, so
 * each listed part counts) and the first message when `source.redacted`, in every ticket of the
 * conversation, with any title or excerpt taken from them. The redaction is remembered first, so a
 * ticket or part that appears later is blanked as it is stored.
 */
export async function redactConversationParts(deps: FeedbackDeps, event: QueuedEvent): Promise<void> {
  const item = conversationOf(event);
  const source = firstMessage(item);
  const ids = [...partsOf(item).map((part) => part.id), ...(source?.redacted ? [source.id] : [])];
  for (const id of ids) await deps.feedback.rememberRedaction(event.workspaceId, item.id, id);
  const { tickets } = await deps.feedback.conversationState(event.workspaceId, item.id);
  for (const { ticketId } of tickets) {
    for (const id of ids) await deps.feedback.redact(ticketId, id, fallbackTitle(item.id), deps.clock());
  }
}
