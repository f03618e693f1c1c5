import type { Dependencies } from '../platform/dependencies';
import { logger } from '../platform/logger';
import type { PurgePageMessage, QueuedSyncMessage } from './sync-queue';

/*
 * Removing stored contacts the sync no longer holds: those of an Intercom workspace the Timebook
 * workspace has switched away from, and those a later full backfill did not find (deleted in
 * Intercom without a webhook saying so). One page per message on the contacts backfill queue.
 */

/** Stored contacts read, and deleted where the sync no longer holds them, per message. */
export const PURGE_PAGE_SIZE = 500;

/**
 * When the removal runs a second time: after the contacts backfill function's timeout (60 s in
 * serverless.yml) and the page claim's margin, with room to spare. A page of the former workspace's
 * backfill that was past its checks when the sync switched workspaces has written by then.
 */
export const PURGE_AGAIN_AFTER_SECONDS = 90;

export type PurgeOutcome = 'purged' | 'continued';

/**
 * The work that removes the contacts of every Intercom workspace but `appId` once the sync has
 * switched to it at `switchedAt` (ISO-8601): at once, and again once any page of the former
 * workspace still in flight has written.
 */
export function purgeWork(workspaceId: string, appId: string, switchedAt: string): QueuedSyncMessage[] {
  const message = purgeMessage(workspaceId, appId, switchedAt);
  return [{ message }, { message, delaySeconds: PURGE_AGAIN_AFTER_SECONDS }];
}

/**
 * The first page of removing the workspace's stored contacts that the sync of Intercom workspace
 * `appId` does not hold: those of other Intercom workspaces, and those not written since
 * `writtenBefore` (ISO-8601). Tombstones stay until they expire.
 */
export function purgeMessage(workspaceId: string, appId: string, writtenBefore: string): PurgePageMessage {
  return { kind: 'purge-page', workspaceId, appId, writtenBefore, after: null };
}

/**
 * Removes one page of stored contacts the sync no longer holds (see {@link purgeMessage}) and queues
 * the next page. Safe to repeat: a contact written since the cutoff is removed only if it belongs to
 * another Intercom workspace.
 */
export async function processPurgePage(
  deps: Pick<Dependencies, 'contacts' | 'syncQueue'>,
  message: PurgePageMessage,
): Promise<PurgeOutcome> {
  const { removed, next } = await deps.contacts.purgePage(message.workspaceId, {
    appId: message.appId,
    writtenBefore: message.writtenBefore,
    after: message.after,
    limit: PURGE_PAGE_SIZE,
  });
  logger.info('Removed contacts the sync no longer holds', { workspaceId: message.workspaceId, removed, more: next !== null });
  if (next === null) return 'purged';
  await deps.syncQueue.send([{ message: { ...message, after: next } }]);
  return 'continued';
}
