import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/processes';
import { keys } from '../../lib/store/keys';
import { adminToken, api, type ApiResponse } from '../support/api';
import { functionLogText } from '../support/evidence';
import {
  byId,
  connectedWithContacts,
  contactsSync,
  expectedContact,
  intercomContacts,
  listedContacts,
  runScheduledContactSync,
  simulator,
  switchContactSync,
  waitForContactsSync,
  type ContactsWorkspace,
} from '../support/contacts-world';
import { dynamo, stack } from '../support/local-stack';
import { SEEDED_CONTACT_TIMES } from '../support/seed-times';

/** The store holds exactly Intercom's contacts, each once, with the right fields. */
async function expectExactCopy(ws: ContactsWorkspace) {
  const [listed, intercom] = await Promise.all([listedContacts(ws), intercomContacts(ws)]);
  expect(new Set(listed.map((c) => c.id)).size).toBe(listed.length);
  expect([...listed].sort(byId)).toEqual(intercom.map(expectedContact).sort(byId));
  return listed;
}

/** Moves the time every stored contact of the workspace was written `seconds` into the past. */
async function backdateStoredContacts(workspaceId: string, seconds: number) {
  const { pk, skPrefix } = keys.contacts(workspaceId);
  const { Items = [] } = await dynamo.send(
    new QueryCommand({
      TableName: stack.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    }),
  );
  await Promise.all(
    Items.map((item) =>
      dynamo.send(
        new UpdateCommand({
          TableName: stack.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET syncedAt = :then',
          ExpressionAttributeValues: { ':then': new Date(Date.parse(item.syncedAt as string) - seconds * 1000).toISOString() },
        }),
      ),
    ),
  );
}

describe('the contact backfill', () => {
  it('copies 5,000 users and leads with their fields when the switch goes on, reporting running then completed', async () => {
    const ws = await connectedWithContacts({ count: 5_000, seed: 5, leadRatio: 0.3 });

    const switched = await switchContactSync(ws, true);
    const { sync, states } = await waitForContactsSync(ws, (s) => s.state === 'completed');

    expect(switched.settings.syncContacts).toBe(true);
    expect(switched.contactsSync).toMatchObject({ state: 'running', synced: 0, finishedAt: null });
    expect(states).toEqual(['running', 'completed']);
    expect(sync).toMatchObject({ state: 'completed', synced: 5_000, expected: 5_000, error: null });
    expect(Date.parse(sync.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(sync.startedAt!));
    const listed = await expectExactCopy(ws);
    expect(listed).toHaveLength(5_000);
    expect(new Set(listed.map((c) => c.role))).toEqual(new Set(['user', 'lead']));
    // More than one partition did the work.
    const partitions = new Set(
      functionLogText()
        .split('\n')
        .filter((line) => line.includes('"Contact sync page processed"') && line.includes(ws.workspaceId))
        .map((line) => /"partitionId":"([^"]+)"/.exec(line)?.[1]),
    );
    expect(partitions.size).toBeGreaterThan(2);
  }, 120_000);

  it('ends with exactly Intercom\'s contacts when a fifth of the requests fail with 429 or 500 and whole pages fail', async () => {
    const ws = await connectedWithContacts({ count: 5_000, seed: 6, leadRatio: 0.4 });
    await simulator.resetStats(ws.intercom.appId);
    await simulator.setFaults(ws.intercom.appId, { seed: 17, errorRate: 0.15, errorStatuses: [500], rateLimitRate: 0.06 });

    await switchContactSync(ws, true);
    // Random faults are drawn per request, so a short run may draw no 429: three come for certain.
    await simulator.failNext(ws.intercom.appId, { method: 'POST', pathPrefix: '/contacts/search', status: 429, count: 3 });
    await waitForContactsSync(ws, (s) => s.synced >= 1_000);
    // Every retry of the client fails too: those pages fail whole, and SQS delivers them again.
    await simulator.failNext(ws.intercom.appId, { method: 'POST', pathPrefix: '/contacts/search', status: 500, count: 30 });
    const { sync } = await waitForContactsSync(ws, (s) => s.state === 'completed', 150_000);

    expect(sync).toMatchObject({ state: 'completed', synced: 5_000, expected: 5_000 });
    const stats = await simulator.getStats(ws.intercom.appId);
    expect(stats.byStatus['429'] ?? 0).toBeGreaterThan(0);
    expect(stats.byStatus['500'] ?? 0).toBeGreaterThan(30);
    await simulator.clearFaults(ws.intercom.appId);
    expect(await expectExactCopy(ws)).toHaveLength(5_000);
  }, 200_000);

  it('stops at the next page when switched off, resumes from its checkpoints when switched on, and never runs twice', async () => {
    const ws = await connectedWithContacts({ count: 2_400, seed: 7 });
    await simulator.setFaults(ws.intercom.appId, { latencyMs: 250 });

    // Two switches at once start one backfill.
    const [first, second] = await Promise.all([switchContactSync(ws, true), switchContactSync(ws, true)]);
    expect(first.contactsSync.startedAt).toBe(second.contactsSync.startedAt);
    await waitForContactsSync(ws, (s) => s.synced >= 450);
    const stopped = await switchContactSync(ws, false);
    expect(stopped.contactsSync.state).toBe('idle');
    // A page in flight when the switch went off does not count.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const paused = await contactsSync(ws);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await contactsSync(ws)).synced).toBe(paused.synced);
    expect(paused.synced).toBeLessThan(2_400);

    const resumed = await switchContactSync(ws, true);
    const { sync } = await waitForContactsSync(ws, (s) => s.state === 'completed');

    expect(resumed.contactsSync).toMatchObject({ state: 'running', startedAt: first.contactsSync.startedAt });
    expect(sync).toMatchObject({ synced: 2_400, expected: 2_400, startedAt: first.contactsSync.startedAt });
    await simulator.clearFaults(ws.intercom.appId);
    expect(await expectExactCopy(ws)).toHaveLength(2_400);
  }, 120_000);
});

