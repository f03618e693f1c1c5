import type { Connection } from '../connect/connection';
import { withWorkspaceToken } from '../connect/workspace-token';
import { reserveOf } from '../contacts/rate-budget';
import type { IntercomConversation } from '../intercom/conversation.schema';
import { IntercomRateLimitError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';

export type ConversationFetchDeps = Pick<Dependencies, 'contactSync' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'>;

/** Intercom enforces its per-minute limit in ten-second windows; used when a 429 carries no reset time. */
const WINDOW_SECONDS = 10;

/**
 * `GET /conversations/{id}` for webhook handling, within the workspace's shared rate budget
 * (lib/contacts/rate-budget.ts): each call takes one request from it and reports Intercom's
 * `X-RateLimit-*` headers back, so the contact backfill sees what webhooks spend. Webhook handling
 * may spend the share the backfill keeps in reserve for it, down to the window's last request.
 * When the budget is spent, or Intercom answers 429, an IntercomRateLimitError is thrown without
 * waiting: the events worker leaves the record to SQS, which hands it over again after the queue's
 * visibility timeout, long past the window.
 */
export async function fetchConversationWithinBudget(
  deps: ConversationFetchDeps,
  connection: Connection,
  conversationId: string,
): Promise<IntercomConversation> {
  const caller = { workspaceId: connection.workspaceId, appId: connection.intercom.appId };
  const nowSeconds = Math.floor(deps.clock().getTime() / 1000);
  const grant = await deps.contactSync.reserveIntercomRequest(caller, nowSeconds, { useReserve: true });
  if (!grant.granted) {
    throw new IntercomRateLimitError('The workspace\u2019s Intercom rate budget is spent until its window resets', new Date(grant.retryAt * 1000));
  }
  try {
    const response = await withWorkspaceToken(
      deps,
      connection.workspaceId,
      (token, intercom) => intercom.getConversationWithLimits(token, conversationId),
      { connection },
    );
    const limits = response.rateLimit;
    if (limits && Number.isFinite(limits.limit) && Number.isFinite(limits.remaining)) {
      await deps.contactSync.recordIntercomRateLimit(
        caller,
        { limit: limits.limit, remaining: limits.remaining, resetAt: toSeconds(limits.resetAt), reserve: reserveOf(limits.limit) },
        deps.clock(),
      );
    }
    return response.body;
  } catch (error) {
    if (error instanceof IntercomRateLimitError) {
      const resetAt = error.resetAt ? toSeconds(error.resetAt) : nowSeconds + WINDOW_SECONDS;
      await deps.contactSync.recordIntercomRateLimit(caller, { remaining: 0, resetAt }, deps.clock());
    }
    throw error;
  }
}

function toSeconds(date: Date): number {
  return Math.ceil(date.getTime() / 1000);
}
