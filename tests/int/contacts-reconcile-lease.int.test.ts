import { describe, expect, it } from 'vitest';
import { INCREMENTAL_LEASE_SECONDS } from '../../lib/contacts/incremental-lease';
import { processReconcilePage, scheduleReconciliation } from '../../lib/contacts/reconcile-contacts';
import { startContactSync, stopContactSync } from '../../lib/contacts/sync-control';
import type { Dependencies } from '../../lib/platform/dependencies';
import { connectedWithContacts, intercomContacts, listedContacts, simulator } from '../support/contacts-world';
import { SYNC_CLOCK_START } from '../support/seed-times';
import { drainWorkspace, MemoryQueue, syncDependencies, type TestClock } from '../support/sync-in-process';

/*
 * The reconciliation's lease and checkpoint, with its use cases run in the test process on an
 * in-memory queue and a clock the test moves (tests/support/sync-in-process.ts). Its removals are
 * tested in tests/faults/contact-sync.int.test.ts.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const step = (deps: Dependencies, message: Parameters<typeof processReconcilePage>[1]) =>
  processReconcilePage(deps, message, new Date(deps.clock().getTime() + MINUTE));

async function completedBackfill(seed: number, count: number) {
  const ws = await connectedWithContacts({ count, seed });
  const queue = new MemoryQueue();
  const clock: TestClock = { now: SYNC_CLOCK_START };
  const deps = syncDependencies(queue, ws.workspaceId, clock);
  const connection = (await deps.connections.get(ws.workspaceId))!;
  await startContactSync(deps, connection);
  await drainWorkspace(deps, queue, ws.workspaceId);
  expect((await deps.contactSync.get(ws.workspaceId))!.state).toBe('completed');
  return { ws, queue, clock, deps, connection };
}

describe('contact reconciliation runs one at a time per workspace', () => {
  it('skips a workspace whose run holds the lease, takes over a crashed run at its checkpoint, and drops the crashed run\'s late message', async () => {
    const { ws, queue, clock, deps } = await completedBackfill(101, 1_701);
    // Deleted in Intercom without a webhook: the list pass will not see it.
    const gone = (await intercomContacts(ws))[42]!.id;
    await simulator.deleteContact(ws.intercom.appId, gone);
    clock.now += DAY;

    expect(await scheduleReconciliation(deps)).toMatchObject({ queued: 1, busy: 0 });
    const [first] = queue.takeAll('reconcile-page', ws.workspaceId);
    // The first step reads ten of the list pass's twelve pages and commits its checkpoint.
    expect(await step(deps, first!)).toBe('continued');
    const [second] = queue.takeAll('reconcile-page', ws.workspaceId);
    const checkpoint = (await deps.contactSync.get(ws.workspaceId))!.reconcileRun!;
    expect(checkpoint).toMatchObject({ runId: first!.runId, seq: 1, phase: 'list', seen: 1_500 });
    expect(checkpoint.cursor).not.toBeNull();
    // A repeated delivery of the committed step changes nothing.
    expect(await step(deps, first!)).toBe('stale');

    // Schedules while the run holds its lease leave it alone.
    clock.now += 10 * MINUTE;
    expect(await scheduleReconciliation(deps)).toMatchObject({ queued: 0, resumed: 0, busy: 1 });

    // The next step's message is lost. Once the lease has run out, the schedule takes the run over
    // where it stopped, under a new run id.
    clock.now += INCREMENTAL_LEASE_SECONDS * 1000;
    expect(await scheduleReconciliation(deps)).toMatchObject({ queued: 0, resumed: 1 });
    const [takenOver] = queue.takeAll('reconcile-page', ws.workspaceId);
    expect(takenOver).toMatchObject({ seq: 1 });
    expect(takenOver!.runId).not.toBe(first!.runId);
    expect((await deps.contactSync.get(ws.workspaceId))!.reconcileRun).toMatchObject({ ...checkpoint, runId: takenOver!.runId, leaseUntil: expect.any(Number) });
    // The lost message, delivered late after all, is dropped.
    expect(await step(deps, second!)).toBe('stale');
    expect(queue.takeAll('reconcile-page', ws.workspaceId)).toEqual([]);

    queue.messages.push({ message: takenOver! });
    expect(await drainWorkspace(deps, queue, ws.workspaceId)).toMatchObject({ 'reconcile-page:completed': 1 });
    const sync = (await deps.contactSync.get(ws.workspaceId))!;
    expect(sync.reconcileRun).toBeUndefined();
    expect(sync.lastReconciledAt).toBe(new Date(clock.now).toISOString());
    expect(await deps.contacts.get(ws.workspaceId, gone)).toBeUndefined();
    expect(await listedContacts(ws)).toHaveLength(1_700);

    // Within half a period of the last one, the schedule does not begin another.
    clock.now += 6 * 60 * MINUTE;
    expect(await scheduleReconciliation(deps)).toMatchObject({ queued: 0, recent: 1 });
  }, 120_000);

  it('waits for a running backfill, and is abandoned when sync is switched off or a backfill begins', async () => {
    const { ws, queue, clock, deps, connection } = await completedBackfill(102, 200);
    clock.now += DAY;

    expect(await scheduleReconciliation(deps)).toMatchObject({ queued: 1 });
    const [message] = queue.takeAll('reconcile-page', ws.workspaceId);
    await stopContactSync(deps, ws.workspaceId);
    expect(await step(deps, message!)).toBe('abandoned');
    expect((await deps.contactSync.get(ws.workspaceId))!.reconcileRun).toBeUndefined();
    // Switched off, the workspace is not visited; switched on, its backfill runs first.
    expect(await scheduleReconciliation(deps)).toMatchObject({ workspaces: 0 });
    await startContactSync(deps, connection);
    expect(await scheduleReconciliation(deps)).toMatchObject({ queued: 0, backfilling: 1 });
    await drainWorkspace(deps, queue, ws.workspaceId);

    expect(await scheduleReconciliation(deps)).toMatchObject({ queued: 1 });
    const [next] = queue.takeAll('reconcile-page', ws.workspaceId);
    await stopContactSync(deps, ws.workspaceId);
    await startContactSync(deps, connection);
    expect(await step(deps, next!)).toBe('stale');
    expect((await deps.contactSync.get(ws.workspaceId))!.reconcileRun).toBeUndefined();
  }, 120_000);
});
