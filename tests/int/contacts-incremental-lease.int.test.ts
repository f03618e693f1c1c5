import { describe, expect, it } from 'vitest';
import { INCREMENTAL_LEASE_SECONDS } from '../../lib/contacts/incremental-lease';
import { processIncrementalPage, scheduleIncrementalSync } from '../../lib/contacts/incremental-sync';
import { startContactSync } from '../../lib/contacts/sync-control';
import { connectedWithContacts } from '../support/contacts-world';
import { MemoryQueue, syncDependencies } from '../support/sync-in-process';

/*
 * The incremental sync's use cases run here, in the test process, against the local stack's
 * DynamoDB, Secrets Manager and Intercom simulator, with an in-memory queue in place of SQS and a
 * clock the test moves (tests/support/sync-in-process.ts). Queued pages stay queued until the test
 * processes them. tests/faults/contact-sync.int.test.ts adds schedules firing while a run's
 * message is being worked on.
 */

const MINUTE = 60_000;

describe('incremental runs hold a per-workspace lease', () => {
  it('queues one run while one is running, a new one once it completes, and another once a crashed run\'s lease expires', async () => {
    const ws = await connectedWithContacts({ count: 20, seed: 31 });
    const queue = new MemoryQueue();
    const clock = { now: Date.now() };
    const deps = syncDependencies(queue, ws.workspaceId, clock);
    await startContactSync(deps, (await deps.connections.get(ws.workspaceId))!);

    // Three schedules fire while the first run's page is still queued (a run that lies unrenewed
    // for a whole lease is taken for crashed, so they fire within one): one run.
    const summaries = [];
    for (let schedule = 0; schedule < 3; schedule += 1) {
      if (schedule > 0) clock.now += 10 * MINUTE;
      summaries.push(await scheduleIncrementalSync(deps));
    }
    const first = queue.takeIncremental(ws.workspaceId);
    expect(first).toHaveLength(1);
    expect(summaries.map(({ queued, busy }) => ({ queued, busy }))).toEqual([
      { queued: 1, busy: 0 },
      { queued: 0, busy: 1 },
      { queued: 0, busy: 1 },
    ]);

    // It completes: the watermark moves to its start and the lease is released.
    expect(await processIncrementalPage(deps, first[0]!)).toBe('completed');
    const completed = (await deps.contactSync.get(ws.workspaceId))!;
    expect(completed.watermark).toBeGreaterThan(0);
    expect(completed.incrementalRun).toBeUndefined();

    // The next schedule queues a new run, which crashes: its page is never processed.
    expect(await scheduleIncrementalSync(deps)).toMatchObject({ queued: 1, busy: 0 });
    const [crashed] = queue.takeIncremental(ws.workspaceId);
    expect(crashed!.runId).not.toBe(first[0]!.runId);
    clock.now += (INCREMENTAL_LEASE_SECONDS - 60) * 1000;
    expect(await scheduleIncrementalSync(deps)).toMatchObject({ queued: 0, busy: 1 });

    // Once its lease has expired, the next schedule starts a new run.
    clock.now += 2 * MINUTE;
    expect(await scheduleIncrementalSync(deps)).toMatchObject({ queued: 1, busy: 0 });
    const [next] = queue.takeIncremental(ws.workspaceId);
    expect(next!.runId).not.toBe(crashed!.runId);

    // A late message of the crashed run changes nothing and queues nothing.
    const before = await deps.contactSync.get(ws.workspaceId);
    expect(await processIncrementalPage(deps, crashed!)).toBe('stale');
    expect(await deps.contactSync.get(ws.workspaceId)).toEqual(before);
    expect(queue.takeIncremental(ws.workspaceId)).toEqual([]);

    // The new run completes and moves the watermark to its start.
    expect(await processIncrementalPage(deps, next!)).toBe('completed');
    const after = (await deps.contactSync.get(ws.workspaceId))!;
    expect(after.watermark).toBeGreaterThan(completed.watermark);
    expect(after.incrementalRun).toBeUndefined();
  });
});
