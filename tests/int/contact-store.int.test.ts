import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { contactFromIntercom, type IntercomContactSnapshot } from '../../lib/contacts/contact';
import type { ContactSync } from '../../lib/contacts/contact-sync';
import { ContactStore, ContactSyncStore } from '../../lib/store/contact-store';
import { keys } from '../../lib/store/keys';
import { transactWrite, type Table } from '../../lib/store/table';
import { dynamo, stack } from '../support/local-stack';

/* The contacts store against DynamoDB Local: the newest-wins rule is a condition expression there. */

const table: Table = {
  client: dynamo,
  name: stack.tableName,
};
const store = new ContactStore(table);
const now = new Date();

function snapshot(id: string, updatedAt: number, name = `Contact ${id}`): IntercomContactSnapshot {
  return contactFromIntercom({ id, role: 'user', name, email: `${id}@example.com`, created_at: 1_700_000_000, updated_at: updatedAt });
}

describe('ContactStore', () => {
  it('keeps the newest copy of a contact whatever order the writes come in', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;

    expect(await store.put(ws, snapshot('c1', 200, 'Newer'), now)).toBe(true);
    expect(await store.put(ws, snapshot('c1', 100, 'Older'), now)).toBe(false);
    const batch = await store.putMany(ws, [snapshot('c1', 150, 'Stale'), snapshot('c2', 100), snapshot('c2', 120, 'Latest c2')], now);

    expect(batch).toEqual({ written: 1, superseded: 1 });
    expect((await store.get(ws, 'c1'))?.contact.name).toBe('Newer');
    expect(await store.get(ws, 'c2')).toMatchObject({ contact: { name: 'Latest c2' }, version: 120 });
  });

  it('writes more than one transaction of contacts at once and lists them in id order, page by page', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;
    const snapshots = Array.from({ length: 230 }, (_, i) => snapshot(`c${String(i).padStart(3, '0')}`, 100));

    expect(await store.putMany(ws, snapshots, now)).toEqual({ written: 230, superseded: 0 });
    await store.remove(ws, 'c005', 'deleted', 200, now);
    const first = await store.list(ws, { limit: 100 });
    const second = await store.list(ws, { limit: 100, cursor: first.nextCursor! });
    const third = await store.list(ws, { limit: 100, cursor: second.nextCursor! });

    expect([first.contacts.length, second.contacts.length, third.contacts.length]).toEqual([100, 100, 29]);
    expect(third.nextCursor).toBeNull();
    const ids = [...first.contacts, ...second.contacts, ...third.contacts].map((c) => c.id);
    expect(ids).toEqual(snapshots.map((s) => s.contact.id).filter((id) => id !== 'c005'));
  });

  it('keeps a deleted contact deleted, and brings an archived one back only with a later change', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;
    await store.putMany(ws, [snapshot('gone', 100), snapshot('shelved', 100)], now);

    expect(await store.remove(ws, 'gone', 'deleted', 150, now)).toBe(true);
    expect(await store.remove(ws, 'shelved', 'archived', 150, now)).toBe(true);
    expect(await store.putMany(ws, [snapshot('gone', 9_999_999), snapshot('shelved', 150)], now)).toEqual({ written: 0, superseded: 2 });
    expect(await store.get(ws, 'gone')).toBeUndefined();
    expect(await store.get(ws, 'shelved')).toBeUndefined();
    expect(await store.put(ws, snapshot('shelved', 151, 'Unarchived'), now)).toBe(true);

    expect((await store.get(ws, 'shelved'))?.contact.name).toBe('Unarchived');
    expect((await store.list(ws, { limit: 10 })).contacts.map((c) => c.id)).toEqual(['shelved']);
    // A tombstone keeps no personal data.
    const { Item } = await dynamo.send(new GetCommand({ TableName: table.name, Key: keys.contact(ws, 'gone') }));
    expect(Object.keys(Item!).sort()).toEqual(['expiresAt', 'id', 'pk', 'removed', 'removedAt', 'sk', 'syncedAt', 'version']);
  });

  it('writes a backfill page in batches, then puts back every contact a live write made newer meanwhile', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;
    // Live writes that landed after the page was read from Intercom: an update and a deletion.
    expect(await store.put(ws, snapshot('c001', 300, 'Changed by a webhook'), now)).toBe(true);
    expect(await store.remove(ws, 'c002', 'deleted', 250, now)).toBe(true);
    const page = Array.from({ length: 150 }, (_, i) => snapshot(`c${String(i).padStart(3, '0')}`, 200, `Backfilled ${i}`));

    const written = new Date(now.getTime() + 60_000);
    expect(await store.putBackfillPage(ws, page, { readAt: now, now: written })).toEqual({ written: 150, restored: 2 });

    expect(await store.get(ws, 'c001')).toMatchObject({ contact: { name: 'Changed by a webhook' }, version: 300 });
    // A restored copy counts as written by the page.
    const restored = await dynamo.send(new GetCommand({ TableName: table.name, Key: keys.contact(ws, 'c001'), ConsistentRead: true }));
    expect(restored.Item?.syncedAt).toBe(written.toISOString());
    expect(await store.get(ws, 'c002')).toBeUndefined();
    expect(await store.get(ws, 'c149')).toMatchObject({ contact: { name: 'Backfilled 149' }, version: 200 });
    const listed = await store.list(ws, { limit: 200 });
    expect(listed.contacts).toHaveLength(149);
    // A later live write still wins over the backfilled copy, and an older one still loses.
    expect(await store.put(ws, snapshot('c003', 199, 'Older'), now)).toBe(false);
    expect(await store.put(ws, snapshot('c003', 201, 'Newer'), now)).toBe(true);
    expect((await store.get(ws, 'c003'))?.contact.name).toBe('Newer');
  });

  it('reads the journal only when a live write began near or after the page was read from Intercom', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;
    const page = [snapshot('c1', 100, 'Backfilled')];
    // No live write at all: nothing to put back, and the journal is not read.
    expect(await store.putBackfillPage(ws, page, { readAt: now, now })).toEqual({ written: 1, restored: 0 });
    // A live write an hour before the page was read: Intercom's search had long caught up with it,
    // so the page cannot be older (the journal's newer copy is only there because the test wrote it).
    const anHourAgo = new Date(now.getTime() - 3_600_000);
    expect(await store.put(ws, snapshot('c1', 200, 'Live'), anHourAgo)).toBe(true);
    expect(await store.putBackfillPage(ws, page, { readAt: now, now })).toEqual({ written: 1, restored: 0 });
    // The same page read a minute after that live write began is checked, and the live copy restored.
    const soonAfter = new Date(anHourAgo.getTime() + 60_000);
    expect(await store.putBackfillPage(ws, page, { readAt: soonAfter, now })).toEqual({ written: 1, restored: 1 });
    expect((await store.get(ws, 'c1'))?.contact.name).toBe('Live');
  });

  it('checks for live writes inside a transaction: its guard fails only when one began near or after the page was read', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;
    const page = [snapshot('c1', 100, 'Backfilled')];
    const anHourAgo = new Date(now.getTime() - 3_600_000);
    // No live write at all, then one an hour before the read: the guard holds.
    expect(await transactWrite(table, [store.liveWriteGuard(await store.writeBackfillPage(ws, page, { readAt: now, now }))])).toEqual([]);
    expect(await store.put(ws, snapshot('c1', 200, 'Live'), anHourAgo)).toBe(true);
    expect(await transactWrite(table, [store.liveWriteGuard(await store.writeBackfillPage(ws, page, { readAt: now, now }))])).toEqual([]);
    // Read a minute after that live write began: the guard fails, and the restore puts the live copy back.
    const soonAfter = new Date(anHourAgo.getTime() + 60_000);
    const write = await store.writeBackfillPage(ws, page, { readAt: soonAfter, now });
    expect((await store.get(ws, 'c1'))?.contact.name).toBe('Backfilled');
    expect(await transactWrite(table, [store.liveWriteGuard(write)])).toEqual([0]);
    expect(await store.restoreLiveWrites(write, now)).toBe(1);
    expect((await store.get(ws, 'c1'))?.contact.name).toBe('Live');
  });

  it('writes a backfill page item for item as a live write stores the same contact', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;
    const contact = contactFromIntercom({
      id: 'c1',
      role: 'lead',
      name: 'Ada',
      email: '',
      phone: 12345,
      created_at: 1_700_000_000,
      updated_at: 1_700_000_500,
      workspace_id: 'app1',
      custom_attributes: { plan: 'pro', seats: 12, vip: true, tags: ['a', 2], nested: { when: null } },
    });
    await store.put(ws, contact, now);
    const live = await dynamo.send(new GetCommand({ TableName: table.name, Key: keys.contact(ws, 'c1'), ConsistentRead: true }));
    await store.writeBackfillPage(ws, [contact], { readAt: now, now });
    const backfilled = await dynamo.send(new GetCommand({ TableName: table.name, Key: keys.contact(ws, 'c1'), ConsistentRead: true }));
    expect(backfilled.Item).toEqual(live.Item);
  });

  it('journals each live write with the item as written, kept a day (a removal as long as its tombstone)', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;
    await store.put(ws, snapshot('live', 100, 'Live'), now);
    await store.remove(ws, 'gone', 'deleted', 100, now);
    const journal = async (id: string) =>
      (await dynamo.send(new GetCommand({ TableName: table.name, Key: keys.contactJournal(ws, id), ConsistentRead: true }))).Item!;
    const nowSeconds = Math.floor(now.getTime() / 1000);

    expect(await journal('live')).toMatchObject({ id: 'live', version: 100, item: { name: 'Live', version: 100 }, expiresAt: nowSeconds + 86_400 });
    expect(await journal('gone')).toMatchObject({ id: 'gone', item: { removed: 'deleted' }, expiresAt: nowSeconds + 90 * 86_400 });
    // A superseded live write changes neither the contact nor its journal entry.
    expect(await store.put(ws, snapshot('live', 99, 'Stale'), now)).toBe(false);
    expect(await journal('live')).toMatchObject({ version: 100, item: { name: 'Live' } });
  });
});

