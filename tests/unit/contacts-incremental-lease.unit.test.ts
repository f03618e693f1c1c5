import { describe, expect, it } from 'vitest';
import { INCREMENTAL_LEASE_SECONDS, leaseIsLive, leaseUntil } from '../../lib/contacts/incremental-lease';

describe('the incremental lease', () => {
  it('is live until its end, and free without a run', () => {
    const lease = { runId: 'run-1', leaseUntil: 1_000 };
    expect(leaseIsLive(lease, 999)).toBe(true);
    expect(leaseIsLive(lease, 1_000)).toBe(false);
    expect(leaseIsLive(undefined, 0)).toBe(false);
  });

  it('renews for a full lease, and a deferral for its delay as well', () => {
    expect(leaseUntil(1_000)).toBe(1_000 + INCREMENTAL_LEASE_SECONDS);
    expect(leaseUntil(1_000, 899.2)).toBe(1_000 + 900 + INCREMENTAL_LEASE_SECONDS);
    // SQS hides a message for at most 900 s: a longer deferral is cut to it.
    expect(leaseUntil(1_000, 5_000)).toBe(1_000 + 900 + INCREMENTAL_LEASE_SECONDS);
  });

  it('frees the workspace of a crashed run within half an hour', () => {
    expect(INCREMENTAL_LEASE_SECONDS).toBeLessThanOrEqual(30 * 60);
  });
});
