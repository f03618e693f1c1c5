/**
 * The newest-wins rule of the contacts store. Every stored contact carries a numeric version; a
 * write applies only when nothing is stored yet or the stored version is not newer than the write's.
 * The store enforces it with a condition expression, so webhooks, the backfill and the incremental
 * sync may write the same contact in any order and the newest state stays.
 */

/** How a contact left Intercom. */
export type ContactRemoval = 'deleted' | 'merged' | 'archived';

/** Deleted and merged ids never come back in Intercom, so their removal outranks every later write. */
export const FINAL_VERSION = Number.MAX_SAFE_INTEGER;

/** A contact snapshot's version: Intercom's `updated_at` in unix seconds. */
export function snapshotVersion(updatedAtSeconds: number): number {
  return updatedAtSeconds;
}

/**
 * A removal's version. An archived contact can be unarchived, which changes its `updated_at`: only a
 * snapshot from a later second brings it back (the half second breaks the tie with the same second).
 */
export function removalVersion(removal: ContactRemoval, atSeconds: number): number {
  return removal === 'archived' ? atSeconds + 0.5 : FINAL_VERSION;
}

/** Whether a write of version `incoming` replaces what is stored (`undefined`: nothing is). */
export function supersedes(incoming: number, stored: number | undefined): boolean {
  return stored === undefined || stored <= incoming;
}