describe('when the workspace connects another Intercom workspace', () => {
  /** A second simulator workspace with `count` contacts, and the Timebook workspace seen as synced with it. */
  async function anotherIntercom(ws: ContactsWorkspace, count: number, seed: number): Promise<ContactsWorkspace> {
    const intercom = await simulator.createWorkspace();
    await simulator.seedContacts(intercom.appId, { count, seed, ...SEEDED_CONTACT_TIMES });
    return { ...ws, intercom };
  }

  async function connectByToken(ws: ContactsWorkspace) {
    const connected = await api('POST', `${ws.base}/intercom/token`, { token: ws.token, body: { accessToken: ws.intercom.accessToken } });
    expect(connected.status, connected.text).toBe(200);
  }

  /**
   * Every contact of the first Intercom workspace is removed beside the new backfill: at once, and
   * what a page in flight wrote after that by the removal's second run (PURGE_AGAIN_AFTER_SECONDS).
   */
  async function expectOnlyTheNewWorkspace(moved: ContactsWorkspace, count: number) {
    await waitFor('the former workspace\'s contacts to be removed', async () => (await listedContacts(moved)).length === count, 150_000);
    expect(await expectExactCopy(moved)).toHaveLength(count);
  }

  it('restarts a running backfill on the new workspace, with sync left on, and removes the former one\'s contacts', async () => {
    const ws = await connectedWithContacts({ count: 2_400, seed: 11 });
    await simulator.setFaults(ws.intercom.appId, { latencyMs: 400 });
    const first = await switchContactSync(ws, true);
    await waitForContactsSync(ws, (s) => s.synced >= 150);
    const moved = await anotherIntercom(ws, 400, 12);

    await connectByToken(moved);
    const { sync } = await waitForContactsSync(moved, (s) => s.state === 'completed');

    expect(sync.startedAt).not.toBe(first.contactsSync.startedAt);
    expect(sync).toMatchObject({ synced: 400, expected: 400, error: null });
    await expectOnlyTheNewWorkspace(moved, 400);
  }, 240_000);

  it('starts afresh rather than resuming the former workspace\'s stopped backfill when sync is switched on again', async () => {
    const ws = await connectedWithContacts({ count: 2_400, seed: 13 });
    await simulator.setFaults(ws.intercom.appId, { latencyMs: 400 });
    const first = await switchContactSync(ws, true);
    await waitForContactsSync(ws, (s) => s.synced >= 150);
    expect((await api('DELETE', `${ws.base}/intercom`, { token: ws.token })).status).toBe(204);
    const moved = await anotherIntercom(ws, 300, 14);
    await connectByToken(moved);

    const switched = await switchContactSync(moved, true);
    const { sync } = await waitForContactsSync(moved, (s) => s.state === 'completed');

    expect(switched.contactsSync).toMatchObject({ state: 'running', synced: 0 });
    expect(switched.contactsSync.startedAt).not.toBe(first.contactsSync.startedAt);
    expect(sync).toMatchObject({ synced: 300, expected: 300, error: null });
    // Every contact of the new workspace is there (the former one's go as in the test above).
    const listed = new Map((await listedContacts(moved)).map((contact) => [contact.id, contact]));
    const expected = (await intercomContacts(moved)).map(expectedContact);
    expect(expected.map((contact) => listed.get(contact.id))).toEqual(expected);
  }, 120_000);
});

