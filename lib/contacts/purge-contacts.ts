import type { Dependencies } from '../platform/dependencies';
import { logger } from '../platform/logger';
import type { PurgePageMessage, QueuedSyncMessage } from './sync-queue';

/** Contacts read, and deleted where they belong to another Intercom workspace, per message. */
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
  const message: PurgePageMessage = { kind: 'purge-page', workspaceId, appId, writtenBefore: switchedAt, after: null };
  return [{ message }, { message, delaySeconds: PURGE_AGAIN_AFTER_SECONDS }];
}

/**
 * Removes one page of contacts that belong to an Intercom workspace the Timebook workspace no longer
 * syncs, and queues the next page. Safe to repeat: a contact of the current workspace is never removed.
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
  logger.info('Removed contacts of a previous Intercom workspace', { workspaceId: message.workspaceId, removed, more: next !== null });
  if (next === null) return 'purged';
  await deps.syncQueue.send([{ message: { ...message, after: next } }]);
  return 'continued';
}
