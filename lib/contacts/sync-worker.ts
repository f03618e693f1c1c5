import type { Dependencies } from '../platform/dependencies';
import { processBackfillPage, type BackfillPageOutcome } from './backfill-page';
import { processIncrementalPage, type IncrementalOutcome } from './incremental-sync';
import { processPurgePage, type PurgeOutcome } from './purge-contacts';
import { processReconcilePage, type ReconcileOutcome } from './reconcile-contacts';
import { syncMessageSchema, type ExpirePartitionsMessage, type SyncMessage } from './sync-queue';

/** Parses a contacts backfill queue message; throws on anything this service did not queue. */
export function parseSyncMessage(body: string): SyncMessage {
  return syncMessageSchema.parse(JSON.parse(body));
}

/**
 * Applies one queued step of contact sync work (backfill, incremental, removal, reconciliation,
 * partition expiry) within an invocation that ends by `deadline` at the latest.
 */
export async function processSyncMessage(
  deps: Dependencies,
  message: SyncMessage,
  deadline: Date,
): Promise<BackfillPageOutcome | IncrementalOutcome | PurgeOutcome | ReconcileOutcome | 'expired' | 'kept'> {
  switch (message.kind) {
    case 'backfill-page':
      return processBackfillPage(deps, message, { deadline });
    case 'incremental-page':
      return processIncrementalPage(deps, message);
    case 'purge-page':
      return processPurgePage(deps, message, deadline);
    case 'reconcile-page':
      return processReconcilePage(deps, message, deadline);
    case 'expire-partitions':
      return expirePartitions(deps, message);
  }
}

/** Lets a backfill's partitions expire, unless the run is still the workspace's and not completed (it may resume). */
async function expirePartitions(deps: Dependencies, message: ExpirePartitionsMessage): Promise<'expired' | 'kept'> {
  const sync = await deps.contactSync.get(message.workspaceId);
  if (sync?.runId === message.runId && sync.state !== 'completed') return 'kept';
  await deps.contactSync.expirePartitions(message.workspaceId, message.runId, deps.clock());
  return 'expired';
}
