import { randomUUID } from 'node:crypto';
import { IntercomPermissionError, IntercomTokenInvalidError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { logger } from '../platform/logger';
import { leaseIsLive, leaseUntil } from './incremental-lease';
import { readIntercomContacts, type IntercomContactSnapshot } from './contact';
import { DAY_SECONDS, SEARCH_PAGE_SIZE } from './partition-plan';
import { searchWithinBudget } from './rate-budget';
import { restartIfStalled, SEARCH_LAG_SECONDS } from './sync-control';
import type { IncrementalPageMessage } from './sync-queue';

/**
 * How far before the watermark the search starts. Dates match by calendar day, and `updated_at > v`
 * only matches from the day after v's: starting 25 hours back (a day, plus a daylight-saving hour)
 * reaches the start of the watermark's day in any timezone. The exact cut is made client-side.
 */
export const SEARCH_LOOKBACK_SECONDS = DAY_SECONDS + 3_600;

/** Pages one incremental message reads before it queues the rest, to stay well inside the Lambda timeout. */
export const PAGES_PER_MESSAGE = 10;

type IncrementalDeps = Pick<
  Dependencies,
  'contacts' | 'contactSync' | 'syncQueue' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'
>;

/**
 * The scheduled step: queues one incremental run for every workspace with contact sync on (found
 * through the sparse gsi1 entries, without a scan), and restarts backfills that have stalled. A
 * run takes the workspace's lease as it is queued; a workspace whose last run still holds its lease
 * is skipped, so slow runs never pile up.
 */
export async function scheduleIncrementalSync(
  deps: IncrementalDeps,
): Promise<{ workspaces: number; queued: number; busy: number; restarted: number }> {
  const startedAt = Math.floor(deps.clock().getTime() / 1000);
  const syncs = await deps.contactSync.listEnabled();
  let restarted = 0;
  for (const sync of syncs) {
    if (await restartIfStalled(deps, sync)) restarted += 1;
  }
  const queued: IncrementalPageMessage[] = [];
  for (const sync of syncs) {
    const runId = randomUUID();
    const live = leaseIsLive(sync.incrementalRun, startedAt);
    if (live || !(await deps.contactSync.takeIncrementalLease(sync.workspaceId, { runId, leaseUntil: leaseUntil(startedAt) }, startedAt))) {
      logger.info('Incremental contact sync still running; not queued', { workspaceId: sync.workspaceId });
      continue;
    }
    queued.push({ kind: 'incremental-page', workspaceId: sync.workspaceId, runId, since: sync.watermark, startedAt, cursor: null });
  }
  await deps.syncQueue.send(queued.map((message) => ({ message })));
  return { workspaces: syncs.length, queued: queued.length, busy: syncs.length - queued.length, restarted };
}

export type IncrementalOutcome = 'completed' | 'continued' | 'deferred' | 'skipped' | 'stale';

/**
 * Runs (part of) one workspace's incremental sync. Steps: skip unless sync is on; renew the run's
 * lease, or drop the message of a run that no longer holds it; search contacts
 * updated since the watermark, a day early for Intercom's day granularity, oldest change first;
 * keep exactly those updated at or after the watermark and write them (newest wins); after
 * {@link PAGES_PER_MESSAGE} pages renew the lease and queue the rest; at the end move the watermark
 * to the run's start, less the search's indexing lag, so a change made while the run read is read
 * again next time, and release the lease.
 */
export async function processIncrementalPage(deps: IncrementalDeps, message: IncrementalPageMessage): Promise<IncrementalOutcome> {
  const sync = await deps.contactSync.get(message.workspaceId);
  if (!sync?.enabled) return 'skipped';
  const { runId } = message;
  if (runId === undefined || !(await renew(deps, message.workspaceId, runId))) {
    logger.info('Stale incremental contact sync message dropped', { workspaceId: message.workspaceId });
    return 'stale';
  }
  let cursor = message.cursor;
  for (let page = 0; page < PAGES_PER_MESSAGE; page += 1) {
    let result;
    try {
      result = await searchWithinBudget(deps, sync, {
        query: { field: 'updated_at', operator: '>', value: Math.max(0, message.since - SEARCH_LOOKBACK_SECONDS) },
        sort: { field: 'updated_at', order: 'ascending' },
        perPage: SEARCH_PAGE_SIZE,
        startingAfter: cursor,
      });
    } catch (error) {
      if (!isPermanent(error)) throw error;
      logger.warn('Incremental contact sync skipped', { reason: (error as Error).message });
      return 'skipped';
    }
    if (result.kind === 'deferred') {
      // The lease outlasts the delay, so the deferred message still holds it when it comes back.
      if (!(await renew(deps, message.workspaceId, runId, result.delaySeconds))) return 'stale';
      await deps.syncQueue.send([{ message: { ...message, cursor }, delaySeconds: result.delaySeconds }]);
      return 'deferred';
    }
    const changed = changedSince(result.page.data, message.since);
    if (changed.length > 0) await deps.contacts.putMany(message.workspaceId, changed, deps.clock());
    cursor = result.page.pages?.next?.starting_after ?? null;
    if (cursor === null || result.page.data.length === 0) {
      const recorded = await deps.contactSync.recordIncremental(message.workspaceId, {
        runId,
        watermark: message.startedAt - SEARCH_LAG_SECONDS,
        at: deps.clock(),
      });
      // The watermark had moved past this run's (a backfill started since): release the lease all the same.
      if (!recorded) await deps.contactSync.releaseIncrementalLease(message.workspaceId, runId);
      return 'completed';
    }
  }
  if (!(await renew(deps, message.workspaceId, runId))) return 'stale';
  await deps.syncQueue.send([{ message: { ...message, cursor } }]);
  return 'continued';
}

/** Renews run `runId`'s lease from now (and over `delaySeconds`); false when the run no longer holds it. */
function renew(deps: IncrementalDeps, workspaceId: string, runId: string, delaySeconds = 0): Promise<boolean> {
  const now = Math.floor(deps.clock().getTime() / 1000);
  return deps.contactSync.renewIncrementalLease(workspaceId, { runId, leaseUntil: leaseUntil(now, delaySeconds) }, now);
}

/** The exact client-side cut of a day-granular search: contacts updated at or after `since`. */
export function changedSince(items: readonly unknown[], since: number): IntercomContactSnapshot[] {
  return readIntercomContacts(items).filter((snapshot) => snapshot.updatedAtSeconds >= since);
}

function isPermanent(error: unknown): boolean {
  return error instanceof IntercomTokenInvalidError || error instanceof IntercomPermissionError || error instanceof ConflictError;
}