describe('after the backfill', () => {
  it('brings contacts created and updated in Intercom through the scheduled sync, without any webhook', async () => {
    const ws = await connectedWithContacts({ count: 300, seed: 8 });
    await switchContactSync(ws, true);
    await waitForContactsSync(ws, (s) => s.state === 'completed');
    const [one, two] = await intercomContacts(ws);
    // Created and changed now, by the clock: the scheduled sync reads what changed since the backfill began.
    const created = await Promise.all(
      ['Grace Hopper', 'Alan Turing', 'Edsger Dijkstra'].map((name, i) =>
        simulator.createContact(ws.intercom.appId, { name, role: i === 0 ? 'lead' : 'user', email: `${name.split(' ')[0]!.toLowerCase()}@example.com` }),
      ),
    );
    await simulator.updateContact(ws.intercom.appId, one!.id, { name: 'Renamed One', customAttributes: { plan: 'enterprise' } });
    await simulator.updateContact(ws.intercom.appId, two!.id, { email: 'moved@example.com' });

    const summary = await runScheduledContactSync();

    expect(summary.workspaces).toBeGreaterThanOrEqual(1);
    await waitFor(
      'the incremental sync to finish',
      async () => (await contactsSync(ws)).lastIncrementalAt !== null,
      30_000,
    );
    const listed = await expectExactCopy(ws);
    expect(listed).toHaveLength(303);
    expect(listed.filter((c) => created.some((n) => n.id === c.id)).map((c) => c.name).sort()).toEqual([
      'Alan Turing',
      'Edsger Dijkstra',
      'Grace Hopper',
    ]);
    expect(listed.find((c) => c.id === one!.id)).toMatchObject({ name: 'Renamed One', customAttributes: { plan: 'enterprise' } });
    expect(listed.find((c) => c.id === two!.id)?.email).toBe('moved@example.com');
    // No webhook was involved.
    const webhookLines = functionLogText()
      .split('\n')
      .filter((line) => line.includes(ws.workspaceId) && line.includes('"topic":"contact.'));
    expect(webhookLines).toEqual([]);
  }, 120_000);

  it('removes contacts deleted in Intercom without any webhook once a later backfill completes', async () => {
    const ws = await connectedWithContacts({ count: 300, seed: 15 });
    await switchContactSync(ws, true);
    await waitForContactsSync(ws, (s) => s.state === 'completed');
    const [gone, alsoGone] = await intercomContacts(ws);
    await simulator.deleteContact(ws.intercom.appId, gone!.id);
    await simulator.deleteContact(ws.intercom.appId, alsoGone!.id);
    // Nothing told the service: both are still listed.
    expect((await listedContacts(ws)).map((c) => c.id)).toEqual(expect.arrayContaining([gone!.id, alsoGone!.id]));
    // A later backfill leaves alone what was written shortly before it began (Intercom's search
    // may not show it yet): the stored copies are made older than that, as time would.
    await backdateStoredContacts(ws.workspaceId, 30 * 60);

    await switchContactSync(ws, false);
    const again = await switchContactSync(ws, true);
    await waitForContactsSync(ws, (s) => s.state === 'completed' && s.startedAt === again.contactsSync.startedAt);

    await waitFor('the deleted contacts to be removed', async () => (await listedContacts(ws)).length === 298, 30_000);
    expect(await expectExactCopy(ws)).toHaveLength(298);
  }, 120_000);

  it('applies contact webhooks: a created contact appears, a deleted one disappears, an older copy never wins', async () => {
    const ws = await connectedWithContacts({ count: 60, seed: 9 });
    await switchContactSync(ws, true);
    await waitForContactsSync(ws, (s) => s.state === 'completed');
    const [doomed, changing] = await intercomContacts(ws);
    const deliver = async (topic: 'contact.user.created' | 'contact.lead.created' | 'contact.deleted', contactId: string) => {
      const result = await simulator.deliverWebhook({ appId: ws.intercom.appId, topic, contactId, url: ws.webhookUrl });
      expect(result.deliveries.map((d) => d.status)).toEqual([200]);
    };

    await simulator.deleteContact(ws.intercom.appId, doomed!.id);
    await deliver('contact.deleted', doomed!.id);
    const lead = await simulator.createContact(ws.intercom.appId, { role: 'lead', name: 'Webhook Lead', email: 'lead@example.com' });
    await deliver('contact.lead.created', lead.id);
    // An old copy of a contact, delivered after a newer one, changes nothing.
    const old = await simulator.buildWebhook({ appId: ws.intercom.appId, topic: 'contact.user.created', contactId: changing!.id });
    await simulator.updateContact(ws.intercom.appId, changing!.id, { name: 'Newer Name', updatedAt: changing!.updated_at + 60 });
    await deliver('contact.user.created', changing!.id);
    await waitFor('the newer copy', async () => (await listedContacts(ws)).some((c) => c.name === 'Newer Name'), 30_000);
    const replay = await fetch(ws.webhookUrl, { method: 'POST', headers: old.headers, body: old.body });
    expect(replay.status).toBe(200);

    await waitFor(
      'the webhooks to be applied',
      async () => {
        const listed = await listedContacts(ws);
        return !listed.some((c) => c.id === doomed!.id) && listed.some((c) => c.id === lead.id);
      },
      30_000,
    );
    await waitFor(
      'the replayed notification to be processed',
      async () => functionLogText().includes(String((old.envelope as { id: string }).id)),
      30_000,
    );
    const listed = await expectExactCopy(ws);
    expect(listed).toHaveLength(60);
    expect(listed.find((c) => c.id === changing!.id)?.name).toBe('Newer Name');
    expect(listed.find((c) => c.id === lead.id)).toMatchObject({ role: 'lead', name: 'Webhook Lead', email: 'lead@example.com' });
  }, 120_000);
});

