import type { ContactsSyncStatus } from '../connect/status';
import type { ContactSync } from './contact-sync';

/**
 * The `contactsSync` block of the connection status. A stopped backfill shows as `idle` with the
 * progress it had; it continues from there when sync is switched on again.
 */
export function contactsSyncStatus(sync: ContactSync | undefined): ContactsSyncStatus {
  if (!sync) {
    return {
      state: 'idle',
      synced: 0,
      expected: null,
      startedAt: null,
      finishedAt: null,
      lastIncrementalAt: null,
      lastReconciledAt: null,
      error: null,
    };
  }
  return {
    state: sync.state === 'stopped' ? 'idle' : sync.state,
    synced: sync.synced,
    expected: sync.expected,
    startedAt: sync.startedAt,
    finishedAt: sync.finishedAt,
    lastIncrementalAt: sync.lastIncrementalAt,
    lastReconciledAt: sync.lastReconciledAt ?? null,
    error: sync.error,
  };
}
