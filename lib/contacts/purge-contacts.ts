import { worstCaseCallMs } from '../intercom/client';
import { IntercomNotFoundError, IntercomPermissionError, IntercomTokenInvalidError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { logger } from '../platform/logger';
import { contactFromIntercom, InvalidIntercomContactError, type IntercomContactSnapshot } from './contact';
import type { ContactSync } from './contact-sync';
import { callWithinBudget, searchWithinBudget } from './rate-budget';
import { SEARCH_LAG_SECONDS } from './sync-control';
import type { PurgePageMessage, QueuedSyncMessage } from './sync-queue';

/*
 * Removing stored contacts the sync no longer holds, one page per message on the contacts backfill
 * queue. Contacts of an Intercom workspace the Timebook workspace has switched away from go at
 * once. A contact that a complete pass over Intercom did not see (a full backfill, or a
 * reconciliation's list pass) goes only once Intercom confirms it: a pass alone proves nothing,
 * since its stateless cursor can miss a contact that changes while it pages.
 *
 * How each unseen contact is checked, in Intercom calls:
 * - `GET /contacts/{id}` answers 404: deleted, or merged into another contact (FACTS §9.5). Removed.
 * - It answers 200: the contact exists, but archived contacts cannot be listed or searched (§9.5),
 *   and `GET` does not say whether one is archived. A search for its id tells: found, the pass
 *   merely missed it, and the copy `GET` returned is written; not found, it is archived, and goes as
 *   the `contact.archived` webhook would take it (an unarchive with a later `updated_at` brings it
 *   back). A contact changed within Intercom's search lag may not be searchable yet: it stays, and
 *   the next pass looks again.
 */

/** Stored contacts read, and deleted where they belong to another Intercom workspace, per message. */
export const PURGE_PAGE_SIZE = 500;

/** Unseen contacts one message checks with Intercom at most (each one `GET`, a few a search besides). */
export const CHECKS_PER_MESSAGE = 25;

/**
 * Time a check may take at worst: its `GET` and its search, each with its retries. A message starts
 * a check only with this much time left before its invocation's deadline.
 */
const CHECK_WORST_CASE_MS = 2 * worstCaseCallMs();

/**
 * When the removal runs a second time: after the contacts backfill function's timeout (60 s in
 * serverless.yml) and the page claim's margin, with room to spare. A page of the former workspace's
 * backfill that was past its checks when the sync switched workspaces has written by then.
 */
export const PURGE_AGAIN_AFTER_SECONDS = 90;

export type PurgeOutcome = 'purged' | 'continued' | 'deferred' | 'stopped';

type SweepDeps = Pick<Dependencies, 'contacts' | 'contactSync' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'>;

/**
 * The work that removes the contacts of every Intercom workspace but `appId` once the sync has
 * switched to it: at once, and again once any page of the former workspace still in flight has
 * written. Contacts of no known workspace are left to the new workspace's backfill, which checks
 * what it did not see once it completes.
 */
export function purgeWork(workspaceId: string, appId: string): QueuedSyncMessage[] {
  const message = purgeMessage(workspaceId, appId, null);
  return [{ message }, { message, delaySeconds: PURGE_AGAIN_AFTER_SECONDS }];
}

/**
 * The first page of removing the workspace's stored contacts that the sync of Intercom workspace
 * `appId` does not hold: those of other Intercom workspaces, and, once Intercom confirms it, those
 * not written since `writtenBefore` (ISO-8601; null for none of them). Tombstones stay until they expire.
 */
export function purgeMessage(workspaceId: string, appId: string, writtenBefore: string | null): PurgePageMessage {
  return { kind: 'purge-page', workspaceId, appId, writtenBefore, after: null };
}

/**
 * One page of removing stored contacts the sync no longer holds (see {@link purgeMessage}); queues
 * the next page, or this one again once the rate budget allows. Safe to repeat. Stops, logging why,
 * when Intercom refuses the token or a permission: the next reconciliation does it again.
 */
export async function processPurgePage(
  deps: SweepDeps & Pick<Dependencies, 'syncQueue'>,
  message: PurgePageMessage,
  deadline: Date,
): Promise<PurgeOutcome> {
  let step: SweepStep;
  try {
    step = await sweepStep(deps, message, deadline);
  } catch (error) {
    if (!isPermanent(error)) throw error;
    logger.warn('Removal of contacts the sync no longer holds stopped', { workspaceId: message.workspaceId, reason: (error as Error).message });
    return 'stopped';
  }
  logger.info('Removed contacts the sync no longer holds', { workspaceId: message.workspaceId, ...step.counts, more: !step.done });
  if (step.done) return 'purged';
  await deps.syncQueue.send([{ message: { ...message, after: step.after }, delaySeconds: step.deferSeconds }]);
  return step.deferSeconds === undefined ? 'continued' : 'deferred';
}

/** What one step of a sweep did: contacts removed and kept, and where the next step starts. */
export interface SweepStep {
  counts: { removed: number; checked: number; kept: number };
  /** Whether the sweep is done; if not, the next step starts after the contact id `after` (null: from the first). */
  done: boolean;
  after: string | null;
  /** Set when the rate budget is spent: the next step waits this long. */
  deferSeconds?: number;
}

/**
 * One step of sweeping the stored contacts after `after`: one page of them (see
 * `ContactStore.sweepPage`), its unseen contacts checked with Intercom one by one, within the rate
 * budget, up to {@link CHECKS_PER_MESSAGE} and while the invocation has time left. Safe to repeat.
 */
export async function sweepStep(
  deps: SweepDeps,
  sweep: { workspaceId: string; appId: string; writtenBefore: string | null; after: string | null },
  deadline: Date,
): Promise<SweepStep> {
  const page = await deps.contacts.sweepPage(sweep.workspaceId, { ...sweep, limit: PURGE_PAGE_SIZE });
  const counts = { removed: page.removed, checked: 0, kept: 0 };
  let last = sweep.after;
  for (const contactId of page.unseen) {
    const timeLeft = deadline.getTime() - deps.clock().getTime();
    if (counts.checked > 0 && (counts.checked >= CHECKS_PER_MESSAGE || timeLeft < CHECK_WORST_CASE_MS)) return { counts, done: false, after: last };
    const verdict = await askIntercom(deps, { workspaceId: sweep.workspaceId, appId: sweep.appId }, contactId);
    if (verdict.kind === 'deferred') return { counts, done: false, after: last, deferSeconds: verdict.delaySeconds };
    if (await applyVerdict(deps, sweep.workspaceId, contactId, verdict)) counts.removed += 1;
    else counts.kept += 1;
    counts.checked += 1;
    last = contactId;
  }
  return { counts, done: page.next === null, after: page.next };
}

/** What Intercom says about a stored contact a pass did not see. */
export type Verdict =
  | { kind: 'gone' }
  | { kind: 'archived'; snapshot: IntercomContactSnapshot }
  | { kind: 'present'; snapshot: IntercomContactSnapshot | null }
  | { kind: 'deferred'; delaySeconds: number };

/** Asks Intercom whether an unseen contact is still there (see the top of this file). */
export async function askIntercom(deps: SweepDeps, sync: Pick<ContactSync, 'workspaceId' | 'appId'>, contactId: string): Promise<Verdict> {
  let fetched;
  try {
    fetched = await callWithinBudget(deps, sync, (token, intercom) => intercom.fetchContact(token, contactId, { waitOnRateLimit: false }));
  } catch (error) {
    if (error instanceof IntercomNotFoundError) return { kind: 'gone' };
    throw error;
  }
  if (fetched.kind === 'deferred') return fetched;
  let snapshot: IntercomContactSnapshot;
  try {
    snapshot = contactFromIntercom(fetched.body);
  } catch (error) {
    if (!(error instanceof InvalidIntercomContactError)) throw error;
    logger.warn('Intercom answered a contact the store cannot read; it stays', { contactId });
    return { kind: 'present', snapshot: null };
  }
  const searchable = Math.floor(deps.clock().getTime() / 1000) - SEARCH_LAG_SECONDS;
  if (snapshot.updatedAtSeconds > searchable) return { kind: 'present', snapshot };
  const found = await searchWithinBudget(deps, sync, { query: { field: 'id', operator: '=', value: contactId }, perPage: 1 });
  if (found.kind === 'deferred') return found;
  const listed = found.page.data.some((item) => (item as { id?: unknown } | null)?.id === contactId);
  return listed ? { kind: 'present', snapshot } : { kind: 'archived', snapshot };
}

/** Applies a verdict to the stored contact, newest wins; true when the contact was removed. */
async function applyVerdict(deps: SweepDeps, workspaceId: string, contactId: string, verdict: Exclude<Verdict, { kind: 'deferred' }>): Promise<boolean> {
  const now = deps.clock();
  switch (verdict.kind) {
    case 'gone':
      return deps.contacts.remove(workspaceId, contactId, 'deleted', Math.floor(now.getTime() / 1000), now);
    case 'archived':
      return deps.contacts.remove(workspaceId, contactId, 'archived', verdict.snapshot.updatedAtSeconds, now);
    case 'present':
      if (verdict.snapshot) await deps.contacts.put(workspaceId, verdict.snapshot, now);
      return false;
  }
}

/** Failures no retry mends: the token, a permission, or the connection itself. */
export function isPermanent(error: unknown): boolean {
  return error instanceof IntercomTokenInvalidError || error instanceof IntercomPermissionError || error instanceof ConflictError;
}
