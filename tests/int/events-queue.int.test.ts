import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/processes';
import { queuedEventSchema } from '../../lib/events/queued-event';
import type { Config } from '../../lib/platform/config';
import { ContactSyncStore } from '../../lib/store/contact-store';
import { receiveWebhook } from '../../lib/webhooks/receive-webhook';
import { functionLogText } from '../support/evidence';
import { connectedWorkspace, deliver, enableFeedback, inbox, simulator, ticket, waitUntilProcessed } from '../support/feedback-world';
import { inProcessDependencies } from '../support/in-process';
import { dynamo, sqs, stack } from '../support/local-stack';

describe('the events queue and its worker', () => {
  it('retries a record whose failure is transient, then moves it to the dead-letter queue instead of looping', async () => {
    const events = stack.queue('EventsQueue');
    const deadLetters = stack.queue('EventsDeadLetterQueue');
    const marker = `valid-${Date.now()}-${Math.random()}`;
    const valid = {
      kind: 'contact',
      workspaceId: 'ws_queue_test',
      receivedAt: new Date().toISOString(),
      notification: { id: `notif_${marker}`, topic: 'company.created', app_id: 'app_queue_test', created_at: Math.floor(Date.now() / 1000) },
      item: { type: 'company' },
    };

    // Intercom answers 503 to every fetch of the conversation: each delivery fails after the client's retry.
    const ws = await connectedWorkspace();
    await enableFeedback(ws, 'prod_a', [ws.tags['Feature request']!]);
    const conversation = await simulator.createConversation(ws.intercom.appId, { body: '<p>Dark mode?</p>' });
    const tag = await simulator.tagConversation(ws.intercom.appId, conversation.id, { tagId: ws.tags['Feature request']! });
    await simulator.failNext(ws.intercom.appId, { method: 'GET', pathPrefix: `/conversations/${conversation.id}`, status: 503, count: 1000 });
    const failing = await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: tag.id, partIds: [tag.partId] });
    await sqs.send(new SendMessageCommand({ QueueUrl: events.url, MessageBody: JSON.stringify(valid) }));

    // Five receives at the local five-second visibility timeout, then the redrive policy moves it.
    let found = false;
    await waitFor(
      'the failing record in the dead-letter queue',
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: deadLetters.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }),
        );
        const parked = Messages.find((message) => message.Body?.includes(failing.envelope.id!));
        // What waits in the dead-letter queue for days names the conversation, never its text.
        if (parked) expect(parked.Body).not.toContain('Dark mode?');
        found ||= parked !== undefined;
        return found;
      },
      90_000,
    );
    expect(found).toBe(true);
    await simulator.clearFaults(ws.intercom.appId);
    const lines = readFileSync(stack.functionLog, 'utf8').split('\n');
    const retried = lines.filter((line) => line.includes('"Webhook event failed; SQS will retry it"') && line.includes(failing.envelope.id!));
    expect(retried).toHaveLength(5);
    // The valid record was processed once, not retried with its neighbour.
    expect(lines.filter((line) => line.includes(`notif_${marker}`) && line.includes('"outcome":"ignored"'))).toHaveLength(1);
  });

  it('queues ids and times only, for a conversation without tickets and for a ticketed one', async () => {
    const ws = await connectedWorkspace();
    const feature = ws.tags['Feature request']!;
    await enableFeedback(ws, 'prod_a', [feature]);
    const appId = ws.intercom.appId;
    const texts = ['Untagged question about invoices', 'Untagged follow-up', 'Ticketed wish for dark mode', 'Ticketed follow-up', 'Ticketed secret'];
    const untagged = await simulator.createConversation(appId, { body: `<p>${texts[0]}</p>` });
    const ticketed = await simulator.createConversation(appId, { body: `<p>${texts[2]}</p>` });
    const tag = await simulator.tagConversation(appId, ticketed.id, { tagId: feature });
    const tagged = await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: ticketed.id, tagId: tag.id, partIds: [tag.partId] });
    await waitUntilProcessed([tagged.envelope.id!]);
    expect(await inbox(ws, 'prod_a')).toHaveLength(1);

    const untaggedReply = await simulator.addPart(appId, untagged.id, { kind: 'user_reply', body: `<p>${texts[1]}</p>` });
    const ticketedReply = await simulator.addPart(appId, ticketed.id, { kind: 'user_reply', body: `<p>${texts[3]}</p>` });
    const secret = await simulator.addPart(appId, ticketed.id, { kind: 'admin_note', body: `<p>${texts[4]}</p>` });
    const built = [
      await simulator.buildWebhook({ appId, topic: 'conversation.user.replied', conversationId: untagged.id, partIds: [untaggedReply.part.id] }),
      await simulator.buildWebhook({ appId, topic: 'conversation.user.replied', conversationId: ticketed.id, partIds: [ticketedReply.part.id] }),
      await simulator.buildWebhook({ appId, topic: 'conversation.admin.noted', conversationId: ticketed.id, partIds: [secret.part.id] }),
      await simulator.buildWebhook({ appId, topic: 'conversation_part.tag.created', conversationId: ticketed.id, tagId: tag.id, partIds: [tag.partId] }),
    ];
    await simulator.redact(appId, ticketed.id, { partId: secret.part.id });
    built.push(await simulator.buildWebhook({ appId, topic: 'conversation_part.redacted', conversationId: ticketed.id, partIds: [secret.part.id] }));
    // The payloads Intercom sends carry the text; what the intake queues must not.
    expect(built.slice(0, 3).every((notification, index) => notification.body.includes(texts[[1, 3, 4][index]!]!))).toBe(true);

    // The intake alone, in this process, queueing to a queue of its own that no worker reads.
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `intake-only-${randomUUID()}` }));
    try {
      const deps = inProcessDependencies((base) => ({
        config: { ...base.config, EVENTS_QUEUE_URL: QueueUrl!, INTERCOM_CLIENT_SECRET_NAME: 'unused' } as Config,
        sqs,
      }));
      const webhookKey = new URL(ws.webhookUrl).pathname.split('/').pop()!;
      for (const notification of built) {
        const outcome = await receiveWebhook(deps, {
          target: { kind: 'token', webhookKey },
          body: Buffer.from(notification.body),
          signature: Object.entries(notification.headers).find(([name]) => name.toLowerCase() === 'x-hub-signature')?.[1],
        });
        expect(outcome.kind).toBe('queued');
      }
      const bodies: string[] = [];
      while (bodies.length < built.length) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        if (Messages.length === 0) break;
        bodies.push(...Messages.map((message) => message.Body!));
      }
      expect(bodies).toHaveLength(built.length);
      for (const body of bodies) {
        for (const text of texts) expect(body).not.toContain(text);
        expect(body).not.toContain('This message was deleted');
        expect(queuedEventSchema().safeParse(JSON.parse(body)).success, body).toBe(true);
      }
      const queued = bodies.map((body) => queuedEventSchema().parse(JSON.parse(body)));
      expect(queued.find((event) => event.notification.topic === 'conversation_part.redacted')).toMatchObject({
        conversationId: ticketed.id,
        redacted: { partIds: [secret.part.id], sourceId: null },
      });
      expect(queued.find((event) => event.notification.topic === 'conversation_part.tag.created')).toMatchObject({
        conversationId: ticketed.id,
        appliedTags: [{ id: feature }],
      });
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });

  it('puts a record back until the rate-limit window resets, without spending its retries', async () => {
    const ws = await connectedWorkspace();
    const feature = ws.tags['Feature request']!;
    await enableFeedback(ws, 'prod_a', [feature]);
    const appId = ws.intercom.appId;
    const conversation = await simulator.createConversation(appId, { body: '<p>Recurring invoices?</p>' });
    const tag = await simulator.tagConversation(appId, conversation.id, { tagId: feature });
    const tagged = await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: tag.id, partIds: [tag.partId] });
    await waitUntilProcessed([tagged.envelope.id!]);
    const [created] = await inbox(ws, 'prod_a');

    // The workspace's budget is spent until a window later than the simulator's current one (10 s)
    // resets, as a 429 or the backfill would leave it.
    const budget = new ContactSyncStore({ client: dynamo, name: stack.tableName });
    await budget.recordIntercomRateLimit({ workspaceId: ws.workspaceId, appId }, { remaining: 0, resetAt: Math.floor(Date.now() / 1000) + 11 }, new Date());
    const { part } = await simulator.addPart(appId, conversation.id, { kind: 'user_reply', body: '<p>Monthly would do.</p>' });
    const replied = await deliver(ws, { topic: 'conversation.user.replied', conversationId: conversation.id, partIds: [part.id] });
    await waitUntilProcessed([replied.envelope.id!], 1, 60_000);

    const lines = functionLogText().split('\n').filter((line) => line.includes(`"notificationId":"${replied.envelope.id}"`));
    expect(lines.filter((line) => line.includes('"Webhook event deferred until the Intercom rate-limit window resets"')).length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((line) => line.includes('"Webhook event failed; SQS will retry it"'))).toEqual([]);
    expect((await ticket(ws, 'prod_a', created!.id)).messages.map((m: { body: string }) => m.body)).toContain('Monthly would do.');
  });
});
