import type { Connection } from '../connect/connection';
import { callWithinBudget } from '../contacts/rate-budget';
import type { IntercomConversation } from '../intercom/conversation.schema';
import { IntercomRateLimitError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';

export type ConversationFetchDeps = Pick<Dependencies, 'contactSync' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'>;

/**
 * `GET /conversations/{id}` for webhook handling, within the workspace's shared rate budget
 * (lib/contacts/rate-budget.ts): each call takes one request from it and reports Intercom's
 * `X-RateLimit-*` headers back, so the contact backfill sees what webhooks spend. Webhook handling
 * may spend the share the backfill keeps in reserve for it, down to the window's last request.
 * When the budget is spent, or Intercom answers 429, an IntercomRateLimitError is thrown without
 * waiting, and the events worker puts the record back on its queue until the window resets
 * (lib/events/defer-event.ts).
 */
export async function fetchConversationWithinBudget(
  deps: ConversationFetchDeps,
  connection: Connection,
  conversationId: string,
): Promise<IntercomConversation> {
  const caller = { workspaceId: connection.workspaceId, appId: connection.intercom.appId };
  const result = await callWithinBudget(deps, caller, (token, intercom) => intercom.getConversationWithLimits(token, conversationId), {
    connection,
    useReserve: true,
  });
  if (result.kind === 'deferred') {
    const retryAt = new Date(deps.clock().getTime() + result.delaySeconds * 1000);
    throw new IntercomRateLimitError('The workspace\u2019s Intercom rate budget is spent until its window resets', retryAt);
  }
  return result.body;
}
