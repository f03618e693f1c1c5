import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynamoDbProxy, type DynamoDbProxy } from '../../dev/dynamodb-proxy';
import { startContactSync } from '../../lib/contacts/sync-control';
import type { BackfillPageMessage } from '../../lib/contacts/sync-queue';
import { processSyncMessage } from '../../lib/contacts/sync-worker';
import type { Dependencies } from '../../lib/platform/dependencies';
import { ContactStore, ContactSyncStore } from '../../lib/store/contact-store';
import { StoreThrottledError, type Table } from '../../lib/store/table';
import { byId, connectedWithContacts, contactsSync, expectedContact, intercomContacts, listedContacts, type ContactsWorkspace } from '../support/contacts-world';
import { inProcessDependencies } from '../support/in-process';
import { stack } from '../support/local-stack';
import { drainWorkspace, MemoryQueue } from '../support/sync-in-process';

/*
 * One workspace's contacts share one partition key, which takes about 1,000 writes a second in
 * AWS, while a backfill writes hundreds of partitions' pages at once. A page whose writes DynamoDB
 * still refuses after the store's retries is put back on the queue with a delay, not failed: a
 * failed page would spend one of its receives each time, and land in the dead-letter queue under
 * sustained throttling. The backfill's use cases run in the test process (tests/support/in-process.ts)
 * with an in-memory queue, whose delays are recorded rather than waited for; the store under test
 * talks to DynamoDB Local through a throttling proxy of this test's own.
 */
let proxy: DynamoDbProxy;
let throttled: Table;

beforeAll(async () => {
  proxy = await startDynamoDbProxy({ target: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
  // One attempt per call: the SDK's own waits on a throttle would only make the test slower.
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: proxy.url,
    maxAttempts: 1,
  });
  throttled = { client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), name: stack.tableName };
});

afterAll(async () => {
  throttled?.client.destroy();
  await proxy?.stop();
});

beforeEach(() => {
  proxy.clearFaults();
  proxy.resetStats();
});

/** A message handled as the backfill queue's handler does: a rejection is a failed record, for SQS to retry. */
function handle(deps: Dependencies, message: BackfillPageMessage) {
  return processSyncMessage(deps, message, new Date(deps.clock().getTime() + 60_000));
}

async function startedBackfill(seed: number) {
  const ws = await connectedWithContacts({ count: 450, seed, leadRatio: 0.5 });
  const queue = new MemoryQueue();
  return { ws, queue };
}

async function expectExact(ws: ContactsWorkspace) {
  expect(await contactsSync(ws)).toMatchObject({ state: 'completed', synced: 450, expected: 450 });
  const [listed, intercom] = await Promise.all([listedContacts(ws), intercomContacts(ws)]);
  expect(new Set(listed.map((c) => c.id)).size).toBe(listed.length);
  expect([...listed].sort(byId)).toEqual(intercom.map(expectedContact).sort(byId));
}

