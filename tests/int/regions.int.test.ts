import { describe, expect, it } from 'vitest';
import type { Region, StatsSnapshot } from '../../dev/intercom-simulator';
import { waitFor } from '../../dev/processes';
import { oauthFlow } from '../../dev/oauth-flow';
import { adminToken, api, newWorkspaceId } from '../support/api';
import { SEEDED_CONTACT_TIMES } from '../support/seed-times';
import { contactsSync, listedContacts, runScheduledContactSync, switchContactSync, waitForContactsSync, type ContactsWorkspace } from '../support/contacts-world';
import { connectedWorkspace, deliver, enableFeedback, inbox, simulator, ticket } from '../support/feedback-world';

/*
 * Workspaces hosted in Intercom's EU and AU regions. Their simulated Intercom workspaces are in
 * strict mode: the US base URL answers their tokens on `GET /me` only and refuses every other call
 * with Intercom's 401, so a call sent to the wrong host fails, and the per-host statistics show
 * where each call went.
 */

const INBOX_ORIGINS: Record<Exclude<Region, 'US'>, string> = {
  EU: 'https://app.eu.intercom.com',
  AU: 'https://app.au.intercom.com',
};

/** What the workspace's calls looked like, host by host: only `GET /me` may reach the US host. */
function expectOnlyOwnHost(stats: StatsSnapshot, region: Region) {
  expect(stats.byHost.US?.byRoute).toEqual({ 'GET /me': 1 });
  expect(Object.keys(stats.byHost).sort()).toEqual([region, 'US'].sort());
  expect(stats.byStatus['401']).toBeUndefined();
}

describe.each(['EU', 'AU'] as const)('a workspace in the %s region', (region) => {
  it('connects, lists its tags, turns a tag into a ticket, syncs its contacts and disconnects, all on its own host', async () => {
    const intercom = await simulator.createWorkspace({ name: `${region} Support`, region, strictRegion: true });
    await simulator.seedContacts(intercom.appId, { ...SEEDED_CONTACT_TIMES, count: 40, seed: 3 });

    const ws = await connectedWorkspace(intercom, ['Feature request', 'Bug']);
    const status = await api('GET', `/v1/workspaces/${ws.workspaceId}/intercom`, { token: ws.token });
    expect(status.body.intercom).toEqual({ appId: intercom.appId, name: `${region} Support`, region });

    await enableFeedback(ws, 'prod_regions', [ws.tags['Feature request']!]);
    const conversation = await simulator.createConversation(intercom.appId, {
      body: '<p>Please keep our data in our region.</p>',
      parts: [{ kind: 'admin_reply', body: '<p>It stays there.</p>' }],
    });
    const applied = await simulator.tagConversation(intercom.appId, conversation.id, { tagId: ws.tags['Feature request']! });
    await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: applied.id, partIds: [applied.partId] });
    let ticketId: string | undefined;
    await waitFor(
      `a ticket for conversation ${conversation.id}`,
      async () => {
        ticketId = (await inbox(ws, 'prod_regions')).find((t) => t.intercom.conversationId === conversation.id)?.id;
        return ticketId !== undefined;
      },
      30_000,
    );
    const created = await ticket(ws, 'prod_regions', ticketId!);
    expect(created.intercom.url).toBe(`${INBOX_ORIGINS[region]}/a/inbox/${intercom.appId}/inbox/conversation/${conversation.id}`);
    expect(created.messages.map((m: { body: string }) => m.body)).toEqual(['Please keep our data in our region.', 'It stays there.']);

    const contacts: ContactsWorkspace = { ...ws, base: `/v1/workspaces/${ws.workspaceId}` };
    await switchContactSync(contacts, true);
    const { sync } = await waitForContactsSync(contacts, (s) => s.state === 'completed');
    // The 40 seeded and the lead who started the conversation.
    expect(sync.synced).toBe(41);
    expect((await simulator.getWorkspace(intercom.appId)).counts.contacts).toBe(41);
    const [first] = await listedContacts(contacts);
    await simulator.updateContact(intercom.appId, first!.id, { name: `Renamed in ${region}` });
    await runScheduledContactSync();
    await waitFor('the incremental sync to finish', async () => (await contactsSync(contacts)).lastIncrementalAt !== null, 30_000);
    expect((await listedContacts(contacts)).find((c) => c.id === first!.id)?.name).toBe(`Renamed in ${region}`);

    expect((await api('DELETE', `/v1/workspaces/${ws.workspaceId}/intercom`, { token: ws.token })).status).toBe(204);

    const stats = await simulator.getStats(intercom.appId);
    expectOnlyOwnHost(stats, region);
    expect(stats.byHost[region]?.byRoute).toMatchObject({
      'GET /admins': 1,
      'GET /tags': expect.any(Number),
      'GET /conversations/{id}': expect.any(Number),
      'POST /contacts/search': expect.any(Number),
    });
    // Connect probed "Read tags", the helper listed them, enabling feedback checked the trigger tag.
    expect(stats.byHost[region]?.byRoute['GET /tags']).toBe(3);
  }, 150_000);

  it('connects by OAuth on the US host, then uninstalls on its own host', async () => {
    const intercom = await simulator.createWorkspace({ region, strictRegion: true });
    const workspaceId = newWorkspaceId('oauth');
    const token = await adminToken([workspaceId]);
    const connected = await oauthFlow(api, simulator).connect(workspaceId, token, intercom.appId);
    expect(connected.status, connected.text).toBe(200);
    expect(connected.body.intercom.region).toBe(region);
    await simulator.resetStats(intercom.appId);

    expect((await api('DELETE', `/v1/workspaces/${workspaceId}/intercom`, { token })).status).toBe(204);

    const tokens = await simulator.listTokens(intercom.appId);
    expect(tokens.tokens.find((t) => t.kind === 'oauth')?.revoked).toBe(true);
    const stats = await simulator.getStats(intercom.appId);
    expect(Object.keys(stats.byHost)).toEqual([region]);
    expect(stats.byHost[region]?.byRoute).toEqual({ 'POST /auth/uninstall': 1 });
  });
});

