import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { scheduleIncrementalSync } from '../../lib/contacts/incremental-sync';
import { scheduleReconciliation } from '../../lib/contacts/reconcile-contacts';
import { startContactSync, stopContactSync } from '../../lib/contacts/sync-control';
import type { IncrementalPageMessage } from '../../lib/contacts/sync-queue';
import { processSyncMessage } from '../../lib/contacts/sync-worker';
import { IntercomClient } from '../../lib/intercom/client';
import type { Dependencies } from '../../lib/platform/dependencies';
import { keys } from '../../lib/store/keys';
import {
  byId,
  connectedWithContacts,
  contactsSync,
  expectedContact,
  intercomContacts,
  listedContacts,
  runScheduledReconciliation,
  simulator,
  switchContactSync,
  waitForContactsSync,
  type ContactsWorkspace,
} from '../support/contacts-world';
import { waitFor } from '../../dev/processes';
import { dynamo, stack } from '../support/local-stack';
import { SYNC_CLOCK_START } from '../support/seed-times';
import { drainWorkspace, MemoryQueue, sweepExpiredItems, syncDependencies, type TestClock } from '../support/sync-in-process';

/*
 * Contact sync under the faults time brings: a pause longer than a TTL, schedules firing while a
 * run is slow, contacts leaving Intercom without a webhook. The use cases run in the test process
 * against the local stack's DynamoDB and the Intercom simulator, with an in-memory queue and a
 * clock the test moves (tests/support/sync-in-process.ts). Each test prints its counts.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const seconds = (ms: number) => Math.floor(ms / 1000);

/** One page of the given message in an invocation with a minute left. */
const work = (deps: Dependencies, message: Parameters<typeof processSyncMessage>[1]) =>
  processSyncMessage(deps, message, new Date(deps.clock().getTime() + MINUTE));

/** An Intercom client for the simulator whose requests go through `fetch`. */
function intercomThrough(fetch: typeof globalThis.fetch): IntercomClient {
  return new IntercomClient({ baseUrl: stack.intercomUrl, regionBaseUrls: stack.intercomRegionUrls, version: '2.16', fetch });
}

async function expectExactCopy(ws: ContactsWorkspace) {
  const [listed, intercom] = await Promise.all([listedContacts(ws), intercomContacts(ws)]);
  expect([...listed].sort(byId)).toEqual(intercom.map(expectedContact).sort(byId));
  return listed;
}

