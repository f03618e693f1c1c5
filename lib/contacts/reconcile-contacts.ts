import { randomUUID } from 'node:crypto';
import type { Dependencies } from '../platform/dependencies';
import { rateSeconds } from '../platform/config';
import { logger } from '../platform/logger';
import { readIntercomContacts } from './contact';
import type { ContactSync } from './contact-sync';
import { leaseIsLive, leaseUntil, type IncrementalLease } from './incremental-lease';
import { rangeQuery, rootRange, SEARCH_PAGE_SIZE } from './partition-plan';
import { isPermanent, sweepStep } from './purge-contacts';
import { searchWithinBudget } from './rate-budget';
import type { QueuedSyncMessage, ReconcilePageMessage } from './sync-queue';

/*
 * Reconciliation: finds the contacts deleted in Intercom without a webhook saying so (and those
 * archived or merged away), per workspace with contact sync on and no backfill running.
 *
 * 1. A list pass: every Intercom contact, paged as the backfill pages its root partition (the
 *    search over all `created_at` days, oldest first, 150 a page), each page written as a backfill
 *    page is (newest wins), which also marks the stored contacts it saw.
 * 2. A check pass over the stored contacts the list pass did not see, that is, last written before
 *    the run began: each is asked about with `GET /contacts/{id}` and removed only when Intercom
 *    confirms it is gone (`purge-contacts.ts`). The list pass alone removes nothing.
 *
 * One run at a time per workspace: the run holds a lease on the workspace's sync item, renewed by
 * each of its messages, like the incremental run's (`incremental-lease.ts`). Its checkpoint (phase,
 * cursor, counts) moves with each committed step, so a run whose messages were lost is taken over
 * by the next schedule where it stopped. Every Intercom call spends from the shared rate budget.
 */

/** A workspace's reconciliation run: its lease, its checkpoint and its counts. */
export interface ReconcileRun extends IncrementalLease {
  /** When the run began (ISO-8601): stored contacts last written before it that the list pass did not see are checked. */
  startedAt: string;
  /** The Intercom workspace it reads. */
  appId: string;
  /** Steps committed; the message of the next one carries this number. */
  seq: number;
  phase: 'list' | 'check';
  /** `list`: Intercom's cursor for the next page (null for the first); `check`: the stored contact id to continue after. */
  cursor: string | null;
  /** Contacts the list pass saw. */
  seen: number;
  /** Stored contacts checked with Intercom, and those removed (checked and found gone, or of another Intercom workspace). */
  checked: number;
  removed: number;
}

/** Search pages one list step reads before it commits its checkpoint and queues the next. */
export const LIST_PAGES_PER_STEP = 10;

type ReconcileDeps = Pick<
  Dependencies,
  'contacts' | 'contactSync' | 'syncQueue' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'
>;

export interface ReconcileSchedule {
  workspaces: number;
  /** Runs begun, and crashed runs taken over at their checkpoint. */
  queued: number;
  resumed: number;
  /** Skipped: a run holds the lease, a backfill is running, or the last run completed within half a period. */
  busy: number;
  backfilling: number;
  recent: number;
}

/**
 * The scheduled step (`CONTACTS_RECONCILE_RATE`): for every workspace with contact sync on, no
 * backfill running and no reconciliation holding the lease, begins a run (or takes over a crashed
 * one where it stopped) and queues its first step.
 */
export async function scheduleReconciliation(deps: ReconcileDeps): Promise<ReconcileSchedule> {
  const now = deps.clock();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const quiet = (rateSeconds(deps.config.CONTACTS_RECONCILE_RATE) ?? 86_400) / 2;
  const summary: ReconcileSchedule = { workspaces: 0, queued: 0, resumed: 0, busy: 0, backfilling: 0, recent: 0 };
  const queued: QueuedSyncMessage[] = [];
  for (const sync of await deps.contactSync.listEnabled()) {
    summary.workspaces += 1;
    const previous = sync.reconcileRun;
    if (sync.state === 'running') {
      summary.backfilling += 1;
      continue;
    }
    if (leaseIsLive(previous, nowSeconds)) {
      summary.busy += 1;
      continue;
    }
    const lastAt = sync.lastReconciledAt ? Date.parse(sync.lastReconciledAt) / 1000 : undefined;
    if (!previous && lastAt !== undefined && nowSeconds - lastAt < quiet) {
      summary.recent += 1;
      continue;
    }
    const takeOver = previous !== undefined && previous.appId === sync.appId;
    const run: ReconcileRun = takeOver
      ? { ...previous, runId: randomUUID(), leaseUntil: leaseUntil(nowSeconds) }
      : newRun(sync, now);
    if (!(await deps.contactSync.takeReconcileLease(sync.workspaceId, run, nowSeconds, takeOver ? previous.runId : undefined))) {
      summary.busy += 1;
      continue;
    }
    if (takeOver) summary.resumed += 1;
    else summary.queued += 1;
    queued.push({ message: stepMessage(sync.workspaceId, run) });
  }
  await deps.syncQueue.send(queued);
  return summary;
}

function newRun(sync: ContactSync, now: Date): ReconcileRun {
  return {
    runId: randomUUID(),
    leaseUntil: leaseUntil(Math.floor(now.getTime() / 1000)),
    // To the millisecond: a contact written a moment before the run began is one it must check.
    startedAt: now.toISOString(),
    appId: sync.appId,
    seq: 0,
    phase: 'list',
    cursor: null,
    seen: 0,
    checked: 0,
    removed: 0,
  };
}

