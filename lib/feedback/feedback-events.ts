import { isLive, type Connection } from '../connect/connection';
import { assertAuthorised, PermanentEventError } from '../events/event-failures';
import type { ConversationEvent, QueuedEvent } from '../events/queued-event';
import type { IntercomConversation } from '../intercom/conversation.schema';
import { IntercomNotFoundError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { logger } from '../platform/logger';
import { recentlyAppliedTags, type AppliedTag } from './applied-tags';
import { fetchConversationWithinBudget } from './conversation-fetch';
import { syncConversation } from './conversation-sync';
import { triggers } from './product-feedback';
import { fallbackTitle } from './ticket';

type FeedbackDeps = Pick<
  Dependencies,
  'feedback' | 'feedbackCatchup' | 'connections' | 'contactSync' | 'secrets' | 'intercom' | 'config' | 'clock' | 'writeBacks' | 'writeBackQueue'
>;

/*
 * The feedback topics. A queued conversation event carries ids and times only
 * (lib/events/queued-event.ts); the text comes from `GET /conversations/{id}`, read only for
 * conversations that have tickets or that the notified tag makes one for, and every write goes
 * through syncConversation. So any event about a ticketed conversation brings its tickets up to
 * date: a reply or redaction whose own delivery was lost is picked up by the next event.
 *
 * Intercom calls per event (each within the workspace's rate budget, conversation-fetch.ts):
 * - tag, no product it triggers and no ticket yet: 0 (1 when the payload names no tag);
 * - tag that makes a ticket: 2 (the fetch, and one more after the write, see refreshTickets);
 * - tag, reply, note or redaction on a ticketed conversation: 1 (2 if it makes another ticket);
 * - reply, note or redaction on a conversation without tickets: 0;
 * - a duplicate delivery: 0 (the idempotency record stops it before any handler).
 */

/** The conversation event a feedback topic was queued as; anything else can never be applied. */
function conversationEvent(event: QueuedEvent): ConversationEvent {
  if (event.kind !== 'conversation') throw new PermanentEventError('malformed', 'A conversation topic was queued without its conversation id');
  return event;
}

function notConnected(): ConflictError {
  return new ConflictError('Intercom is not connected for this workspace.', 'intercom_not_connected');
}

/**
 * Fetches the conversation (unless given), brings its tickets up to date and makes the tickets its
 * trigger tags call for. When that made a ticket, the conversation is fetched and synced once more.
 * Why: a reply handled between the first fetch and the ticket's write found no ticket, and was
 * acknowledged without a trace. Its part was in Intercom before its notification was sent, so it
 * is in any fetch that starts after the ticket's write; a reply handled after the write finds the
 * ticket and syncs it itself. So a second fetch after the write closes the window, for one more
 * Intercom call per ticket made (rare), where a marker written by every reply would cost a write
 * for every conversation, ticketed or not.
 */
async function refreshTickets(deps: FeedbackDeps, connection: Connection, conversationId: string, fetched?: IntercomConversation): Promise<void> {
  assertAuthorised(connection);
  const conversation = fetched ?? (await fetchConversationWithinBudget(deps, connection, conversationId));
  const first = await syncConversation(deps, connection, conversation, { createFromTags: true });
  if (first.ticketsCreated.length === 0) return;
  const again = await fetchConversationWithinBudget(deps, connection, conversationId);
  await syncConversation(deps, connection, again, { createFromTags: false });
}

/** Runs `work`; a conversation Intercom answers 404 for marks its tickets (a state, not a failure to retry). */
async function unlessDeleted(deps: FeedbackDeps, workspaceId: string, conversationId: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof IntercomNotFoundError)) throw error;
    await markConversationDeleted(deps, workspaceId, conversationId);
  }
}

/** Marks every ticket of a conversation that Intercom answers 404 for; a ticket keeps the first time. */
async function markConversationDeleted(deps: FeedbackDeps, workspaceId: string, conversationId: string): Promise<void> {
  const { tickets } = await deps.feedback.conversationState(workspaceId, conversationId);
  for (const { ticketId } of tickets) await deps.feedback.markConversationDeleted(ticketId, deps.clock());
  logger.info('Conversation deleted in Intercom; its tickets are marked', { workspaceId, conversationId, tickets: tickets.length });
}

/**
 * The fetched conversation with the notified tags on it: a tag the notification applied counts even
 * if the fetched copy does not list it yet, or lists it without `applied_at`, exactly as when the
 * ticket was made from the notification alone.
 */
function withNotifiedTags(conversation: IntercomConversation, applied: AppliedTag[]): IntercomConversation {
  const tags = [...(conversation.tags?.tags ?? [])];
  for (const tag of applied) {
    const index = tags.findIndex((known) => known.id === tag.id);
    if (index === -1) tags.push({ id: tag.id, applied_at: tag.appliedAt });
    else if (typeof tags[index]!.applied_at !== 'number') tags[index] = { ...tags[index]!, applied_at: tag.appliedAt };
  }
  return { ...conversation, tags: { ...conversation.tags, tags } };
}