describe('contact sync switched off mid-backfill and on again 31 days later', () => {
  const CONTACTS = 3_200;

  /**
   * `earlierVersion`: the partitions carry the 30-day TTL the version before this one gave them.
   * `swept`: AWS has deleted the expired items (it does within about two days of expiry); otherwise
   * they are still readable, as AWS allows until then.
   */
  async function pauseAndResume(seed: number, { earlierVersion, swept }: { earlierVersion: boolean; swept: boolean }) {
    const ws = await connectedWithContacts({ count: CONTACTS, seed, leadRatio: 0.3 });
    const queue = new MemoryQueue();
    const clock: TestClock = { now: SYNC_CLOCK_START };
    const deps = syncDependencies(queue, ws.workspaceId, clock);
    const connection = (await deps.connections.get(ws.workspaceId))!;

    const first = (await startContactSync(deps, connection))!;
    // The root splits; a few partitions' pages follow; then sync is switched off.
    for (let step = 0; step < 7; step += 1) {
      await work(deps, queue.messages.shift()!.message);
      clock.now += 20_000;
    }
    const stopped = (await stopContactSync(deps, ws.workspaceId))!;
    expect(stopped).toMatchObject({ runId: first.runId, state: 'stopped' });
    expect(stopped.synced).toBeGreaterThan(0);
    expect(stopped.synced).toBeLessThan(CONTACTS);
    const partitions = await deps.contactSync.listPartitions(ws.workspaceId, first.runId);
    expect(partitions.length).toBeGreaterThan(2);
    expect(partitions.filter((partition) => partition.expiresAt !== undefined)).toEqual([]);
    if (earlierVersion) {
      for (const partition of partitions) {
        await dynamo.send(
          new UpdateCommand({
            TableName: stack.tableName,
            Key: keys.backfillPartition(ws.workspaceId, first.runId, partition.partitionId),
            UpdateExpression: 'SET expiresAt = :ttl',
            ExpressionAttributeValues: { ':ttl': seconds(SYNC_CLOCK_START) + 30 * 86_400 },
          }),
        );
      }
    }
    // SQS keeps a message four days at most: nothing queued survives the pause.
    queue.messages.length = 0;

    clock.now += 31 * DAY;
    const sweptItems = swept ? await sweepExpiredItems(ws.workspaceId, ws.intercom.appId, new Date(clock.now)) : {};
    if (swept && earlierVersion) expect(sweptItems.PARTITION).toBe(partitions.length);
    if (!earlierVersion) expect(sweptItems.PARTITION).toBeUndefined();

    const resumed = (await startContactSync(deps, connection))!;
    const processed = await drainWorkspace(deps, queue, ws.workspaceId);
    // The schedule after the stall window finds nothing to restart.
    clock.now += 20 * MINUTE;
    expect((await scheduleIncrementalSync(deps)).restarted).toBe(0);

    const sync = (await deps.contactSync.get(ws.workspaceId))!;
    expect(sync).toMatchObject({ state: 'completed', synced: CONTACTS, expected: CONTACTS, partitionsDone: sync.partitionsTotal });
    expect(await contactsSync(ws)).toMatchObject({ state: 'completed', synced: CONTACTS, expected: CONTACTS, error: null });
    expect(await expectExactCopy(ws)).toHaveLength(CONTACTS);
    // Once complete, its partitions may expire; a replaced run's too.
    const finalPartitions = await deps.contactSync.listPartitions(ws.workspaceId, sync.runId);
    expect(finalPartitions.every((partition) => partition.expiresAt !== undefined)).toBe(true);

    const how = resumed.runId === first.runId ? 'resumed from its checkpoints' : 'begun again from scratch';
    const sweptText = swept ? `${Object.values(sweptItems).reduce((a, b) => a + b, 0)} expired items swept (${JSON.stringify(sweptItems)})` : 'expired items left readable';
    console.log(
      `Contacts paused 31 days (${earlierVersion ? 'partitions with the earlier version\'s TTL' : 'partitions of this version'}, ${sweptText}): ` +
        `stopped at ${stopped.synced} of ${CONTACTS} with ${partitions.length} partitions; ${how}; ` +
        `${processed['backfill-page:committed'] ?? 0} pages committed after it; completed ${sync.synced} of ${sync.expected}, exact`,
    );
    return { first, resumed };
  }

  it('resumes from its checkpoints and completes exactly, with expired items swept as AWS does', async () => {
    const { first, resumed } = await pauseAndResume(61, { earlierVersion: false, swept: true });
    expect(resumed.runId).toBe(first.runId);
  }, 300_000);

  it('resumes from its checkpoints and completes exactly, with expired items still readable', async () => {
    const { first, resumed } = await pauseAndResume(62, { earlierVersion: false, swept: false });
    expect(resumed.runId).toBe(first.runId);
  }, 300_000);

  it('begins again and completes exactly when the earlier version\'s partitions expired and were swept', async () => {
    const { first, resumed } = await pauseAndResume(63, { earlierVersion: true, swept: true });
    expect(resumed.runId).not.toBe(first.runId);
  }, 300_000);

  it('begins again and completes exactly when the earlier version\'s partitions expired but are still readable', async () => {
    const { first, resumed } = await pauseAndResume(64, { earlierVersion: true, swept: false });
    expect(resumed.runId).not.toBe(first.runId);
  }, 300_000);
});

/** Holds every contact search while closed, so a test can act while a run waits on a slow Intercom. */
class SlowSearches {
  private closed = false;
  private held: Array<() => void> = [];
  private onHeld: (() => void) | undefined;

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    if (this.closed && String(input instanceof Request ? input.url : input).endsWith('/contacts/search')) {
      await new Promise<void>((release) => {
        this.held.push(release);
        this.onHeld?.();
        this.onHeld = undefined;
      });
    }
    return globalThis.fetch(input, init);
  };

  close(): void {
    this.closed = true;
  }

  /** Resolves once a search is being held. */
  holding(): Promise<void> {
    return this.held.length > 0 ? Promise.resolve() : new Promise((resolve) => (this.onHeld = resolve));
  }

  open(): void {
    this.closed = false;
    for (const release of this.held.splice(0)) release();
  }
}