describe('GET /v1/workspaces/{workspaceId}/contacts', () => {
  it('pages through the contacts with an opaque cursor, null after the last page, and refuses bad input', async () => {
    const ws = await connectedWithContacts({ count: 45, seed: 10 });
    await switchContactSync(ws, true);
    await waitForContactsSync(ws, (s) => s.state === 'completed');

    const pages = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await api('GET', `${ws.base}/contacts?limit=20${cursor ? `&cursor=${cursor}` : ''}`, { token: ws.token });
      expect(page.status).toBe(200);
      pages.push(page.body);
      cursor = page.body.nextCursor;
    } while (cursor);

    expect(pages.map((p) => p.contacts.length)).toEqual([20, 20, 5]);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    const defaultPage = await api('GET', `${ws.base}/contacts`, { token: ws.token });
    expect(defaultPage.body.contacts).toHaveLength(45);
    expect(defaultPage.body.nextCursor).toBeNull();
    const tooMany = await api('GET', `${ws.base}/contacts?limit=101`, { token: ws.token });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('invalid_request');
    const tampered = await api('GET', `${ws.base}/contacts?cursor=${Buffer.from('{"pk":"WORKSPACE#other#CONTACTS","sk":"CONTACT#1"}').toString('base64url')}`, { token: ws.token });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.code).toBe('invalid_cursor');
    const stranger = await api('GET', `${ws.base}/contacts`, { token: await adminToken(['someone_else']) });
    expect(stranger.status).toBe(403);
  }, 120_000);
});
