import { randomUUID } from 'node:crypto';
import type { Connection } from '../connect/connection';
import type { Dependencies } from '../platform/dependencies';
import { logger } from '../platform/logger';
import { ROOT_PARTITION_ID, type BackfillPartition, type ContactSync } from './contact-sync';
import { rootRange } from './partition-plan';
import { purgeMessage, purgeWork } from './purge-contacts';
import type { BackfillPageMessage, ExpirePartitionsMessage, QueuedSyncMessage } from './sync-queue';
import type { PreviousRun } from '../store/contact-store';

/**
 * How far behind a backfill's start the incremental sync begins: Intercom's search may take a few
 * minutes to show a change ("this delay can take a few minutes").
 */
export const SEARCH_LAG_SECONDS = 10 * 60;

/** A running backfill that has not progressed for this long lost its queued work (or its messages went to the DLQ). */
export const STALL_SECONDS = 15 * 60;

type ControlDeps = Pick<Dependencies, 'contactSync' | 'syncQueue' | 'clock'>;

/**
 * Switches contact sync on and starts its backfill; returns at once, the work runs through SQS.
 * Steps: nothing to do when a backfill of the connected Intercom workspace is running, or has
 * completed while sync stayed on; resume its stopped backfill from the checkpoints; otherwise
 * begin a new backfill (see {@link beginBackfill}). When the last backfill read another Intercom
 * workspace, that one is stopped first, and its contacts are removed beside the new backfill
 * (`purge-contacts.ts`).
 */
export async function startContactSync(deps: ControlDeps, connection: Connection): Promise<ContactSync | undefined> {
  const workspaceId = connection.workspaceId;
  let current = await deps.contactSync.get(workspaceId);
  const otherApp = current !== undefined && current.appId !== connection.intercom.appId;
  if (otherApp && current?.state === 'running') current = await stopContactSync(deps, workspaceId);
  if (!otherApp && current?.enabled && (current.state === 'running' || current.state === 'completed')) return current;
  if (!otherApp && current?.state === 'stopped') return resumeBackfill(deps, current, ['stopped']);
  const target = { workspaceId, appId: connection.intercom.appId, timeZone: connection.intercom.timezone };
  const previous = current ? { generation: current.generation } : null;
  return beginBackfill(deps, target, current, previous, otherApp ? purgeWork(workspaceId, target.appId) : []);
}

/**
 * Records a new backfill of `target` (a conditional write on the `previous` run the caller saw, so
 * concurrent starts begin one) and queues its root partition with `work`. A backfill that follows
 * another lets the former run's partitions expire, and once complete removes what it did not see
 * (`sweep`). If the queue refuses the work, the backfill is marked failed, so switching on again
 * starts afresh.
 */
async function beginBackfill(
  deps: ControlDeps,
  target: Pick<ContactSync, 'workspaceId' | 'appId' | 'timeZone'>,
  current: ContactSync | undefined,
  previous: PreviousRun | null,
  work: QueuedSyncMessage[],
): Promise<ContactSync | undefined> {
  const now = deps.clock();
  const sync: ContactSync = {
    ...target,
    enabled: true,
    runId: randomUUID(),
    generation: (current?.generation ?? 0) + 1,
    state: 'running',
    synced: 0,
    expected: null,
    partitionsTotal: 1,
    partitionsDone: 0,
    startedAt: now.toISOString(),
    finishedAt: null,
    stoppedAt: null,
    progressAt: now.toISOString(),
    error: null,
    sweep: current !== undefined,
    watermark: Math.max(current?.watermark ?? 0, Math.floor(now.getTime() / 1000) - SEARCH_LAG_SECONDS),
    lastIncrementalAt: current?.lastIncrementalAt ?? null,
    lastReconciledAt: current?.lastReconciledAt ?? null,
  };
  const root: BackfillPartition = {
    runId: sync.runId,
    partitionId: ROOT_PARTITION_ID,
    range: rootRange(now, sync.timeZone),
    state: 'pending',
    seq: 0,
    cursor: null,
  };
  if (!(await deps.contactSync.beginRun(sync, root, previous))) return deps.contactSync.get(target.workspaceId);
  logger.info('Contact backfill started', { runId: sync.runId, generation: sync.generation, appId: sync.appId });
  const queued: QueuedSyncMessage[] = [{ message: pageMessage(sync, root) }, ...work];
  if (current) queued.push({ message: expireMessage(current) });
  await queueOrFail(deps, sync, queued);
  return sync;
}

/**
 * After a workspace connects: if its contact sync last read another Intercom workspace, the sync
 * follows the new one, restarting when sync is on (which removes the other's contacts) and
 * stopping otherwise. Reconnecting the same Intercom workspace changes nothing.
 */
export async function followConnectedWorkspace(deps: ControlDeps, connection: Connection): Promise<void> {
  const current = await deps.contactSync.get(connection.workspaceId);
  if (!current || current.appId === connection.intercom.appId) return;
  if (connection.settings.syncContacts) await startContactSync(deps, connection);
  else await stopContactSync(deps, connection.workspaceId);
}

/**
 * Marks a backfill completed once its last partition is done; true when this call did. A backfill
 * that followed an earlier one also queues the removal of every stored contact it did not write
 * (deleted in Intercom since, or of another Intercom workspace), leaving out those written since
 * shortly before it began, which Intercom's search may not have shown it. The removal is queued
 * first, once every partition is done: if SQS refuses it, the backfill is not yet completed and the
 * page's redelivery queues it again.
 */