describe('incremental schedules firing while a run is slow', () => {
  // tests/int/contacts-incremental-lease.int.test.ts covers a run whose page waits in the queue and a
  // crashed run's expiring lease; here the run's messages are being worked on, on a slow Intercom.
  it('start one run: the schedules that fire while it works skip the workspace', async () => {
    const ws = await connectedWithContacts({ count: 200, seed: 71 });
    const queue = new MemoryQueue();
    const clock: TestClock = { now: SYNC_CLOCK_START };
    const slow = new SlowSearches();
    const deps = syncDependencies(queue, ws.workspaceId, clock, () => ({ intercom: intercomThrough(slow.fetch) }));
    await startContactSync(deps, (await deps.connections.get(ws.workspaceId))!);
    await drainWorkspace(deps, queue, ws.workspaceId);
    // 1,700 contacts appear after the backfill began: twelve search pages, two messages of one run.
    await simulator.seedContacts(ws.intercom.appId, { count: 1_700, seed: 72, startAt: seconds(clock.now + HOUR), endAt: seconds(clock.now + 2 * HOUR) });
    clock.now += 3 * HOUR;

    const summaries = [await scheduleIncrementalSync(deps)];
    const worked: IncrementalPageMessage[] = [];
    const outcomes: string[] = [];
    for (;;) {
      const [message, ...more] = queue.takeIncremental(ws.workspaceId);
      expect(more).toEqual([]);
      if (!message) break;
      worked.push(message);
      slow.close();
      const working = work(deps, message);
      await slow.holding();
      // The next schedule fires while this message waits on Intercom.
      clock.now += 15 * MINUTE;
      summaries.push(await scheduleIncrementalSync(deps));
      slow.open();
      outcomes.push(await working);
    }

    expect(summaries.map(({ queued, busy }) => ({ queued, busy }))).toEqual([
      { queued: 1, busy: 0 },
      { queued: 0, busy: 1 },
      { queued: 0, busy: 1 },
    ]);
    expect(outcomes).toEqual(['continued', 'completed']);
    expect(new Set(worked.map((message) => message.runId)).size).toBe(1);
    expect((await deps.contactSync.get(ws.workspaceId))!.incrementalRun).toBeUndefined();
    expect(await expectExactCopy(ws)).toHaveLength(1_900);
    // Once it has ended, the next schedule starts the next run.
    const next = await scheduleIncrementalSync(deps);
    expect(next).toMatchObject({ queued: 1, busy: 0 });
    expect(queue.takeIncremental(ws.workspaceId)[0]!.runId).not.toBe(worked[0]!.runId);
    console.log(
      `Incremental: ${summaries.length} schedules while one run was slow → 1 run (${worked.length} messages, 1,700 changed contacts written); ` +
        `${summaries.filter((s) => s.busy > 0).length} schedules skipped the workspace as busy`,
    );
  }, 300_000);
});