function stepMessage(workspaceId: string, run: Pick<ReconcileRun, 'runId' | 'seq'>): ReconcilePageMessage {
  return { kind: 'reconcile-page', workspaceId, runId: run.runId, seq: run.seq };
}

export type ReconcileOutcome = 'continued' | 'deferred' | 'completed' | 'stale' | 'abandoned' | 'stopped';

/** What a step did: the run as it is after it, whether the run is complete, and how long the next step waits. */
interface Step {
  run: ReconcileRun;
  done: boolean;
  deferSeconds?: number;
}

/**
 * Runs step `seq` of a reconciliation. Steps: drop a stale or repeated message (the run no longer
 * holds the lease, or this step is committed); abandon the run if sync was switched off, a backfill
 * began or the Intercom workspace changed (the next schedule starts afresh); renew the lease; do one
 * list step (up to {@link LIST_PAGES_PER_STEP} pages) or one check step; commit the checkpoint, and
 * queue the next step (later, if the rate budget is spent), or record `lastReconciledAt` at the end.
 * A token or permission Intercom refuses ends the run without completing it.
 */
export async function processReconcilePage(deps: ReconcileDeps, message: ReconcilePageMessage, deadline: Date): Promise<ReconcileOutcome> {
  const { workspaceId } = message;
  const sync = await deps.contactSync.get(workspaceId);
  const run = sync?.reconcileRun;
  if (!sync || !run || run.runId !== message.runId || run.seq !== message.seq) return 'stale';
  if (!sync.enabled || sync.state === 'running' || sync.appId !== run.appId) {
    await deps.contactSync.dropReconcile(workspaceId, run.runId);
    logger.info('Contact reconciliation abandoned', { workspaceId, enabled: sync.enabled, backfill: sync.state });
    return 'abandoned';
  }
  const renewed = { ...run, leaseUntil: leaseUntil(Math.floor(deps.clock().getTime() / 1000)) };
  if (!(await deps.contactSync.advanceReconcile(workspaceId, run, renewed, deps.clock()))) return 'stale';

  let step: Step;
  try {
    step = run.phase === 'list' ? await listStep(deps, sync, renewed) : await checkStep(deps, workspaceId, renewed, deadline);
  } catch (error) {
    if (!isPermanent(error)) throw error;
    await deps.contactSync.dropReconcile(workspaceId, run.runId);
    logger.warn('Contact reconciliation stopped', { workspaceId, reason: (error as Error).message });
    return 'stopped';
  }
  const nowSeconds = Math.floor(deps.clock().getTime() / 1000);
  const next: ReconcileRun = { ...step.run, seq: run.seq + 1, leaseUntil: leaseUntil(nowSeconds, step.deferSeconds) };
  if (!(await deps.contactSync.advanceReconcile(workspaceId, run, step.done ? null : next, deps.clock()))) return 'stale';
  if (step.done) {
    const { seen, checked, removed } = step.run;
    logger.info('Contact reconciliation completed', { workspaceId, seen, checked, removed });
    return 'completed';
  }
  await deps.syncQueue.send([{ message: stepMessage(workspaceId, next), delaySeconds: step.deferSeconds }]);
  return step.deferSeconds === undefined ? 'continued' : 'deferred';
}

/** Up to {@link LIST_PAGES_PER_STEP} pages of the list pass, each written as a backfill page is. */
async function listStep(deps: ReconcileDeps, sync: ContactSync, run: ReconcileRun): Promise<Step> {
  // The same query on every page of the run: a cursor belongs to its query.
  const query = rangeQuery(rootRange(new Date(run.startedAt), sync.timeZone));
  let { cursor, seen } = run;
  for (let page = 0; page < LIST_PAGES_PER_STEP; page += 1) {
    const readAt = deps.clock();
    const result = await searchWithinBudget(deps, { workspaceId: sync.workspaceId, appId: run.appId }, {
      query,
      sort: { field: 'created_at', order: 'ascending' },
      perPage: SEARCH_PAGE_SIZE,
      startingAfter: cursor,
    });
    if (result.kind === 'deferred') return { run: { ...run, cursor, seen }, done: false, deferSeconds: result.delaySeconds };
    const snapshots = readIntercomContacts(result.page.data);
    await deps.contacts.putBackfillPage(sync.workspaceId, snapshots, { readAt, now: deps.clock() });
    seen += snapshots.length;
    cursor = result.page.pages?.next?.starting_after ?? null;
    if (cursor === null || result.page.data.length === 0) return { run: { ...run, phase: 'check', cursor: null, seen }, done: false };
  }
  return { run: { ...run, cursor, seen }, done: false };
}

/** One step of the check pass over the stored contacts the list pass did not see. */
async function checkStep(deps: ReconcileDeps, workspaceId: string, run: ReconcileRun, deadline: Date): Promise<Step> {
  const step = await sweepStep(deps, { workspaceId, appId: run.appId, writtenBefore: run.startedAt, after: run.cursor }, deadline);
  const after: ReconcileRun = {
    ...run,
    cursor: step.after,
    checked: run.checked + step.counts.checked,
    removed: run.removed + step.counts.removed,
  };
  return { run: after, done: step.done, deferSeconds: step.deferSeconds };
}