export async function completeBackfill(deps: ControlDeps, sync: ContactSync): Promise<boolean> {
  if (sync.sweep) {
    const current = await deps.contactSync.get(sync.workspaceId);
    const allDone = current?.runId === sync.runId && current.state === 'running' && current.partitionsDone === current.partitionsTotal;
    if (!allDone) return false;
    const writtenBefore = new Date(Date.parse(sync.startedAt) - SEARCH_LAG_SECONDS * 1000).toISOString();
    await deps.syncQueue.send([{ message: purgeMessage(sync.workspaceId, sync.appId, writtenBefore) }]);
  }
  const completed = await deps.contactSync.complete(sync.workspaceId, { runId: sync.runId, generation: sync.generation, now: deps.clock() });
  if (!completed) return false;
  logger.info('Contact backfill completed', { runId: sync.runId, sweep: sync.sweep === true });
  // The run can no longer resume: its partitions may expire. If SQS refuses, the next backfill's start does it.
  await deps.syncQueue.send([{ message: expireMessage(sync) }]).catch((error: unknown) => {
    logger.warn('Could not queue the expiry of a completed backfill\'s partitions', { runId: sync.runId, error });
  });
  return true;
}

/** Switches contact sync off; a running backfill stops at its next page and keeps its checkpoints. */
export async function stopContactSync(deps: ControlDeps, workspaceId: string): Promise<ContactSync | undefined> {
  const sync = await deps.contactSync.disable(workspaceId, deps.clock());
  if (sync?.state === 'stopped') logger.info('Contact backfill stopped', { runId: sync.runId, synced: sync.synced });
  return sync;
}

/** Restarts a backfill that is running but has not progressed for {@link STALL_SECONDS}; true when it did. */
export async function restartIfStalled(deps: ControlDeps, sync: ContactSync): Promise<boolean> {
  const idleSeconds = (deps.clock().getTime() - Date.parse(sync.progressAt)) / 1000;
  if (sync.state !== 'running' || idleSeconds < STALL_SECONDS) return false;
  logger.warn('Contact backfill stalled; queueing its partitions again', { workspaceId: sync.workspaceId, runId: sync.runId });
  return (await resumeBackfill(deps, sync, ['running'])) !== undefined;
}

/**
 * Continues a backfill under the next generation: every unfinished partition is queued again at
 * its checkpoint, and whatever was still queued for the old generation is dropped when it arrives.
 * A run whose checkpoints are not all there, or carry a TTL (written by an earlier version, which
 * let them expire after 30 days), is not continued but begun again from scratch: a lost partition
 * would keep it from ever completing.
 */
async function resumeBackfill(deps: ControlDeps, from: ContactSync, states: ContactSync['state'][]): Promise<ContactSync | undefined> {
  const sync = await deps.contactSync.resume(from.workspaceId, { generation: from.generation, from: states, now: deps.clock() });
  if (!sync) return deps.contactSync.get(from.workspaceId);
  const partitions = await deps.contactSync.listPartitions(sync.workspaceId, sync.runId);
  if (!checkpointsIntact(sync, partitions)) {
    logger.warn('Contact backfill checkpoints lost or expiring; starting it again', {
      runId: sync.runId,
      partitions: partitions.length,
      partitionsTotal: sync.partitionsTotal,
    });
    const target = { workspaceId: sync.workspaceId, appId: sync.appId, timeZone: sync.timeZone };
    return beginBackfill(deps, target, sync, { generation: sync.generation, runId: sync.runId, state: 'running' }, []);
  }
  const pending = partitions.filter((partition) => partition.state === 'pending');
  logger.info('Contact backfill resumed', { runId: sync.runId, generation: sync.generation, partitions: pending.length });
  if (pending.length === 0) {
    await completeBackfill(deps, sync);
    return deps.contactSync.get(sync.workspaceId);
  }
  await queueOrFail(
    deps,
    sync,
    pending.map((partition) => ({ message: pageMessage(sync, partition) })),
  );
  return sync;
}

/**
 * Whether a run's partitions are all there and none may expire: one item per partition the run
 * counts, as many finished (split or done) as it counts done, none with a TTL.
 */
export function checkpointsIntact(sync: Pick<ContactSync, 'partitionsTotal' | 'partitionsDone'>, partitions: BackfillPartition[]): boolean {
  const finished = partitions.filter((partition) => partition.state !== 'pending').length;
  return (
    partitions.length === sync.partitionsTotal &&
    finished === sync.partitionsDone &&
    partitions.some((partition) => partition.partitionId === ROOT_PARTITION_ID) &&
    partitions.every((partition) => partition.expiresAt === undefined)
  );
}

/** The message that lets the partitions of a run that can no longer resume expire. */
function expireMessage(sync: Pick<ContactSync, 'workspaceId' | 'runId'>): ExpirePartitionsMessage {
  return { kind: 'expire-partitions', workspaceId: sync.workspaceId, runId: sync.runId };
}

async function queueOrFail(deps: ControlDeps, sync: ContactSync, messages: QueuedSyncMessage[]): Promise<void> {
  try {
    await deps.syncQueue.send(messages);
  } catch (error) {
    await deps.contactSync.fail(sync.workspaceId, { runId: sync.runId, error: 'The backfill could not be queued.', now: deps.clock() });
    throw error;
  }
}

/** The message for a partition's next page under the sync's current generation. */
export function pageMessage(sync: Pick<ContactSync, 'workspaceId' | 'runId' | 'generation'>, partition: BackfillPartition): BackfillPageMessage {
  return {
    kind: 'backfill-page',
    workspaceId: sync.workspaceId,
    runId: sync.runId,
    generation: sync.generation,
    partitionId: partition.partitionId,
    seq: partition.seq,
  };
}