describe('contacts deleted in Intercom without a webhook', () => {
  it('are gone after one reconciliation, and every other contact is untouched', async () => {
    const ws = await connectedWithContacts({ count: 600, seed: 81, leadRatio: 0.3 });
    const queue = new MemoryQueue();
    const clock: TestClock = { now: SYNC_CLOCK_START };
    // The list pass misses two contacts, as Intercom's stateless cursor can: one changes while the
    // pass pages (its change lands within the search lag), the other does not change at all.
    const missed = new Set<string>();
    let changedDuringThePass: string | undefined;
    const listing: typeof globalThis.fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      const isListPage = String(input).endsWith('/contacts/search') && !String(init?.body).includes('"field":"id"');
      if (!isListPage || missed.size === 0 || !response.ok) return response;
      const page = (await response.json()) as { data: Array<{ id: string }> };
      const dropped = page.data.filter((contact) => missed.has(contact.id));
      for (const contact of dropped) {
        if (contact.id === changedDuringThePass) {
          await simulator.updateContact(ws.intercom.appId, contact.id, { name: 'Changed while the pass paged', updatedAt: seconds(clock.now) });
        }
      }
      page.data = page.data.filter((contact) => !missed.has(contact.id));
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      return new Response(JSON.stringify(page), { status: response.status, headers });
    };
    const deps = syncDependencies(queue, ws.workspaceId, clock, () => ({ intercom: intercomThrough(listing) }));
    await startContactSync(deps, (await deps.connections.get(ws.workspaceId))!);
    await drainWorkspace(deps, queue, ws.workspaceId);
    expect((await deps.contactSync.get(ws.workspaceId))!).toMatchObject({ state: 'completed', synced: 600 });

    const ids = (await intercomContacts(ws)).map((contact) => contact.id).sort();
    const deleted = ids.filter((_, index) => index % 30 === 7);
    const archived = [ids[3]!, ids[300]!, ids[598]!];
    changedDuringThePass = ids[100]!;
    missed.add(changedDuringThePass).add(ids[400]!);
    expect(deleted).toHaveLength(20);
    for (const id of deleted) await simulator.deleteContact(ws.intercom.appId, id);
    for (const id of archived) await simulator.archiveContact(ws.intercom.appId, id);
    // Nothing told the service: all 600 are still listed.
    expect(await listedContacts(ws)).toHaveLength(600);

    // A day later the reconciliation runs.
    clock.now += DAY;
    await simulator.resetStats(ws.intercom.appId);
    expect(await scheduleReconciliation(deps)).toMatchObject({ workspaces: 1, queued: 1 });
    const processed = await drainWorkspace(deps, queue, ws.workspaceId);
    const stats = await simulator.getStats(ws.intercom.appId);

    expect(processed['reconcile-page:completed']).toBe(1);
    const sync = (await deps.contactSync.get(ws.workspaceId))!;
    expect(sync.lastReconciledAt).toBe(new Date(clock.now).toISOString());
    expect(sync.reconcileRun).toBeUndefined();
    expect((await contactsSync(ws)).lastReconciledAt).toBe(new Date(clock.now).toISOString());
    // Exactly Intercom's contacts, the two the list missed included (one as it changed).
    const listed = await expectExactCopy(ws);
    expect(listed).toHaveLength(600 - deleted.length - archived.length);
    expect(listed.find((contact) => contact.id === changedDuringThePass)?.name).toBe('Changed while the pass paged');
    expect(listed.map((contact) => contact.id)).toContain(ids[400]);
    const stored = async (id: string) =>
      (await dynamo.send(new GetCommand({ TableName: stack.tableName, Key: keys.contact(ws.workspaceId, id), ConsistentRead: true }))).Item;
    for (const id of deleted) expect(await stored(id)).toMatchObject({ removed: 'deleted' });
    for (const id of archived) expect(await stored(id)).toMatchObject({ removed: 'archived' });

    // Its cost: the list pass's pages, one GET per stored contact it did not see, and a search for
    // each of those GET found, unless it changed within the search lag.
    const searches = stats.byRoute['POST /contacts/search']?.count ?? 0;
    const gets = stats.byRoute['GET /contacts/{id}']?.count ?? 0;
    const listPages = Math.ceil((600 - deleted.length - archived.length - missed.size) / 150);
    expect(gets).toBe(deleted.length + archived.length + missed.size);
    expect(searches).toBe(listPages + archived.length + 1);
    console.log(
      `Reconciliation: 600 stored, ${deleted.length} deleted and ${archived.length} archived in Intercom without a webhook, ${missed.size} missed by the list pass → ` +
        `${deleted.length + archived.length} removed, ${listed.length} kept exactly; ` +
        `Intercom calls: ${listPages} list pages + ${gets} GETs + ${searches - listPages} id searches = ${stats.total}`,
    );

    // The next day's run finds nothing more to check: its cost is the list pass alone.
    missed.clear();
    clock.now += DAY;
    await simulator.resetStats(ws.intercom.appId);
    expect(await scheduleReconciliation(deps)).toMatchObject({ queued: 1 });
    await drainWorkspace(deps, queue, ws.workspaceId);
    const again = await simulator.getStats(ws.intercom.appId);
    expect(again.byRoute['GET /contacts/{id}']).toBeUndefined();
    expect(again.total).toBe(Math.ceil(listed.length / 150));
    expect(await expectExactCopy(ws)).toHaveLength(listed.length);
  }, 300_000);
});

describe('the scheduled reconciliation, through the local stack\'s functions and queue', () => {
  // The fault tests run one file at a time on their own stack: the schedule, which visits every
  // workspace with contact sync on, disturbs no other test here.
  it('removes what Intercom deleted or archived without a webhook and records when it completed', async () => {
    const ws = await connectedWithContacts({ count: 300, seed: 91 });
    await switchContactSync(ws, true);
    await waitForContactsSync(ws, (s) => s.state === 'completed');
    const ids = (await intercomContacts(ws)).map((contact) => contact.id).sort();
    for (const id of ids.slice(0, 5)) await simulator.deleteContact(ws.intercom.appId, id);
    for (const id of ids.slice(5, 7)) await simulator.archiveContact(ws.intercom.appId, id);
    expect((await contactsSync(ws)).lastReconciledAt).toBeNull();

    const summary = await runScheduledReconciliation();
    expect(summary.queued).toBeGreaterThanOrEqual(1);
    await waitFor('the reconciliation to complete', async () => (await contactsSync(ws)).lastReconciledAt !== null, 120_000);

    expect(await expectExactCopy(ws)).toHaveLength(293);
    console.log(`Scheduled reconciliation: ${summary.workspaces} workspace(s) visited, ${summary.queued} queued; 7 of 300 contacts removed, 293 exact`);
  }, 300_000);
});
