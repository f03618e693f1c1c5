import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/processes';
import { allStoredText } from '../support/evidence';
import {
  connectedWorkspace,
  deliver,
  enableFeedback,
  inbox,
  simulator,
  ticket,
  timesProcessed,
  waitUntilProcessed,
  type ConnectedWorkspace,
} from '../support/feedback-world';

const FIRST_MESSAGE = 'Could the calendar export to iCal? Our whole team lives in Outlook.';

async function conversation(ws: ConnectedWorkspace, title: string | null = null) {
  return simulator.createConversation(ws.intercom.appId, {
    title,
    body: `<p>${FIRST_MESSAGE}</p>`,
    parts: [
      { kind: 'bot_reply', body: '<p>Thanks! The team will reply soon.</p>' },
      { kind: 'assignment' },
      { kind: 'admin_reply', body: '<p>Good idea, I am passing it on.</p>' },
      { kind: 'admin_note', body: '<p>Third request this month.</p>' },
    ],
  });
}

async function ticketFor(ws: ConnectedWorkspace, productId: string, conversationId: string) {
  let found: { id: string } | undefined;
  await waitFor(
    `a ticket for conversation ${conversationId} in ${productId}`,
    async () => {
      found = (await inbox(ws, productId)).find((t) => t.intercom.conversationId === conversationId);
      return found !== undefined;
    },
    30_000,
  );
  return ticket(ws, productId, found!.id);
}

