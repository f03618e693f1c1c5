import * as z from 'zod';
import type { Queued, WorkQueue } from '../platform/sqs-batch-queue';

/*
 * The contacts backfill queue carries the contact sync's work, one step per message: a page of a
 * backfill partition, a page of a workspace's incremental sync, a page of stored contacts to remove,
 * a step of a reconciliation, and letting a finished backfill's partitions expire.
 */

const id = z.string().min(1).max(256);
const count = z.number().int().nonnegative();

/** Page `seq` of a backfill partition; where the page starts is the partition's checkpoint, not the message. */
export const backfillPageMessage = z.object({
  kind: z.literal('backfill-page'),
  workspaceId: id,
  runId: id,
  generation: count,
  partitionId: id,
  seq: count,
  /** How many times in a row this page was put back because DynamoDB throttled its writes. */
  deferrals: count.optional(),
});
export type BackfillPageMessage = z.infer<typeof backfillPageMessage>;

/** The next pages of an incremental run: contacts updated at or after `since` (unix seconds). */
export const incrementalPageMessage = z.object({
  kind: z.literal('incremental-page'),
  workspaceId: id,
  /** The run holding the workspace's lease; absent on messages queued before runs held one (dropped). */
  runId: id.optional(),
  since: count,
  /** When the run was scheduled; the watermark moves to this instant (less the search lag) when it ends. */
  startedAt: count,
  cursor: z.string().min(1).nullable(),
});
export type IncrementalPageMessage = z.infer<typeof incrementalPageMessage>;

/**
 * The next page of removing stored contacts the sync of Intercom workspace `appId` no longer holds:
 * those of other Intercom workspaces, and, once Intercom confirms it, those last written before
 * `writtenBefore` (null: none of them).
 */
export const purgePageMessage = z.object({
  kind: z.literal('purge-page'),
  workspaceId: id,
  appId: id,
  writtenBefore: z.iso.datetime().nullable(),
  /** The contact id the page starts after; null for the first page. */
  after: id.nullable(),
});
export type PurgePageMessage = z.infer<typeof purgePageMessage>;

/** Step `seq` of reconciliation `runId`; where it starts is the run's checkpoint on the sync item, not the message. */
export const reconcilePageMessage = z.object({
  kind: z.literal('reconcile-page'),
  workspaceId: id,
  runId: id,
  seq: count,
});
export type ReconcilePageMessage = z.infer<typeof reconcilePageMessage>;

/** Gives the partitions of backfill `runId`, which can no longer resume, their TTL. */
export const expirePartitionsMessage = z.object({
  kind: z.literal('expire-partitions'),
  workspaceId: id,
  runId: id,
});
export type ExpirePartitionsMessage = z.infer<typeof expirePartitionsMessage>;

export const syncMessageSchema = z.discriminatedUnion('kind', [
  backfillPageMessage,
  incrementalPageMessage,
  purgePageMessage,
  reconcilePageMessage,
  expirePartitionsMessage,
]);
export type SyncMessage = z.infer<typeof syncMessageSchema>;

/** Work to queue, optionally hidden for `delaySeconds` (see `sqsDelaySeconds` in lib/platform/sqs-batch-queue.ts). */
export type QueuedSyncMessage = Queued<SyncMessage>;

/** Where contact sync work goes: the contacts backfill queue. */
export type SyncQueue = WorkQueue<SyncMessage>;
