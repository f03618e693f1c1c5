import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SimulatorClient } from '../../dev/intercom-simulator';
import { LOCAL_WEBHOOK_TOPICS, LOCAL_WORKSPACE, seedLocalWorkspace, subscribeLocalWorkspace } from '../../dev/local-workspace';
import { waitFor } from '../../dev/processes';
import { adminToken, api, newWorkspaceId } from '../support/api';
import { stack } from '../support/local-stack';

const simulator = new SimulatorClient(stack.intercomUrl);

/** Everything the seed made that can be read back, the random access token aside. */
async function snapshot(appId: string) {
  const { rateLimit: _rateLimit, ...workspace } = await simulator.getWorkspace(appId);
  const { tokens } = await simulator.listTokens(appId);
  return { workspace, permissions: tokens.map((t) => [...t.permissions].sort()) };
}

describe('the Intercom workspace npm start seeds', () => {
  it('is the same on every seeding, ids included, and holds what the README says', async () => {
    // A workspace id of its own: the simulator is shared with the other tests.
    const appId = `acme-${randomUUID().slice(0, 8)}`;
    const first = await seedLocalWorkspace(simulator, appId);
    const firstSnapshot = await snapshot(appId);
    const firstContacts = await Promise.all(first.conversations.flatMap((c) => c.contactIds).map((id) => simulator.getContact(appId, id)));
    await simulator.deleteWorkspace(appId);

    const second = await seedLocalWorkspace(simulator, appId);
    const secondContacts = await Promise.all(second.conversations.flatMap((c) => c.contactIds).map((id) => simulator.getContact(appId, id)));
    const { accessToken: token1, ...rest1 } = first;
    const { accessToken: token2, ...rest2 } = second;
    expect(token2).not.toBe(token1);
    expect(rest2).toEqual(rest1);
    expect(await snapshot(appId)).toEqual(firstSnapshot);
    expect(secondContacts).toEqual(firstContacts);

    expect(second.name).toBe('Acme Support');
    expect(second.clientSecret).toBe(LOCAL_WORKSPACE.clientSecret);
    expect(second.tags.map((t) => t.name)).toEqual(['Feature request', 'Bug', 'Praise']);
    expect(second.contactCount).toBe(300);
    expect(second.conversations).toHaveLength(5);
    for (const conversation of second.conversations) {
      const kinds = new Set(conversation.parts.map((p) => `${p.authorType}:${p.partType}`));
      expect(conversation.parts.length).toBeGreaterThanOrEqual(5);
      expect(kinds).toContain('admin:note');
      expect(conversation.parts.some((p) => ['user', 'lead'].includes(p.authorType) && (p.body ?? '').length > 0)).toBe(true);
    }
    expect(firstSnapshot.permissions).toEqual([
      [
        'Read admins',
        'Read and list users and companies',
        'Read and write users',
        'Read conversations',
        'Read one user and one company',
        'Read tags',
        'Write conversations',
      ],
    ]);
    await simulator.deleteWorkspace(appId);
  });

  it('connects by its token with no permission missing, and delivers a tag made through the control API by itself', async () => {
    const appId = `acme-${randomUUID().slice(0, 8)}`;
    const seeded = await seedLocalWorkspace(simulator, appId);
    const workspaceId = newWorkspaceId('ws_seed');
    const token = await adminToken([workspaceId]);
    const base = `/v1/workspaces/${workspaceId}`;

    const connected = await api('POST', `${base}/intercom/token`, { token, body: { accessToken: seeded.accessToken } });
    expect(connected.status, connected.text).toBe(200);
    // 200 means no permission is missing; each one a read can prove was proved.
    expect([...connected.body.permissions.verified].sort()).toEqual([
      'Read admins',
      'Read and list users and companies',
      'Read conversations',
      'Read one user and one company',
      'Read tags',
    ]);
    const secret = await api('PUT', `${base}/intercom/webhook-secret`, { token, body: { clientSecret: seeded.clientSecret } });
    expect(secret.status, secret.text).toBe(200);
    const subscription = await subscribeLocalWorkspace(simulator, secret.body.webhookUrl, appId);
    expect(subscription.topics).toEqual(expect.arrayContaining([...LOCAL_WEBHOOK_TOPICS]));

    const feature = seeded.tags.find((t) => t.name === 'Feature request')!;
    const enabled = await api('PUT', `${base}/products/mobile-app/intercom-feedback`, {
      token,
      body: { enabled: true, triggerTagIds: [feature.id] },
    });
    expect(enabled.status, enabled.text).toBe(200);

    const conversation = seeded.conversations[0]!;
    await simulator.tagConversation(appId, conversation.id, { tagName: 'Feature request' });
    // The control call answers once the delivery's first attempt was answered.
    const { deliveries } = await simulator.webhookDeliveries({ appId, topic: 'conversation_part.tag.created' });
    expect(deliveries.map((d) => [d.conversationId, d.url, d.status])).toEqual([[conversation.id, secret.body.webhookUrl, 'sent']]);

    await waitFor(
      'the ticket of the tagged conversation',
      async () => {
        const inbox = await api('GET', `${base}/products/mobile-app/feedback`, { token });
        return inbox.body.tickets.some((t: { intercom: { conversationId: string } }) => t.intercom.conversationId === conversation.id);
      },
      30_000,
    );
    await simulator.deleteWorkspace(appId);
  });
});
