import { describe, expect, it } from 'vitest';
import { processBackfillPage } from '../../lib/contacts/backfill-page';
import { startContactSync } from '../../lib/contacts/sync-control';
import type { BackfillPageMessage, SyncQueue } from '../../lib/contacts/sync-queue';
import type { Dependencies } from '../../lib/platform/dependencies';
import type { ContactStore, ContactSyncStore } from '../../lib/store/contact-store';
import { byId, connectedWithContacts, contactsSync, expectedContact, intercomContacts, listedContacts } from '../support/contacts-world';
import { inProcessDependencies } from '../support/in-process';
import { MemoryQueue } from '../support/sync-in-process';
import { utc } from '../support/seed-times';

/*
 * The backfill's use cases run here, in the test process, against the local stack's DynamoDB,
 * Secrets Manager and Intercom simulator, with an in-memory queue in place of SQS
 * (tests/support/sync-in-process.ts). That lets a worker be killed at an exact point of a page,
 * which the Lambda runtime gives no handle on.
 */

class WorkerKilled extends Error {}

function dependencies(queue: SyncQueue): Dependencies {
  return inProcessDependencies(() => ({ syncQueue: queue }));
}

/**
 * Processes a message in an invocation with a minute left, by the dependencies' clock: one page
 * (unless `pagesPerMessage` says more), so that a worker can die between two given pages.
 */
function work(deps: Dependencies, message: BackfillPageMessage, pagesPerMessage = 1) {
  return processBackfillPage(deps, message, { deadline: new Date(deps.clock().getTime() + 60_000), pagesPerMessage });
}

/** Processes queued pages, a few at a time, until none is left. */
async function drain(deps: Dependencies, queue: MemoryQueue) {
  for (;;) {
    const batch = queue.messages.splice(0, 4).map((m) => m.message as BackfillPageMessage);
    if (batch.length === 0) return;
    await Promise.all(batch.map((message) => work(deps, message)));
  }
}