describe('ContactStore.sweepPage', () => {
  it('removes, page by page, contacts of other Intercom workspaces and returns those not written since the cutoff, keeping tombstones', async () => {
    const ws = `store_${randomUUID().slice(0, 8)}`;
    const before = new Date('2026-01-01T00:00:00Z');
    const cutoff = '2026-01-02T00:00:00.000Z';
    const after = new Date('2026-01-03T00:00:00Z');
    const of = (appId: string, id: string, name = `Contact ${id}`) =>
      contactFromIntercom({ id, role: 'user', name, created_at: 1_700_000_000, updated_at: 100, workspace_id: appId });
    // Another workspace's contacts, one written after the cutoff (a page that was in flight).
    await store.putMany(ws, [of('former', 'c1'), of('former', 'c2')], before);
    await store.putMany(ws, [of('former', 'c4')], after);
    // Not written since the cutoff, of this workspace or of none Intercom named: only Intercom can say whether they are gone.
    await store.putMany(ws, [snapshot('c5', 100), of('current', 'c3')], before);
    // Tombstones stay, however old.
    await store.remove(ws, 'c6', 'deleted', 100, before);
    // Written since the cutoff.
    await store.putMany(ws, [of('current', 'c7', 'Current'), snapshot('c8', 100, 'Unnamed workspace')], after);

    let removed = 0;
    let pages = 0;
    const unseen: string[] = [];
    let next: string | null = null;
    do {
      const page: Awaited<ReturnType<ContactStore['sweepPage']>> = await store.sweepPage(ws, { appId: 'current', writtenBefore: cutoff, after: next, limit: 2 });
      removed += page.removed;
      unseen.push(...page.unseen);
      next = page.next;
      pages += 1;
    } while (next !== null);

    expect(removed).toBe(3);
    expect(unseen).toEqual(['c3', 'c5']);
    expect(pages).toBeGreaterThan(2);
    expect((await store.list(ws, { limit: 10 })).contacts.map((c) => c.id)).toEqual(['c3', 'c5', 'c7', 'c8']);
    const item = async (id: string) => (await dynamo.send(new GetCommand({ TableName: table.name, Key: keys.contact(ws, id), ConsistentRead: true }))).Item;
    expect(await item('c6')).toMatchObject({ removed: 'deleted' });
    expect(await item('c7')).toMatchObject({ appId: 'current' });
    // Repeating it removes nothing more; without a cutoff nothing is unseen.
    expect(await store.sweepPage(ws, { appId: 'current', writtenBefore: cutoff, after: null, limit: 100 })).toEqual({ removed: 0, unseen: ['c3', 'c5'], next: null });
    expect(await store.sweepPage(ws, { appId: 'current', writtenBefore: null, after: null, limit: 100 })).toEqual({ removed: 0, unseen: [], next: null });
  });
});