describe('a backfill page DynamoDB throttles past the store retries', () => {
  it('is queued again with a growing delay, not failed, and the backfill completes exactly once the throttling stops', async () => {
    const { ws, queue } = await startedBackfill(31);
    // The contact writes go through the proxy, with the store's waits between attempts cut short.
    const deps = inProcessDependencies(() => ({
      syncQueue: queue,
      contacts: new ContactStore(throttled, { attempts: 8, sleep: async () => {} }),
    }));
    await startContactSync(deps, (await deps.connections.get(ws.workspaceId))!);
    const first = queue.take((m) => m.workspaceId === ws.workspaceId)!;
    const before = (await deps.contactSync.getPartition(ws.workspaceId, first.runId, first.partitionId))!;

    // Every BatchWriteItem is answered with unprocessed items (and a batch of one write with
    // ProvisionedThroughputExceededException, as AWS does), however often it is sent.
    proxy.setFaults({ rate: 1, operations: ['BatchWriteItem'], kinds: ['UnprocessedItems'], tables: [stack.tableName] });
    let message = first;
    for (let deferral = 1; deferral <= 3; deferral += 1) {
      expect(await handle(deps, message)).toBe('deferred');
      expect(queue.messages).toHaveLength(1);
      const [requeued] = queue.messages.splice(0, 1);
      expect(requeued!.message).toEqual({ ...first, deferrals: deferral });
      expect(requeued!.delaySeconds).toBeGreaterThanOrEqual(20);
      expect(requeued!.delaySeconds).toBeLessThanOrEqual(20 + 40 * deferral);
      // The checkpoint has not moved and the claim is released: the delayed delivery redoes the page.
      expect(await deps.contactSync.getPartition(ws.workspaceId, first.runId, first.partitionId)).toEqual({ ...before, claimedUntil: null });
      message = requeued!.message as BackfillPageMessage;
    }
    expect((await deps.contactSync.get(ws.workspaceId))!.synced).toBe(0);
    const stats = proxy.stats();
    expect(stats.injected.BatchWriteItem?.UnprocessedItems).toBeGreaterThan(0);

    // The throttling stops: the delayed message does the page, and the backfill goes on to the end.
    proxy.clearFaults();
    queue.messages.push({ message });
    const outcomes = await drainWorkspace(deps, queue, ws.workspaceId);
    expect(Object.keys(outcomes).some((key) => key.endsWith(':deferred'))).toBe(false);
    await expectExact(ws);
  }, 60_000);

  it('is queued again when batches are still partly unprocessed after the store\'s last attempt', async () => {
    const { ws, queue } = await startedBackfill(33);
    // One attempt: every batch of 25 is answered with 1 to 24 of its writes unprocessed, and the
    // store has no attempt left for them.
    const store = new ContactStore(throttled, { attempts: 1, sleep: async () => {} });
    const refusals: unknown[] = [];
    const deps = inProcessDependencies(() => ({
      syncQueue: queue,
      contacts: Object.assign(Object.create(store) as ContactStore, {
        writeBackfillPage: (...args: Parameters<ContactStore['writeBackfillPage']>) =>
          store.writeBackfillPage(...args).catch((error: unknown) => {
            refusals.push(error);
            throw error;
          }),
      }),
    }));
    await startContactSync(deps, (await deps.connections.get(ws.workspaceId))!);
    const first = queue.take((m) => m.workspaceId === ws.workspaceId)!;

    proxy.setFaults({ rate: 1, operations: ['BatchWriteItem'], kinds: ['UnprocessedItems'], tables: [stack.tableName] });
    expect(await handle(deps, first)).toBe('deferred');
    expect(refusals).toHaveLength(1);
    expect(proxy.stats().reachedCaller.ProvisionedThroughputExceededException ?? 0).toBe(0);
    expect(refusals[0]).toBeInstanceOf(StoreThrottledError);
    expect(queue.messages).toEqual([{ message: { ...first, deferrals: 1 }, delaySeconds: expect.any(Number) }]);

    proxy.clearFaults();
    await drainWorkspace(deps, queue, ws.workspaceId);
    await expectExact(ws);
  }, 60_000);

  it('is queued again when the checkpoint transaction is throttled, and the redelivery commits it', async () => {
    const { ws, queue } = await startedBackfill(32);
    const viaProxy = new ContactSyncStore(throttled);
    let checkpoints = 0;
    const deps = inProcessDependencies((base) => ({
      syncQueue: queue,
      contactSync: Object.assign(Object.create(base.contactSync) as ContactSyncStore, {
        checkpointPage: (...args: Parameters<ContactSyncStore['checkpointPage']>) => {
          checkpoints += 1;
          return viaProxy.checkpointPage(...args);
        },
      }),
    }));
    await startContactSync(deps, (await deps.connections.get(ws.workspaceId))!);
    const first = queue.take((m) => m.workspaceId === ws.workspaceId)!;
    const before = (await deps.contactSync.getPartition(ws.workspaceId, first.runId, first.partitionId))!;

    // Only the checkpoint's transaction goes through the proxy; the SDK makes one attempt.
    proxy.setFaults({ rate: 1, operations: ['TransactWriteItems'], kinds: ['ThrottlingException'] });
    expect(await handle(deps, first)).toBe('deferred');
    expect(checkpoints).toBe(1);
    expect(proxy.stats().reachedCaller).toMatchObject({ ThrottlingException: 1 });
    expect(queue.messages).toEqual([{ message: { ...first, deferrals: 1 }, delaySeconds: expect.any(Number) }]);
    expect(await deps.contactSync.getPartition(ws.workspaceId, first.runId, first.partitionId)).toEqual({ ...before, claimedUntil: null });

    proxy.clearFaults();
    await drainWorkspace(deps, queue, ws.workspaceId);
    await expectExact(ws);
  }, 60_000);
});
