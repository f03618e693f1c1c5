import { randomUUID } from 'node:crypto';
import type { Connection } from '../connect/connection';
import { IntercomBadRequestError, IntercomPermissionError, IntercomTokenInvalidError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { logger } from '../platform/logger';
import { sqsDelaySeconds } from '../platform/sqs-batch-queue';
import { isThrottling } from '../store/table';
import { readIntercomContacts, type IntercomContactSnapshot } from './contact';
import { childPartitionId, ROOT_PARTITION_ID, type BackfillPartition, type ContactSync } from './contact-sync';
import { planSplit, rangeQuery, SEARCH_PAGE_SIZE } from './partition-plan';
import { searchWithinBudget } from './rate-budget';
import { completeBackfill, pageMessage } from './sync-control';
import type { BackfillPageMessage } from './sync-queue';

export type BackfillPageOutcome =
  | 'committed'
  | 'completed'
  | 'split'
  | 'deferred'
  | 'failed'
  /** The page was already committed, or another worker committed it first. */
  | 'duplicate'
  /** The backfill was stopped, restarted or replaced since the message was queued. */
  | 'superseded';

type PageDeps = Pick<
  Dependencies,
  'contacts' | 'contactSync' | 'syncQueue' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'
>;

/** Slack for clocks: a claim runs this long past the end of the invocation that holds it. */
const CLAIM_MARGIN_MS = 5_000;

/**
 * Pages one message works through, one after another under the same claim, before it hands the
 * partition on to a new message: the run's checks, the claim and the connection are read once for
 * them all, and partitions still take turns on the queue.
 */
export const PAGES_PER_MESSAGE = 5;

/** A message starts another page only with this much time left, or three times its last page's, if longer. */
const NEXT_PAGE_MIN_MS = 10_000;

/**
 * Applies up to `pagesPerMessage` ({@link PAGES_PER_MESSAGE}) pages of one backfill partition,
 * starting at the message's. Safe to repeat and to run concurrently with itself. `deadline` is when the invocation
 * doing the work ends at the latest (its Lambda timeout).
 * Steps: drop the message unless its backfill generation is still running; claim the page until
 * the deadline, so that only one worker writes the partition at a time; if the partition's
 * checkpoint is already past the page, only make sure its current page is queued (a worker may have
 * died between checkpoint and enqueue); if another worker holds the page, look again once its claim
 * runs out. Then, page by page: search from the checkpoint within the shared rate budget, or queue
 * the page again with a delay; split a partition whose first page shows it is too large; write the
 * contacts; commit the checkpoint and the count in one conditional transaction, which also finds
 * out whether a live write may be newer than the page (then that copy is put back first); go on to
 * the next page under the same claim while pages and time allow, else queue it, or complete the
 * backfill after its last partition. A page DynamoDB throttles past the stores' retries is queued
 * again with a delay (see {@link throttledPageDelaySeconds}) rather than failed.
 */
export async function processBackfillPage(
  deps: PageDeps,
  message: BackfillPageMessage,
  { deadline, pagesPerMessage = PAGES_PER_MESSAGE }: { deadline: Date; pagesPerMessage?: number },
): Promise<BackfillPageOutcome> {
  const { workspaceId } = message;
  const sync = await sharedRead(deps.contactSync, `sync ${workspaceId}`, () => deps.contactSync.get(workspaceId));
  if (!sync || sync.runId !== message.runId || sync.generation !== message.generation || sync.state !== 'running') {
    return 'superseded';
  }
  const now = deps.clock();
  const claimId = randomUUID();
  let partition = await deps.contactSync.claimPage(workspaceId, {
    runId: message.runId,
    partitionId: message.partitionId,
    seq: message.seq,
    claimId,
    until: new Date(deadline.getTime() + CLAIM_MARGIN_MS),
    now,
  });
  if (!partition) return notClaimed(deps, sync, message, now);

  const release = () =>
    deps.contactSync.releaseClaim(workspaceId, { runId: message.runId, partitionId: message.partitionId, claimId }).catch((error: unknown) => {
      logger.warn('Could not release a backfill page claim; it runs out by itself', { error });
    });
  let outcome: PageStep | undefined;
  let pages = 0;
  try {
    // Read once for the message's pages, as a page read it before: a replaced or removed
    // connection is seen by the next message at the latest, and stops the run besides.
    const connection = await sharedRead(deps.connections, `connection ${workspaceId}`, () => deps.connections.get(workspaceId));
    for (;;) {
      const started = deps.clock().getTime();
      const mayContinue = pages + 1 < pagesPerMessage;
      const current: BackfillPartition = partition;
      const keepClaim = (last: boolean) => {
        const now = deps.clock().getTime();
        return !last && mayContinue && deadline.getTime() - now > Math.max(NEXT_PAGE_MIN_MS, 3 * (now - started));
      };
      try {
        outcome = await workOnPage(deps, sync, current, claimId, { ...message, seq: current.seq }, { connection, keepClaim });
      } catch (error) {
        if (isThrottling(error)) {
          // DynamoDB refused the page's writes or its checkpoint, its retries spent: the page comes
          // back later (the claim is released below, the checkpoint has not moved), and the receives
          // SQS counts towards the dead-letter queue are kept for real failures.
          outcome = { outcome: 'deferred' };
          const deferrals = (pages === 0 ? (message.deferrals ?? 0) : 0) + 1;
          const delaySeconds = throttledPageDelaySeconds(deferrals);
          logger.warn('DynamoDB throttled a contact backfill page; queued again later', {
            workspaceId,
            partitionId: current.partitionId,
            seq: current.seq,
            deferrals,
            delaySeconds,
            error: error as Error,
          });
          await deps.syncQueue.send([{ message: { ...pageMessage(sync, current), deferrals }, delaySeconds }]);
          return 'deferred';
        }
        if (pages === 0) throw error;
        // The message's first pages are committed: SQS would retry a page that is no longer the
        // partition's. The page goes on in a message of its own, which SQS retries if it fails again.
        logger.warn('Contact backfill page failed; queued again', { partitionId: current.partitionId, seq: current.seq, error: error as Error });
        await release();
        outcome = { outcome: 'committed' };
        await deps.syncQueue.send([{ message: pageMessage(sync, current) }]);
        return 'committed';
      }
      pages += 1;
      if (outcome.outcome !== 'committed' || !outcome.next) return outcome.outcome;
      partition = outcome.next;
    }
  } finally {
    // A committed page or split released its claim; anything else (an error included) hands the
    // page to the next delivery at once rather than when the claim runs out.
    const released = outcome !== undefined && (outcome.outcome === 'completed' || outcome.outcome === 'split' || (outcome.outcome === 'committed' && !outcome.next));
    if (!released) await release();
  }
}

/**
 * How long a page DynamoDB throttled waits before it is tried again, in seconds: 20 to 60 the first
 * time, the random part growing with each deferral in a row (up to 20 to 340), so that the
 * partitions' pages spread out and their writes come down to what the table takes.
 */
export function throttledPageDelaySeconds(deferrals: number, random = Math.random): number {
  return sqsDelaySeconds(20 + random() * 40 * Math.min(Math.max(deferrals, 1), 8));
}

const readsInFlight = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * `read()`, or the same read of `store` already in flight. A Lambda container runs one batch at a
 * time, whose records all arrived before the read began: each record still gets a read made since
 * it arrived, and the batch, whose records start together, makes one.
 */
function sharedRead<T>(store: object, key: string, read: () => Promise<T>): Promise<T> {
  let reads = readsInFlight.get(store);
  if (!reads) readsInFlight.set(store, (reads = new Map()));
  const pending = reads.get(key);
  if (pending) return pending as Promise<T>;
  const started = read().finally(() => reads.delete(key));
  reads.set(key, started);
  return started;
}

/**
 * What one page came to. `next`: the partition at its next page, still claimed by this message,
 * when the message goes on with it.
 */
type PageStep = { outcome: BackfillPageOutcome; next?: BackfillPartition };

/** The work on a claimed page, from the Intercom search to the checkpoint. */
async function workOnPage(
  deps: PageDeps,
  sync: ContactSync,
  partition: BackfillPartition,
  claimId: string,
  message: BackfillPageMessage,
  options: { connection: Connection | undefined; keepClaim: (last: boolean) => boolean },
): Promise<PageStep> {
  const { workspaceId } = message;
  const readAt = deps.clock();
  let result;
  try {
    result = await searchPage(deps, sync, partition, options.connection);
  } catch (error) {
    const reason = permanentFailure(error);
    if (!reason) throw error;
    await deps.contactSync.fail(workspaceId, { runId: sync.runId, error: reason, now: deps.clock() });
    logger.warn('Contact backfill failed', { runId: sync.runId, reason });
    return { outcome: 'failed' };
  }
  if (result.kind === 'deferred') {
    await deps.syncQueue.send([{ message, delaySeconds: result.delaySeconds }]);
    return { outcome: 'deferred' };
  }

  const { snapshots, next, last } = result;
  const expected = partition.partitionId === ROOT_PARTITION_ID && message.seq === 0 ? result.total : undefined;
  if (message.seq === 0) {
    const children = planSplit(
      partition.range,
      { total: result.total ?? snapshots.length, oldestCreatedAt: snapshots[0]?.createdAtSeconds ?? null },
      sync.timeZone,
      { root: partition.partitionId === ROOT_PARTITION_ID },
    );
    if (children) return { outcome: await split(deps, sync, partition, claimId, children, expected) };
  }

  const written = await deps.contacts.writeBackfillPage(workspaceId, snapshots, { readAt, now: deps.clock() });
  const keepClaim = options.keepClaim(last);
  const commit = {
    runId: sync.runId,
    generation: sync.generation,
    partitionId: partition.partitionId,
    seq: partition.seq,
    claimId,
    cursor: next,
    count: snapshots.length,
    last,
    expected,
    keepClaim,
  };
  let committed = await deps.contactSync.checkpointPage(workspaceId, { ...commit, now: deps.clock(), guard: deps.contacts.liveWriteGuard(written) });
  if (committed === 'guard-failed') {
    // A live write began near or after the page's read: put back any newer copy it journaled,
    // then commit. The checkpoint never moves past a page whose restore has not happened.
    await deps.contacts.restoreLiveWrites(written, deps.clock());
    committed = await deps.contactSync.checkpointPage(workspaceId, { ...commit, now: deps.clock() });
  }
  if (committed !== 'committed') {
    // Written but not committed (the run was stopped or replaced meanwhile): the written copies
    // stay, so they must not hide a newer live write either.
    await deps.contacts.restoreLiveWrites(written, deps.clock(), { checkMark: true });
    return { outcome: 'duplicate' };
  }
  if (!last) {
    const following: BackfillPartition = { ...partition, seq: partition.seq + 1, cursor: next };
    if (keepClaim) return { outcome: 'committed', next: following };
    await deps.syncQueue.send([{ message: pageMessage(sync, following) }]);
    return { outcome: 'committed' };
  }
  return { outcome: (await completeBackfill(deps, sync)) ? 'completed' : 'committed' };
}

type SearchedPage =
  | { kind: 'page'; snapshots: IntercomContactSnapshot[]; total: number | undefined; next: string | null; last: boolean }
  | { kind: 'deferred'; delaySeconds: number };

/**
 * Searches the partition's next page within the shared rate budget and keeps only what the page
 * needs from the answer: the copied contact fields and the paging. Intercom's full contacts (about
 * 2 KB of JSON each) become garbage here, before the slow part (the writes) begins, so a worker
 * with a batch of pages in flight holds ten small pages rather than ten full answers.
 */
async function searchPage(
  deps: PageDeps,
  sync: ContactSync,
  partition: BackfillPartition,
  connection: Connection | undefined,
): Promise<SearchedPage> {
  const search = {
    query: rangeQuery(partition.range),
    sort: { field: 'created_at', order: 'ascending' } as const,
    perPage: SEARCH_PAGE_SIZE,
    startingAfter: partition.cursor,
  };
  const result = await searchWithinBudget(deps, sync, search, { connection });
  if (result.kind === 'deferred') return result;
  const { data, total_count: total, pages } = result.page;
  const next = pages?.next?.starting_after ?? null;
  return { kind: 'page', snapshots: readIntercomContacts(data), total, next, last: next === null || data.length === 0 };
}

async function split(
  deps: PageDeps,
  sync: ContactSync,
  parent: BackfillPartition,
  claimId: string,
  ranges: BackfillPartition['range'][],
  expected: number | undefined,
): Promise<BackfillPageOutcome> {
  const children: BackfillPartition[] = ranges.map((range, index) => ({
    runId: sync.runId,
    partitionId: childPartitionId(parent.partitionId, index),
    range,
    state: 'pending',
    seq: 0,
    cursor: null,
  }));
  const committed = await deps.contactSync.commitSplit(sync.workspaceId, {
    runId: sync.runId,
    generation: sync.generation,
    parentId: parent.partitionId,
    claimId,
    children,
    expected,
    now: deps.clock(),
  });
  if (!committed) return 'duplicate';
  await deps.syncQueue.send(children.map((child) => ({ message: pageMessage(sync, child) })));
  return 'split';
}

/**
 * A page that could not be claimed: already committed (see {@link requeueLostWork}), or held by
 * another worker, in which case the message comes back once that claim has run out.
 */
async function notClaimed(deps: PageDeps, sync: ContactSync, message: BackfillPageMessage, now: Date): Promise<BackfillPageOutcome> {
  const partition = await deps.contactSync.getPartition(sync.workspaceId, message.runId, message.partitionId);
  if (!partition) {
    logger.warn('Backfill message for an unknown partition', { partitionId: message.partitionId });
    return 'superseded';
  }
  if (partition.state === 'pending' && partition.seq === message.seq && partition.claimedUntil) {
    await deps.syncQueue.send([{ message, delaySeconds: sqsDelaySeconds((partition.claimedUntil - now.getTime()) / 1000) }]);
    return 'deferred';
  }
  await requeueLostWork(deps, sync, partition, message);
  return 'duplicate';
}

/**
 * A message whose page is already committed. Its follow-up may never have happened if the worker
 * that committed died first (after this page or a later one of the same message): queue the
 * partition's current page again, or complete the backfill after a last page.
 * A duplicate of work still queued is harmless, since only one of the two can commit.
 */
async function requeueLostWork(deps: PageDeps, sync: ContactSync, partition: BackfillPartition, message: BackfillPageMessage) {
  if (partition.state === 'done') {
    await completeBackfill(deps, sync);
  } else if (partition.state === 'pending' && partition.seq > message.seq) {
    await deps.syncQueue.send([{ message: pageMessage(sync, partition) }]);
  } else if (partition.state === 'split' && message.seq === 0) {
    const children = await deps.contactSync.listPartitions(sync.workspaceId, sync.runId, `${partition.partitionId}.`);
    const unstarted = children.filter((child) => child.state === 'pending' && child.seq === 0 && isChildOf(child, partition));
    if (unstarted.length > 0) await deps.syncQueue.send(unstarted.map((child) => ({ message: pageMessage(sync, child) })));
  }
}

function isChildOf(child: BackfillPartition, parent: BackfillPartition): boolean {
  return !child.partitionId.slice(parent.partitionId.length + 1).includes('.');
}

/** Why the backfill cannot go on without an admin, or undefined for failures worth retrying. */
function permanentFailure(error: unknown): string | undefined {
  if (error instanceof IntercomTokenInvalidError) return 'Intercom no longer accepts the access token. Reconnect Intercom.';
  if (error instanceof IntercomPermissionError) return 'The Intercom app lacks "Read and list users and companies".';
  if (error instanceof IntercomBadRequestError) return `Intercom refused the contact search: ${error.message}`;
  if (error instanceof ConflictError) return 'Intercom is not connected.';
  return undefined;
}