describe('feedback tickets from tagged conversations', () => {
  it.each(['2.x', '1.x'] as const)('tag → ticket → replies and notes → redaction, with %s payloads', async (shape) => {
    const ws = await connectedWorkspace();
    await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    const conv = await conversation(ws);

    const applied = await simulator.tagConversation(ws.intercom.appId, conv.id, { tagId: ws.tags['Feature request']! });
    await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: conv.id, tagId: applied.id, partIds: [applied.partId], shape });
    const created = await ticketFor(ws, 'prod_a', conv.id);

    expect(created).toMatchObject({
      productId: 'prod_a',
      status: 'new',
      title: FIRST_MESSAGE,
      customer: { contactId: conv.contactIds[0] },
      intercom: {
        appId: ws.intercom.appId,
        conversationId: conv.id,
        url: `https://app.intercom.com/a/inbox/${ws.intercom.appId}/inbox/conversation/${conv.id}`,
        tagIds: [applied.id],
        deletedAt: null,
      },
    });
    expect(created.messages.map((m: { body: string; kind: string }) => [m.kind, m.body])).toEqual([
      ['message', FIRST_MESSAGE],
      ['message', 'Thanks! The team will reply soon.'],
      ['message', 'Good idea, I am passing it on.'],
      ['note', 'Third request this month.'],
    ]);
    expect(created.messages[0].id).toBe(conv.sourceId);
    expect(created.messages[2].author.type).toBe('admin');

    const reply = await simulator.addPart(ws.intercom.appId, conv.id, { kind: 'user_reply', body: '<p>It would save me an hour a week.</p>' });
    const note = await simulator.addPart(ws.intercom.appId, conv.id, { kind: 'admin_note', body: '<p>Logged in the roadmap doc.</p>' });
    const replied = await deliver(ws, { topic: 'conversation.user.replied', conversationId: conv.id, partIds: [reply.part.id], shape });
    const noted = await deliver(ws, { topic: 'conversation.admin.noted', conversationId: conv.id, partIds: [note.part.id], shape });
    await waitUntilProcessed([replied.envelope.id!, noted.envelope.id!]);
    const updated = await ticket(ws, 'prod_a', created.id);
    expect(updated.messages.slice(-2).map((m: { body: string; kind: string; id: string }) => [m.id, m.kind, m.body])).toEqual([
      [reply.part.id, 'message', 'It would save me an hour a week.'],
      [note.part.id, 'note', 'Logged in the roadmap doc.'],
    ]);

    await simulator.redact(ws.intercom.appId, conv.id, { source: true });
    await simulator.redact(ws.intercom.appId, conv.id, { partId: reply.part.id });
    const redactions = [
      await deliver(ws, { topic: 'conversation_part.redacted', conversationId: conv.id, partIds: [reply.part.id], shape }),
    ];
    if (shape === '2.x') {
      // The source's redaction arrives with `source.redacted: true` (2.x only).
      redactions.push(await deliver(ws, { topic: 'conversation_part.redacted', conversationId: conv.id, partIds: [], shape }));
    }
    await waitUntilProcessed(redactions.map((r) => r.envelope.id!));
    const redacted = await ticket(ws, 'prod_a', created.id);
    const byId = new Map(redacted.messages.map((m: { id: string }) => [m.id, m]));
    expect(byId.get(reply.part.id)).toMatchObject({ body: '', redacted: true });
    const stored = await allStoredText();
    expect(stored).not.toContain('It would save me an hour a week.');
    if (shape === '2.x') {
      expect(byId.get(conv.sourceId)).toMatchObject({ body: '', redacted: true });
      expect(redacted.title).toBe(`Intercom conversation ${conv.id}`);
      expect(redacted.excerpt).toBe('');
      expect(stored).not.toContain('Our whole team lives in Outlook');
    }
  });

  it('is not retroactive, and routes each trigger tag to its products only', async () => {
    const ws = await connectedWorkspace();
    const [feature, bug, praise] = [ws.tags['Feature request']!, ws.tags.Bug!, ws.tags.Praise!];
    const before = await conversation(ws, 'Tagged before feedback was on');
    const earlyTag = await simulator.tagConversation(ws.intercom.appId, before.id, {
      tagId: feature,
      appliedAt: Math.floor(Date.now() / 1000) - 3600,
    });
    await enableFeedback(ws, 'prod_a', [feature]);
    await enableFeedback(ws, 'prod_b', [feature, bug]);

    const nonTrigger = await conversation(ws, 'Only praise');
    const onlyB = await conversation(ws, 'A bug');
    const both = await conversation(ws, 'A feature request');
    const tagged = await Promise.all([
      simulator.tagConversation(ws.intercom.appId, nonTrigger.id, { tagId: praise }),
      simulator.tagConversation(ws.intercom.appId, onlyB.id, { tagId: bug }),
      simulator.tagConversation(ws.intercom.appId, both.id, { tagId: feature }),
    ]);
    const sent = await Promise.all(
      [
        { conversationId: before.id, tag: earlyTag },
        { conversationId: nonTrigger.id, tag: tagged[0] },
        { conversationId: onlyB.id, tag: tagged[1] },
        { conversationId: both.id, tag: tagged[2] },
      ].map(({ conversationId, tag }) =>
        deliver(ws, { topic: 'conversation_part.tag.created', conversationId, tagId: tag.id, partIds: [tag.partId] }),
      ),
    );
    await waitUntilProcessed(sent.map((s) => s.envelope.id!));

    const titles = async (productId: string) => (await inbox(ws, productId)).map((t) => t.title).sort();
    expect(await titles('prod_a')).toEqual(['A feature request']);
    expect(await titles('prod_b')).toEqual(['A bug', 'A feature request']);
    expect(await titles('prod_c')).toEqual([]);
  });

  it('gives the same tickets when every webhook arrives twice and the stream is shuffled', async () => {
    const inOrder = await connectedWorkspace();
    const shuffled = await connectedWorkspace(inOrder.intercom);
    for (const ws of [inOrder, shuffled]) await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    const appId = inOrder.intercom.appId;

    const conv = await conversation(inOrder, 'Dark mode');
    const tag = await simulator.tagConversation(appId, conv.id, { tagId: inOrder.tags['Feature request']! });
    const reply = await simulator.addPart(appId, conv.id, { kind: 'user_reply', body: '<p>Any news?</p>' });
    const bot = await simulator.addPart(appId, conv.id, { kind: 'bot_reply', body: '<p>An agent will answer soon.</p>' });
    const note = await simulator.addPart(appId, conv.id, { kind: 'admin_note', body: '<p>Customer is on the Pro plan.</p>' });
    const secret = await simulator.addPart(appId, conv.id, { kind: 'user_reply', body: '<p>My password is hunter2</p>' });
    await simulator.redact(appId, conv.id, { partId: secret.part.id });
    const notifications = [
      { topic: 'conversation_part.tag.created' as const, conversationId: conv.id, tagId: tag.id, partIds: [tag.partId] },
      { topic: 'conversation.user.replied' as const, conversationId: conv.id, partIds: [reply.part.id] },
      { topic: 'conversation.operator.replied' as const, conversationId: conv.id, partIds: [bot.part.id] },
      { topic: 'conversation.admin.replied' as const, conversationId: conv.id, partIds: [bot.part.id] },
      { topic: 'conversation.admin.noted' as const, conversationId: conv.id, partIds: [note.part.id] },
      { topic: 'conversation.user.replied' as const, conversationId: conv.id, partIds: [secret.part.id] },
      { topic: 'conversation_part.redacted' as const, conversationId: conv.id, partIds: [secret.part.id] },
    ];

    const ordered = await simulator.deliverWebhookBatch({ url: inOrder.webhookUrl, appId, notifications });
    const mixed = await simulator.deliverWebhookBatch({
      url: shuffled.webhookUrl,
      appId,
      notifications: notifications.map((n) => ({ ...n, times: 2 })),
      order: 'shuffled',
      seed: 7,
    });
    for (const result of [...ordered.results, ...mixed.results]) {
      for (const delivery of result.deliveries) expect(delivery.status).toBe(200);
    }
    await waitUntilProcessed([...ordered.results, ...mixed.results].map((r) => r.envelope.id!), 1);

    const comparable = async (ws: ConnectedWorkspace) => {
      const [summary] = await inbox(ws, 'prod_a');
      const { id: _id, updatedAt: _u, ...rest } = await ticket(ws, 'prod_a', summary!.id);
      return rest;
    };
    const expected = await comparable(inOrder);
    expect(await comparable(shuffled)).toEqual(expected);
    expect(expected.messages.map((m: { body: string }) => m.body)).toContain('Any news?');
    expect(expected.messages.filter((m: { id: string }) => m.id === bot.part.id)).toHaveLength(1);
    expect(expected.messages.find((m: { id: string }) => m.id === secret.part.id)).toMatchObject({ body: '', redacted: true });
    expect(await allStoredText()).not.toContain('hunter2');
  });

  it('makes exactly one ticket from 50 concurrent deliveries of the same tag event', async () => {
    const ws = await connectedWorkspace();
    await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    const conv = await conversation(ws, 'Bulk edit');
    const tag = await simulator.tagConversation(ws.intercom.appId, conv.id, { tagId: ws.tags['Feature request']! });
    const notificationId = `notif_concurrent_${conv.id}`;
    // Deployed, each concurrent request has a Lambda of its own. Here 50 cold starts share two
    // cores, so the intake instances are started (warmed) before the deliveries race.
    await Promise.all(Array.from({ length: 50 }, () => fetch(ws.webhookUrl, { method: 'HEAD' })));
    await Promise.all(
      Array.from({ length: 50 }, () =>
        deliver(ws, {
          topic: 'conversation_part.tag.created',
          conversationId: conv.id,
          tagId: tag.id,
          partIds: [tag.partId],
          notificationId,
          timeoutMs: 20_000,
        }),
      ),
    );
    // SQS delivers at least once: each of the 50 records is applied at least once.
    await waitUntilProcessed([notificationId], 50, 150_000);
    expect(timesProcessed(notificationId)).toBeGreaterThanOrEqual(50);
    expect(await inbox(ws, 'prod_a')).toHaveLength(1);
  }, 180_000);

  it('retries only the record whose conversation fetch failed, until it succeeds', async () => {
    const ws = await connectedWorkspace();
    await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    const flaky = await conversation(ws, 'Flaky fetch');
    const steady = await conversation(ws, 'Steady fetch');
    // Three 500s outlast the events worker's one retry per call: the record's first delivery fails
    // (500, 500) and SQS's second gets a 500, then the conversation.
    await simulator.failNext(ws.intercom.appId, { method: 'GET', pathPrefix: `/conversations/${flaky.id}`, status: 500, count: 3 });
    const tags = await Promise.all(
      [flaky, steady].map((c) => simulator.tagConversation(ws.intercom.appId, c.id, { tagId: ws.tags['Feature request']! })),
    );
    const sent = await Promise.all(
      [flaky, steady].map((c, i) =>
        deliver(ws, { topic: 'conversation_part.tag.created', conversationId: c.id, tagId: tags[i]!.id, partIds: [tags[i]!.partId] }),
      ),
    );
    await waitUntilProcessed(sent.map((s) => s.envelope.id!), 1, 60_000);

    expect((await inbox(ws, 'prod_a')).map((t) => t.title).sort()).toEqual(['Flaky fetch', 'Steady fetch']);
    const fetches = (await simulator.getStats(ws.intercom.appId)).recent.filter((r) => r.path.startsWith('/conversations/'));
    const of = (id: string) => fetches.filter((r) => r.path.startsWith(`/conversations/${id}`));
    // A tag that makes a ticket reads the conversation once more after the write (the tag/reply race).
    expect(of(steady.id).map((r) => r.status)).toEqual([200, 200]);
    expect(of(flaky.id).map((r) => r.status)).toEqual([500, 500, 500, 200, 200]);
  });
});
