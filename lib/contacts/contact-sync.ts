import type { IncrementalLease } from './incremental-lease';
import type { PartitionRange } from './partition-plan';
import type { ReconcileRun } from './reconcile-contacts';

/** A backfill's lifecycle; `stopped` means switched off before it finished, and resumes when switched on. */
export type BackfillState = 'running' | 'completed' | 'failed' | 'stopped';

/** A workspace's contact sync: the switch, the current or last backfill, and the incremental watermark. */
export interface ContactSync {
  workspaceId: string;
  /** Mirrors the `syncContacts` setting; the scheduled incremental sync visits only enabled workspaces. */
  enabled: boolean;
  /** The Intercom workspace, whose rate budget every partition shares. */
  appId: string;
  /** The Intercom workspace's timezone, which decides search day boundaries (UTC when unknown). */
  timeZone: string | null;
  /** The current or last backfill. */
  runId: string;
  /** Bumped by every start, resume and restart; queued work of an older generation is dropped. */
  generation: number;
  state: BackfillState;
  /** Contacts the backfill has copied, each counted once. */
  synced: number;
  /** Intercom's `total_count` when the backfill began. */
  expected: number | null;
  partitionsTotal: number;
  partitionsDone: number;
  startedAt: string;
  finishedAt: string | null;
  stoppedAt: string | null;
  /** The last committed page, split or resume: a running backfill without progress is restarted. */
  progressAt: string;
  error: string | null;
  /**
   * Whether the backfill, once complete, removes the stored contacts it did not write: set for
   * every backfill after a workspace's first.
   */
  sweep?: boolean;
  /** Contacts updated at or after this unix second are read by the next incremental run. */
  watermark: number;
  lastIncrementalAt: string | null;
  /** The incremental run in progress, if any (it may have crashed: see its `leaseUntil`). */
  incrementalRun?: IncrementalLease;
  /** The reconciliation in progress, if any, with its checkpoint (it may have crashed: see its `leaseUntil`). */
  reconcileRun?: ReconcileRun;
  /** When the last reconciliation completed. */
  lastReconciledAt?: string | null;
}

export type PartitionState = 'pending' | 'split' | 'done';

/** One partition of a backfill run and its checkpoint. */
export interface BackfillPartition {
  runId: string;
  /** `r` for the whole workspace; a child appends `.<index>` to its parent's id. */
  partitionId: string;
  range: PartitionRange;
  state: PartitionState;
  /** Pages committed so far; the page being worked on is number `seq`. */
  seq: number;
  /** Intercom's `starting_after` for page `seq`; null before the first page. */
  cursor: string | null;
  /** While a worker holds page `seq`: until when (unix milliseconds); null when no one does. */
  claimedUntil?: number | null;
  /**
   * The TTL (unix seconds), set only once the run can no longer resume (completed or replaced). A
   * partition that carries one while its run may resume was written by an earlier version.
   */
  expiresAt?: number;
}

export const ROOT_PARTITION_ID = 'r';

/** The id of the `index`th child of a partition. */
export function childPartitionId(parentId: string, index: number): string {
  return `${parentId}.${index}`;
}
