import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../dev/processes';
import { sqs } from '../support/local-stack';

/**
 * The local SQS must count receives as SQS does, since the redrive policy compares its
 * maxReceiveCount against that count: the local event source keeps in-flight records hidden with
 * ChangeMessageVisibility (dev/sqs-event-source.ts), and a record that only waited for a slow
 * invocation must still have its retries (patches/README.md, local-aws-sqs).
 */
describe('the local SQS', () => {
  const created: string[] = [];
  afterEach(async () => {
    for (const QueueUrl of created.splice(0)) await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });

  async function queueWithDeadLetters(maxReceiveCount: number) {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `visibility-dlq-${randomUUID()}` }));
    created.push(dlq.QueueUrl!);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: `visibility-${randomUUID()}`,
        Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ maxReceiveCount, deadLetterTargetArn: Attributes!.QueueArn }) },
      }),
    );
    created.push(queue.QueueUrl!);
    return { url: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
  }

  const receive = (QueueUrl: string) =>
    sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0, AttributeNames: ['All'] }));

  it('counts a receive per delivery, not per visibility change, so a message kept hidden keeps its retries', async () => {
    const { url, dlqUrl } = await queueWithDeadLetters(2);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept hidden' }));
    const { Messages: [first] = [] } = await receive(url);
    expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');

    // Kept hidden four times over, as the local event source does while an invocation runs.
    for (let i = 0; i < 4; i += 1) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle!, VisibilityTimeout: 1 }));
      await sleep(500);
    }

    // Not deleted: it comes back for its second delivery instead of going to the dead-letter queue.
    let second: Awaited<ReturnType<typeof receive>>['Messages'];
    await waitFor(
      'the message to come back or reach the dead-letter queue',
      async () => {
        second = (await receive(url)).Messages;
        if (second?.length) return true;
        const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
        return Number(Attributes.ApproximateNumberOfMessages) > 0;
      },
      10_000,
    );
    expect(second?.[0]?.Body).toBe('kept hidden');
    expect(second?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });
});
