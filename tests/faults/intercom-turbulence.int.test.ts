import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/processes';
import {
  byId,
  connectedWithContacts,
  intercomContacts,
  listedContacts,
  simulator,
  switchContactSync,
  waitForContactsSync,
} from '../support/contacts-world';
import { api } from '../support/api';
import { deliverAllAtOnce } from '../support/feedback-world';
import { SEEDED_CONVERSATION_TIMES } from '../support/seed-times';

/**
 * Intercom at its worst: 30% of its answers are 5xx or 429, with latency spikes, while a contact
 * backfill and a stream of tag webhooks run at once. The results must still be exact.
 */
describe('Intercom failing 30% of the time during a backfill and a webhook stream', () => {
  it('ends with exactly Intercom\'s contacts and exactly one ticket per tagged conversation', async () => {
    const ws = await connectedWithContacts({ count: 2_000, seed: 31, leadRatio: 0.3 });
    const { tags } = await simulator.createTags(ws.intercom.appId, { names: ['Feature request'] });
    const tagId = tags[0]!.id;
    const enabled = await api('PUT', `${ws.base}/products/turbulence/intercom-feedback`, {
      token: ws.token,
      body: { enabled: true, triggerTagIds: [tagId] },
    });
    expect(enabled.status, enabled.text).toBe(200);
    const { conversations } = await simulator.seedConversations(ws.intercom.appId, { count: 40, seed: 8, partsPerConversation: 3, ...SEEDED_CONVERSATION_TIMES });
    const applied = new Map<string, string>();
    for (const conversation of conversations) {
      applied.set(conversation.id, (await simulator.tagConversation(ws.intercom.appId, conversation.id, { tagId })).partId);
    }

    await simulator.setFaults(ws.intercom.appId, {
      seed: 99,
      errorRate: 0.2,
      errorStatuses: [500, 503],
      rateLimitRate: 0.1,
      spikeRate: 0.05,
      spikeMs: 1_500,
    });
    await switchContactSync(ws, true);
    // Every webhook at once, each sent once: the local Lambda must lose none of them.
    const slowest = await deliverAllAtOnce(
      conversations.map((conversation) => ({
        appId: ws.intercom.appId,
        url: ws.webhookUrl,
        topic: 'conversation_part.tag.created',
        conversationId: conversation.id,
        tagId,
        partIds: [applied.get(conversation.id)!],
        notificationId: `notif_turbulence_${conversation.id}`,
        timeoutMs: 30_000,
      })),
    );
    console.log(`Intercom turbulence: ${conversations.length} webhooks at once, all accepted; slowest answer ${slowest} ms`);

    const { sync } = await waitForContactsSync(ws, (s) => s.state === 'completed', 400_000);
    const tickets = async () => {
      const page = await api('GET', `${ws.base}/products/turbulence/feedback?limit=100`, { token: ws.token });
      return page.status === 200 ? (page.body.tickets as Array<{ intercom: { conversationId: string } }>) : [];
    };
    await waitFor('a ticket for every tagged conversation', async () => (await tickets()).length >= conversations.length, 400_000);
    await simulator.clearFaults(ws.intercom.appId);

    const expected = (await intercomContacts(ws)).map((c) => c.id).sort();
    const listed = (await listedContacts(ws)).sort(byId).map((c) => c.id);
    expect(sync.synced).toBe(expected.length);
    expect(listed).toEqual(expected);
    const ticketConversations = (await tickets()).map((t) => t.intercom.conversationId).sort();
    expect(ticketConversations).toEqual(conversations.map((c) => c.id).sort());
    const stats = await simulator.getStats(ws.intercom.appId);
    const failures = Object.entries(stats.byStatus).filter(([status]) => status !== '200').reduce((n, [, count]) => n + count, 0);
    console.log(`Intercom turbulence: ${failures} of ${stats.total} Intercom answers were 5xx or 429; results exact`);
    expect(failures).toBeGreaterThan(0);
  }, 900_000);
});
