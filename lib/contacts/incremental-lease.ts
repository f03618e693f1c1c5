import { sqsDelaySeconds } from '../platform/sqs-batch-queue';

/**
 * How long an incremental run holds its workspace without a sign of life. Every message renews it
 * before its work, so it must outlast the longest gap between two renewals: a message that fails
 * and comes back after the queue's visibility timeout, or one deferred for up to the 900 s SQS
 * allows (a deferral renews for its delay as well). Bounded so that a crashed run frees the
 * workspace for the next schedule within half an hour. Checked against the backfill function's
 * timeout and queue in tests/int/cloudformation-template.int.test.ts.
 */
export const INCREMENTAL_LEASE_SECONDS = 30 * 60;

/** The workspace's running incremental run, on its contact sync item. */
export interface IncrementalLease {
  runId: string;
  /** Unix seconds; the lease is free from then on. */
  leaseUntil: number;
}

/** Whether a run holds the lease at `nowSeconds`: the schedule skips the workspace while one does. */
export function leaseIsLive(lease: IncrementalLease | null | undefined, nowSeconds: number): boolean {
  return lease != null && lease.leaseUntil > nowSeconds;
}

/** Until when a run's renewal holds the lease: a full lease from now, plus the delay of a deferred message. */
export function leaseUntil(nowSeconds: number, delaySeconds = 0): number {
  return nowSeconds + (delaySeconds > 0 ? sqsDelaySeconds(delaySeconds) : 0) + INCREMENTAL_LEASE_SECONDS;
}