describe('ContactSyncStore', () => {
  it('records every complete incremental run, and never moves the watermark back', async () => {
    const syncs = new ContactSyncStore(table);
    const workspaceId = `store_${randomUUID().slice(0, 8)}`;
    const started = new Date();
    const sync: ContactSync = {
      workspaceId,
      enabled: true,
      appId: 'app',
      timeZone: null,
      runId: 'run-1',
      generation: 1,
      state: 'completed',
      synced: 0,
      expected: 0,
      partitionsTotal: 1,
      partitionsDone: 1,
      startedAt: started.toISOString(),
      finishedAt: started.toISOString(),
      stoppedAt: null,
      progressAt: started.toISOString(),
      error: null,
      watermark: 1_000,
      lastIncrementalAt: null,
    };
    const root = { runId: 'run-1', partitionId: 'r', range: { fromNoon: null, toNoon: 2_000, idSuffix: null }, state: 'done' as const, seq: 1, cursor: null };
    expect(await syncs.beginRun(sync, root, null)).toBe(true);
    expect(await syncs.beginRun({ ...sync, runId: 'run-2' }, { ...root, runId: 'run-2' }, null)).toBe(false);

    expect(await syncs.recordIncremental(workspaceId, { watermark: 1_000, at: new Date(5_000) })).toBe(true);
    expect(await syncs.recordIncremental(workspaceId, { watermark: 900, at: new Date(6_000) })).toBe(false);

    expect(await syncs.get(workspaceId)).toMatchObject({ watermark: 1_000, lastIncrementalAt: new Date(5_000).toISOString() });
    expect((await syncs.listEnabled()).map((s) => s.workspaceId)).toContain(workspaceId);
    await syncs.disable(workspaceId, new Date());
    expect((await syncs.listEnabled()).map((s) => s.workspaceId)).not.toContain(workspaceId);
  });
});

