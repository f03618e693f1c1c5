import { readFileSync } from 'node:fs';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../dev/processes';
import { sqs, stack } from '../support/local-stack';

describe('the events queue and its worker', () => {
  it('consumes a valid event, and moves a poison message to the dead-letter queue instead of looping', async () => {
    const events = stack.queue('EventsQueue');
    const deadLetters = stack.queue('EventsDeadLetterQueue');
    const marker = `poison-${Date.now()}-${Math.random()}`;
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

    await sqs.send(new SendMessageCommand({ QueueUrl: events.url, MessageBody: JSON.stringify(valid) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: events.url, MessageBody: `{"not":"an event","marker":"${marker}"}` }));

    // Five receives at the local five-second visibility timeout, then the redrive policy moves it.
    let found = false;
    await waitFor(
      'the poison message in the dead-letter queue',
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: deadLetters.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }),
        );
        found ||= Messages.some((message) => message.Body?.includes(marker) && !message.Body.includes('notification_event'));
        return found;
      },
      60_000,
    );
    expect(found).toBe(true);
    // The valid record of the same batch was processed once, not retried with its neighbour.
    const processed = () =>
      readFileSync(stack.functionLog, 'utf8')
        .split('\n')
        .filter((line) => line.includes(`notif_${marker}`) && line.includes('"outcome":"ignored"'));
    expect(processed()).toHaveLength(1);
  });
});
