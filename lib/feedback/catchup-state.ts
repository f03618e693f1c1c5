/**
 * How long a catch-up run holds its workspace without a sign of life. Every message of the run
 * renews it before its work, so it outlasts the longest gap between two renewals: an invocation that
 * dies, plus the queue's visibility timeout before SQS shows its message again (a deferral renews
 * for its delay as well). Checked against the worker's timeout and queue in
 * tests/int/cloudformation-template.int.test.ts. A crashed run frees the workspace within this.
 */
export const CATCHUP_LEASE_SECONDS = 15 * 60;

/** The workspace's running catch-up, on its catch-up item. */
export interface CatchupLease {
  runId: string;
  /** Unix seconds; the lease is free from then on. */
  leaseUntil: number;
}

/** Intercom's count of conversations carrying a trigger tag at the last tag sweep, and the service's own count then. */
export interface TagBaseline {
  /** Intercom's `total_count` for `tag_ids = T`, read before the sweep began. */
  intercom: number;
  /** The tag's marker count once the sweep had seen every conversation carrying it. */
  known: number;
}

/** The last complete sweep over every conversation carrying a trigger tag. */
export interface TagSweep {
  /** Unix seconds. */
  at: number;
  /** What the sweep covered (the Intercom workspace, each product's trigger tags and `enabledAt`). */
  fingerprint: string;
  baselines: Record<string, TagBaseline>;
}

/** A workspace's feedback catch-up, as stored. */
export interface CatchupState {
  workspaceId: string;
  /** The connection the watermark belongs to; a new connection starts again from its connect time. */
  connectionId: string;
  /** Unix seconds: the next run reads conversations updated from here on (less the overlap). */
  watermark: number;
  /** Unix seconds: a tag applied before this never counts for the catch-up (connect, or feedback switched on). */
  countsFrom: number;
  run: CatchupLease | null;
  lastCatchupAt: string | null;
  /** Tickets, messages and redactions the catch-up found that no webhook had brought, since the catch-up began. */
  recovered: number;
  lastError: string | null;
  sweep: TagSweep | null;
}

/** Whether a run holds the lease at `nowSeconds`: the schedule skips the workspace while one does. */
export function catchupLeaseIsLive(lease: CatchupLease | null | undefined, nowSeconds: number): boolean {
  return lease != null && lease.leaseUntil > nowSeconds;
}

/** Until when a renewal holds the lease: a full lease from now, plus the delay of a deferred message. */
export function catchupLeaseUntil(nowSeconds: number, delaySeconds = 0): number {
  return nowSeconds + Math.max(0, Math.ceil(delaySeconds)) + CATCHUP_LEASE_SECONDS;
}

/** The catch-up part of the status document (`feedbackSync`). */
export interface FeedbackSyncStatus {
  lastCatchupAt: string | null;
  recovered: number;
  lastError: string | null;
}

export function feedbackSyncStatus(state: CatchupState | undefined): FeedbackSyncStatus {
  return {
    lastCatchupAt: state?.lastCatchupAt ?? null,
    recovered: state?.recovered ?? 0,
    lastError: state?.lastError ?? null,
  };
}