describe('ContactSyncStore rate budget', () => {
  it('grants requests while the window has more than its reserve left, then defers until the reset', async () => {
    const budget = new ContactSyncStore(table);
    const appId = `app_${randomUUID().slice(0, 8)}`;
    const caller = { appId, workspaceId: `ws_${randomUUID().slice(0, 8)}` };
    const nowSeconds = Math.floor(Date.now() / 1000);

    expect(await budget.reserveIntercomRequest(caller, nowSeconds)).toEqual({ granted: true });
    await budget.recordIntercomRateLimit(caller, { limit: 20, remaining: 4, resetAt: nowSeconds + 8, reserve: 2 }, now);
    // An older window, or a higher count in the same window, does not overwrite what is known.
    await budget.recordIntercomRateLimit(caller, { limit: 20, remaining: 15, resetAt: nowSeconds + 8, reserve: 2 }, now);
    await budget.recordIntercomRateLimit(caller, { limit: 20, remaining: 20, resetAt: nowSeconds - 2, reserve: 2 }, now);

    const grants = [];
    for (let i = 0; i < 4; i += 1) grants.push(await budget.reserveIntercomRequest(caller, nowSeconds));

    expect(grants).toEqual([{ granted: true }, { granted: true }, { granted: false, retryAt: nowSeconds + 8 }, { granted: false, retryAt: nowSeconds + 8 }]);
    expect(await budget.reserveIntercomRequest(caller, nowSeconds + 8)).toEqual({ granted: true });
  });

  it('takes requests for a process a few at a time, and writes no window it already knows to be stale', async () => {
    const budget = new ContactSyncStore(table);
    const caller = { appId: `app_${randomUUID().slice(0, 8)}`, workspaceId: `ws_${randomUUID().slice(0, 8)}` };
    const nowSeconds = Math.floor(Date.now() / 1000);
    const stored = async () =>
      (await dynamo.send(new GetCommand({ TableName: table.name, Key: keys.intercomRateBudget(caller.appId, caller.workspaceId), ConsistentRead: true }))).Item;
    await budget.recordIntercomRateLimit(caller, { limit: 100, remaining: 100, resetAt: nowSeconds + 8, reserve: 10 }, now);

    const grants = await Promise.all(Array.from({ length: 10 }, () => budget.reserveIntercomRequest(caller, nowSeconds)));
    expect(grants).toEqual(Array.from({ length: 10 }, () => ({ granted: true })));
    expect((await stored())?.remaining).toBe(90);
    // Intercom reports more left than the budget holds: nothing to write.
    await budget.recordIntercomRateLimit(caller, { limit: 100, remaining: 95, resetAt: nowSeconds + 8, reserve: 10 }, now);
    expect((await stored())?.remaining).toBe(90);
    // Less left (another caller spent some), or a new window: written.
    await budget.recordIntercomRateLimit(caller, { limit: 100, remaining: 40, resetAt: nowSeconds + 8, reserve: 10 }, now);
    expect((await stored())?.remaining).toBe(40);
    // Another process shares the budget: what it takes is gone for this one.
    const other = new ContactSyncStore(table);
    expect(await other.reserveIntercomRequest(caller, nowSeconds)).toEqual({ granted: true });
    expect((await stored())?.remaining).toBe(39);
  });

  it('keeps one budget per Timebook workspace and Intercom workspace: two connections to one Intercom workspace never overwrite each other', async () => {
    const budget = new ContactSyncStore(table);
    const appId = `app_${randomUUID().slice(0, 8)}`;
    const [first, second] = [`ws_${randomUUID().slice(0, 8)}`, `ws_${randomUUID().slice(0, 8)}`].map((workspaceId) => ({ appId, workspaceId }));
    const nowSeconds = Math.floor(Date.now() / 1000);

    await budget.recordIntercomRateLimit(first!, { limit: 20, remaining: 2, resetAt: nowSeconds + 8, reserve: 2 }, now);
    await budget.recordIntercomRateLimit(second!, { limit: 20, remaining: 18, resetAt: nowSeconds + 8, reserve: 2 }, now);

    expect(await budget.reserveIntercomRequest(first!, nowSeconds)).toEqual({ granted: false, retryAt: nowSeconds + 8 });
    expect(await budget.reserveIntercomRequest(second!, nowSeconds)).toEqual({ granted: true });
  });
});