/**
 * `conversation_part.tag.created`: makes a ticket in every product the applied tag triggers.
 * Steps: skip unless the workspace is connected with feedback on; take the applied tags the intake
 * queued (or, when the payload named none, the conversation's recently applied ones); match them
 * against each product's trigger tags and `enabledAt`; when a product lacks its ticket, or the
 * conversation has tickets to refresh, fetch the conversation and sync it (refreshTickets). The
 * ticket id is derived from product and conversation, so a duplicate delivery, a second trigger tag
 * or the catch-up can never make a second one.
 */
export async function createTicketsFromTag(deps: FeedbackDeps, queued: QueuedEvent): Promise<void> {
  const event = conversationEvent(queued);
  const { workspaceId, conversationId } = event;
  const connection = await deps.connections.get(workspaceId);
  if (!connection || connection.status === 'disconnected' || !connection.settings.syncFeedback) {
    logger.info('Tag ignored: feedback sync is off', { workspaceId });
    return;
  }
  await unlessDeleted(deps, workspaceId, conversationId, async () => {
    let fetched: IntercomConversation | undefined;
    let applied = event.appliedTags;
    if (!applied) {
      assertAuthorised(connection);
      fetched = await fetchConversationWithinBudget(deps, connection, conversationId);
      applied = recentlyAppliedTags(fetched, event.notification.created_at);
    }
    const products = await deps.feedback.listProductFeedback(workspaceId);
    const triggered = products.filter((product) => applied.some((tag) => triggers(product, tag.id, tag.appliedAt)));
    // The catch-up compares Intercom's count of conversations carrying each trigger tag with the
    // ones the service has seen; marking what this notification shows spares it a needless sweep
    // (e.g. a second trigger tag on a conversation that already has its product's ticket).
    const triggerTagIds = new Set(products.filter((product) => product.enabled).flatMap((product) => product.triggerTagIds));
    const seen = applied.filter((tag) => triggerTagIds.has(tag.id)).map((tag) => ({ tagId: tag.id, conversationId }));
    await deps.feedbackCatchup.markSeen(workspaceId, seen);
    const state = await deps.feedback.conversationState(workspaceId, conversationId);
    const missing = triggered.filter((product) => !state.tickets.some((ticket) => ticket.productId === product.productId));
    if (missing.length === 0 && state.tickets.length === 0) return;
    assertAuthorised(connection);
    fetched ??= await fetchConversationWithinBudget(deps, connection, conversationId);
    await refreshTickets(deps, connection, conversationId, withNotifiedTags(fetched, applied));
  });
}

/**
 * `conversation.{admin.noted, admin.replied, operator.replied, user.replied}`: a conversation with
 * tickets is read from Intercom and its tickets brought up to date (the notified part and anything
 * else they lack, each part once, in conversation order). A conversation without tickets is
 * acknowledged at once, without calling Intercom: its text is never read.
 */
export async function appendConversationParts(deps: FeedbackDeps, queued: QueuedEvent): Promise<void> {
  const { workspaceId, conversationId } = conversationEvent(queued);
  const { tickets } = await deps.feedback.conversationState(workspaceId, conversationId);
  if (tickets.length === 0) return;
  const connection = await deps.connections.get(workspaceId);
  if (!isLive(connection)) throw notConnected();
  await unlessDeleted(deps, workspaceId, conversationId, () => refreshTickets(deps, connection, conversationId));
}

/**
 * `conversation_part.redacted`: the queued part ids (1.x payloads carry no `redacted` flag, so each
 * listed part counts) and the first message when it was redacted are remembered first, so a ticket
 * or part that appears later is blanked as it is stored; then they are blanked in every ticket of
 * the conversation, with any title or excerpt taken from them. None of this needs Intercom, so it
 * applies even while the connection waits for reauthorisation. Then the tickets are refreshed from
 * Intercom like on any other event.
 */
export async function redactConversationParts(deps: FeedbackDeps, queued: QueuedEvent): Promise<void> {
  const event = conversationEvent(queued);
  const { workspaceId, conversationId } = event;
  const { partIds, sourceId } = event.redacted!;
  const ids = [...partIds, ...(sourceId ? [sourceId] : [])];
  for (const id of ids) await deps.feedback.rememberRedaction(workspaceId, conversationId, id);
  const { tickets } = await deps.feedback.conversationState(workspaceId, conversationId);
  for (const { ticketId } of tickets) {
    for (const id of ids) await deps.feedback.redact(ticketId, id, fallbackTitle(conversationId), deps.clock());
  }
  if (tickets.length === 0) return;
  const connection = await deps.connections.get(workspaceId);
  if (!isLive(connection) || connection.status === 'needs_reauth') {
    logger.info('Redaction applied; the tickets are not refreshed while Intercom cannot be called', { workspaceId, conversationId });
    return;
  }
  await unlessDeleted(deps, workspaceId, conversationId, () => refreshTickets(deps, connection, conversationId));
}
