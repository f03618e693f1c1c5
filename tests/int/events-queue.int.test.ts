import { readFileSync } from 'node:fs';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/processes';
import { connectedWorkspace, deliver, enableFeedback, simulator } from '../support/feedback-world';
import { sqs, stack } from '../support/local-stack';

describe('the events queue and its worker', () => {
  it('retries a record whose failure is transient, then moves it to the dead-letter queue instead of looping', async () => {
    const events = stack.queue('EventsQueue');
    const deadLetters = stack.queue('EventsDeadLetterQueue');
    const marker = `valid-${Date.now()}-${Math.random()}`;
    const valid = {
      workspaceId: 'ws_queue_test',
      receivedAt: new Date().toISOString(),
      notification: {
        type: 'notification_event',
        app_id: 'app_queue_test',
        id: `notif_${marker}`,
        topic: 'company.created',
        created_at: Math.floor(Date.now() / 1000),
        data: { type: 'notification_event_data', item: { type: 'company' } },
      },
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
        found ||= Messages.some((message) => message.Body?.includes(failing.envelope.id!));
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
});
