import type { Dependencies } from '../platform/dependencies';
import { processBackfillPage, type BackfillPageOutcome } from './backfill-page';
import { processIncrementalPage, type IncrementalOutcome } from './incremental-sync';
import { processPurgePage, type PurgeOutcome } from './purge-contacts';
import { syncMessageSchema, type SyncMessage } from './sync-queue';

/** Parses a contacts backfill queue message; throws on anything this service did not queue. */
export function parseSyncMessage(body: string): SyncMessage {
  return syncMessageSchema.parse(JSON.parse(body));
}

/**
 * Applies one queued page of contact sync work (backfill, incremental or purge) within an
 * invocation that ends by `deadline` at the latest.
 */
export async function processSyncMessage(
  deps: Dependencies,
  message: SyncMessage,
  deadline: Date,
): Promise<BackfillPageOutcome | IncrementalOutcome | PurgeOutcome> {
  switch (message.kind) {
    case 'backfill-page':
      return processBackfillPage(deps, message, { deadline });
    case 'incremental-page':
      return processIncrementalPage(deps, message);
    case 'purge-page':
      return processPurgePage(deps, message);
  }
}
