import type { Connection } from '../connect/connection';
import type { Dependencies } from '../platform/dependencies';
import { logger } from '../platform/logger';
import { fetchConversationWithinBudget } from './conversation-fetch';
import { syncConversation } from './conversation-sync';
import { ticketIdFor, type Ticket, type TicketSender } from './ticket';

type SendDeps = Pick<Dependencies, 'feedback' | 'contactSync' | 'secrets' | 'intercom' | 'connections' | 'config' | 'clock' | 'writeBacks' | 'writeBackQueue'>;

export type SendOutcome = { kind: 'created' | 'existing'; ticket: Ticket } | { kind: 'not_created' };

/**
 * A teammate sends a conversation to a product from the inbox app.
 * Steps: a product that has the conversation's ticket already answers it without calling
 * Intercom; else the conversation is read (`GET /conversations/{id}`, within the workspace's rate
 * budget, as for webhooks) and synced through syncConversation with `send`, the path every ticket
 * is written by, so the ticket is made once however many sends race (its id is derived from
 * product and conversation and written conditionally), gets the conversation's messages and
 * redactions, and is followed afterwards by webhooks and the catch-up like a tag-made one. When
 * this send made it, the conversation is read and synced once more, as after a tag
 * (feedback-events.ts, refreshTickets, says why); that second read is best effort, since the
 * catch-up re-reads new tickets anyway. Intercom failures of the first read are thrown.
 */
export async function sendConversationToProduct(
  deps: SendDeps,
  connection: Connection,
  input: { conversationId: string; productId: string; sentBy: TicketSender; title?: string },
): Promise<SendOutcome> {
  const { workspaceId } = connection;
  const ticketId = ticketIdFor(workspaceId, input.productId, input.conversationId);
  const [existing] = await deps.feedback.getTicketHeaders([ticketId]);
  if (existing) return { kind: 'existing', ticket: existing };

  const conversation = await fetchConversationWithinBudget(deps, connection, input.conversationId);
  const send = { productId: input.productId, sentBy: input.sentBy, title: input.title };
  const result = await syncConversation(deps, connection, conversation, { createFromTags: false, send });
  const created = result.ticketsCreated.includes(ticketId);
  if (created) {
    try {
      const again = await fetchConversationWithinBudget(deps, connection, input.conversationId);
      await syncConversation(deps, connection, again, { createFromTags: false });
    } catch (error) {
      logger.warn('The second read after an inbox-app send failed; the catch-up re-reads the ticket', { workspaceId, ticketId, error: error as Error });
    }
  }
  const [ticket] = await deps.feedback.getTicketHeaders([ticketId]);
  if (!ticket) return { kind: 'not_created' };
  return { kind: created ? 'created' : 'existing', ticket };
}