describe('a backfill worker killed mid-page', () => {
  it('resumes from the checkpoint: the page is written and counted once, the final set is exact', async () => {
    // Created over three whole days (UTC, the workspace's timezone), about 1,333 a day. However the
    // root's range (from the oldest contact to today) splits, a partition with contacts holds whole
    // days of them, nine pages or more: the page after the victim is not its partition's last.
    const ws = await connectedWithContacts({
      count: 4_000,
      seed: 12,
      leadRatio: 0.5,
      startAt: utc('2026-01-05T00:00:00Z'),
      endAt: utc('2026-01-07T23:59:59Z'),
    });
    const queue = new MemoryQueue();
    const deps = dependencies(queue);
    const connection = (await deps.connections.get(ws.workspaceId))!;
    await startContactSync(deps, connection);
    // The root splits; run every partition's first page.
    await work(deps, queue.take(() => true)!);
    while (queue.messages.some((m) => m.message.kind === 'backfill-page' && m.message.seq === 0)) {
      await work(deps, queue.take((m) => m.seq === 0)!);
    }
    const victim = queue.take((m) => m.seq === 1)!;
    const before = (await deps.contactSync.get(ws.workspaceId))!;
    const partitionBefore = (await deps.contactSync.getPartition(ws.workspaceId, victim.runId, victim.partitionId))!;

    // Killed after writing part of the page, before its checkpoint; nothing of it runs after that.
    const dying: Dependencies = {
      ...deps,
      contacts: Object.assign(Object.create(deps.contacts) as ContactStore, {
        writeBackfillPage: async (...args: Parameters<ContactStore['writeBackfillPage']>) => {
          await deps.contacts.writeBackfillPage(args[0], args[1].slice(0, 60), args[2]);
          throw new WorkerKilled('killed mid-page');
        },
      }),
      contactSync: Object.assign(Object.create(deps.contactSync) as ContactSyncStore, {
        releaseClaim: async () => {
          throw new WorkerKilled('already dead');
        },
      }),
    };
    await expect(work(dying, victim)).rejects.toBeInstanceOf(WorkerKilled);
    const afterCrash = (await deps.contactSync.get(ws.workspaceId))!;
    expect(afterCrash.synced).toBe(before.synced);
    // The checkpoint is unchanged; the dead worker's claim on the page holds until its invocation's end.
    expect(await deps.contactSync.getPartition(ws.workspaceId, victim.runId, victim.partitionId)).toEqual({
      ...partitionBefore,
      claimedUntil: expect.any(Number),
    });
    // Delivered again before then (which SQS's visibility timeout rules out), the page waits for the claim.
    expect(await work(deps, victim)).toBe('deferred');
    expect(queue.take((m) => m.partitionId === victim.partitionId)).toEqual(victim);

    // SQS delivers it again once the visibility timeout has passed, here twice at once: one
    // delivery claims and commits the page, the other finds it claimed and comes back later.
    const redelivered: Dependencies = { ...deps, clock: () => new Date(Date.now() + 9 * 60_000) };
    const outcomes = await Promise.all([work(redelivered, victim), work(redelivered, victim)]);
    expect(outcomes.sort()).toEqual(['committed', 'deferred']);
    expect((await deps.contactSync.get(ws.workspaceId))!.synced).toBe(before.synced + 150);
    const partitionAfter = (await deps.contactSync.getPartition(ws.workspaceId, victim.runId, victim.partitionId))!;
    expect(partitionAfter).toMatchObject({ seq: victim.seq + 1, claimedUntil: null });
    const queued = queue.messages.map((m) => m.message as BackfillPageMessage).filter((m) => m.partitionId === victim.partitionId);
    expect(queued.map((m) => m.seq).sort()).toEqual([victim.seq, victim.seq + 1]);
    // The deferred delivery, back later, changes nothing.
    expect(await work(deps, queue.take((m) => m.partitionId === victim.partitionId && m.seq === victim.seq)!)).toBe('duplicate');
    expect((await deps.contactSync.get(ws.workspaceId))!.synced).toBe(before.synced + 150);

    // Killed between the checkpoint and queueing the next page: the redelivery queues it.
    const next = queue.take((m) => m.partitionId === victim.partitionId && m.seq === victim.seq + 1)!;
    const cutOff: Dependencies = {
      ...deps,
      syncQueue: {
        send: async () => {
          throw new WorkerKilled('killed before queueing');
        },
      },
    };
    await expect(work(cutOff, next)).rejects.toBeInstanceOf(WorkerKilled);
    expect(await work(deps, next)).toBe('duplicate');
    expect(queue.messages.map((m) => m.message)).toContainEqual({ ...next, seq: next.seq + 1 });

    await drain(deps, queue);

    const sync = await contactsSync(ws);
    expect(sync).toMatchObject({ state: 'completed', synced: 4_000, expected: 4_000 });
    const [listed, intercom] = await Promise.all([listedContacts(ws), intercomContacts(ws)]);
    expect(new Set(listed.map((c) => c.id)).size).toBe(listed.length);
    expect([...listed].sort(byId)).toEqual(intercom.map(expectedContact).sort(byId));
  }, 120_000);

  it('resumes a message that died after committing some of its pages from the checkpoint it reached', async () => {
    const ws = await connectedWithContacts({
      count: 4_000,
      seed: 14,
      leadRatio: 0.5,
      startAt: utc('2026-01-05T00:00:00Z'),
      endAt: utc('2026-01-07T23:59:59Z'),
    });
    const queue = new MemoryQueue();
    const deps = dependencies(queue);
    await startContactSync(deps, (await deps.connections.get(ws.workspaceId))!);
    await work(deps, queue.take(() => true)!);
    while (queue.messages.some((m) => m.message.kind === 'backfill-page' && m.message.seq === 0)) {
      await work(deps, queue.take((m) => m.seq === 0)!);
    }
    const victim = queue.take((m) => m.seq === 1)!;

    // One message of five pages, killed while writing its third: two pages are committed, and the
    // partition stays claimed until the dead invocation's end.
    let writes = 0;
    const dying: Dependencies = {
      ...deps,
      contacts: Object.assign(Object.create(deps.contacts) as ContactStore, {
        writeBackfillPage: async (...args: Parameters<ContactStore['writeBackfillPage']>) => {
          writes += 1;
          if (writes === 3) throw new WorkerKilled('killed mid-page');
          return deps.contacts.writeBackfillPage(...args);
        },
      }),
      contactSync: Object.assign(Object.create(deps.contactSync) as ContactSyncStore, {
        releaseClaim: async () => {
          throw new WorkerKilled('already dead');
        },
      }),
      syncQueue: {
        send: async () => {
          throw new WorkerKilled('already dead');
        },
      },
    };
    await expect(work(dying, victim, 5)).rejects.toBeInstanceOf(WorkerKilled);
    const partition = (await deps.contactSync.getPartition(ws.workspaceId, victim.runId, victim.partitionId))!;
    expect(partition).toMatchObject({ seq: victim.seq + 2, state: 'pending', claimedUntil: expect.any(Number) });
    expect(queue.messages.filter((m) => (m.message as BackfillPageMessage).partitionId === victim.partitionId)).toHaveLength(0);

    // SQS delivers the message again after its visibility timeout: its page is long committed, so
    // it queues the page the partition stands at, which waits for the dead worker's claim.
    const later: Dependencies = { ...deps, clock: () => new Date(Date.now() + 9 * 60_000) };
    expect(await work(later, victim, 5)).toBe('duplicate');
    const current = queue.take((m) => m.partitionId === victim.partitionId)!;
    expect(current).toEqual({ ...victim, seq: victim.seq + 2 });
    expect(await work(later, current, 5)).toBe('committed');

    await drain(later, queue);
    expect(await contactsSync(ws)).toMatchObject({ state: 'completed', synced: 4_000, expected: 4_000 });
    const [listed, intercom] = await Promise.all([listedContacts(ws), intercomContacts(ws)]);
    expect([...listed].sort(byId)).toEqual(intercom.map(expectedContact).sort(byId));
  }, 120_000);

  it('drops pages queued for a backfill that was stopped, and a restart after completion starts afresh', async () => {
    const ws = await connectedWithContacts({ count: 500, seed: 13 });
    const queue = new MemoryQueue();
    const deps = dependencies(queue);
    const connection = (await deps.connections.get(ws.workspaceId))!;
    const first = (await startContactSync(deps, connection))!;
    const stale = queue.take(() => true)!;
    await deps.contactSync.disable(ws.workspaceId, new Date());
    expect(await work(deps, stale)).toBe('superseded');

    const resumed = (await startContactSync(deps, connection))!;
    expect(resumed).toMatchObject({ runId: first.runId, generation: first.generation + 1, state: 'running' });
    expect(await work(deps, stale)).toBe('superseded');
    await drain(deps, queue);
    expect(await deps.contactSync.get(ws.workspaceId)).toMatchObject({ state: 'completed', synced: 500 });

    // Switched on while on and complete: nothing to do.
    expect((await startContactSync(deps, connection))!.runId).toBe(first.runId);
    expect(queue.messages).toHaveLength(0);
    await deps.contactSync.disable(ws.workspaceId, new Date());
    const restarted = (await startContactSync(deps, connection))!;
    expect(restarted.runId).not.toBe(first.runId);
    expect(restarted).toMatchObject({ synced: 0, state: 'running' });
    await drain(deps, queue);
    expect(await deps.contactSync.get(ws.workspaceId)).toMatchObject({ state: 'completed', synced: 500, expected: 500 });
  }, 60_000);
});
