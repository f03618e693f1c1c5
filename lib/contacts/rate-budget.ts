import type { Connection } from '../connect/connection';
import { withWorkspaceToken } from '../connect/workspace-token';
import type { ContactSearch, IntercomClient, IntercomResponse } from '../intercom/client';
import { IntercomRateLimitError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { sqsDelaySeconds } from '../platform/sqs-batch-queue';
import type { IntercomCaller } from '../store/contact-store';
import type { ContactSync } from './contact-sync';

/*
 * One rate budget per Intercom app and Intercom workspace (what Intercom limits), shared by every backfill partition, incremental page and reconciliation call in every
 * Lambda, and by the feedback catch-up: a DynamoDB item holding the current window's `X-RateLimit-Reset` and `Remaining`, as the
 * last response reported them, and decremented by each request before it is sent. Read from the
 * headers rather than counted against a configured limit because Intercom's limits differ by app
 * and plan and other callers spend from the same quota. When the budget is spent, or Intercom answers
 * 429, the work is queued again with a delay until the window resets: no Lambda sleeps on it.
 */

/** Share of each window left to everything else that calls Intercom for the workspace (webhook handling, admin reads). */
export const RESERVED_SHARE = 0.1;

/** Intercom enforces its per-minute limit in ten-second windows; used when a 429 carries no reset time. */
const WINDOW_SECONDS = 10;

/** Requests per window kept in reserve for a window of `limit`. */
export function reserveOf(limit: number): number {
  return Math.max(1, Math.ceil(limit * RESERVED_SHARE));
}

/**
 * How long to hide deferred work: until the window resets, plus up to two seconds of jitter so that
 * deferred partitions do not all return in the same instant. Within SQS's 1 to 900 seconds.
 */
export function deferralSeconds(retryAt: number, nowSeconds: number, random: () => number = Math.random): number {
  return sqsDelaySeconds(retryAt - nowSeconds + Math.floor(random() * 3));
}

type BudgetDeps = Pick<Dependencies, 'contactSync' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'>;

export type ContactPage = Awaited<ReturnType<Dependencies['intercom']['searchContacts']>>['body'];

export type BudgetedSearch = { kind: 'page'; page: ContactPage } | { kind: 'deferred'; delaySeconds: number };

/** One `POST /contacts/search` page within the Intercom workspace's shared budget, or how long to defer it. */
export async function searchWithinBudget(
  deps: BudgetDeps,
  sync: Pick<ContactSync, 'workspaceId' | 'appId'>,
  search: ContactSearch,
  options: { connection?: Connection } = {},
): Promise<BudgetedSearch> {
  const result = await callWithinBudget(deps, sync, (token, intercom) => intercom.searchContacts(token, search, { waitOnRateLimit: false }), options);
  return result.kind === 'done' ? { kind: 'page', page: result.body } : result;
}

export type BudgetedCall<T> = { kind: 'done'; body: T } | { kind: 'deferred'; delaySeconds: number };

/**
 * One Intercom call of any kind within the Intercom workspace's shared budget, or how long to
 * defer it. `call` must not wait out a rate limit itself (`waitOnRateLimit: false`) and must
 * return the response's rate-limit headers, which feed the budget.
 */
export async function callWithinBudget<T>(
  deps: BudgetDeps,
  caller: IntercomCaller,
  call: (token: string, intercom: IntercomClient) => Promise<IntercomResponse<T>>,
  options: { connection?: Connection; useReserve?: boolean } = {},
): Promise<BudgetedCall<T>> {
  const nowSeconds = Math.floor(deps.clock().getTime() / 1000);
  const grant = await deps.contactSync.reserveIntercomRequest(caller, nowSeconds, { useReserve: options.useReserve });
  if (!grant.granted) return { kind: 'deferred', delaySeconds: deferralSeconds(grant.retryAt, nowSeconds) };
  try {
    const response = await withWorkspaceToken(deps, caller.workspaceId, call, { connection: options.connection });
    const limits = response.rateLimit;
    if (limits && Number.isFinite(limits.limit) && Number.isFinite(limits.remaining)) {
      await deps.contactSync.recordIntercomRateLimit(
        caller,
        { limit: limits.limit, remaining: limits.remaining, resetAt: toSeconds(limits.resetAt), reserve: reserveOf(limits.limit) },
        deps.clock(),
      );
    }
    return { kind: 'done', body: response.body };
  } catch (error) {
    if (!(error instanceof IntercomRateLimitError)) throw error;
    const resetAt = error.resetAt ? toSeconds(error.resetAt) : nowSeconds + WINDOW_SECONDS;
    await deps.contactSync.recordIntercomRateLimit(caller, { remaining: 0, resetAt }, deps.clock());
    return { kind: 'deferred', delaySeconds: deferralSeconds(resetAt, nowSeconds) };
  }
}

function toSeconds(date: Date): number {
  return Math.ceil(date.getTime() / 1000);
}
