import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../dev/processes';
import { connectedWorkspace, deliverAllAtOnce, enableFeedback, inbox, simulator } from '../support/feedback-world';
import { sqs, stack } from '../support/local-stack';
import { SEEDED_CONVERSATION_TIMES } from '../support/seed-times';

/**
 * Runs alone (vitest.faults.config.ts), because it pauses the DynamoDB every other test uses.
 * SIGSTOP freezes DynamoDB Local as a crashed or partitioned store would look to its clients;
 * SIGCONT brings it back with its data, as a restarted managed service would.
 */

const EVENTS = 200;

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

describe('DynamoDB goes away while webhooks are in flight', () => {
  it(`makes every one of ${EVENTS} tickets once DynamoDB is back, none through the DLQ`, async () => {
    const ws = await connectedWorkspace();
    const tagId = ws.tags['Feature request']!;
    await enableFeedback(ws, 'prod_outage', [tagId]);
    const { conversations } = await simulator.seedConversations(ws.intercom.appId, { count: EVENTS, seed: 5, partsPerConversation: 3, ...SEEDED_CONVERSATION_TIMES });
    const tags = new Map<string, string>();
    for (const conversation of conversations) {
      tags.set(conversation.id, (await simulator.tagConversation(ws.intercom.appId, conversation.id, { tagId })).partId);
    }
    // Every webhook at once, each sent once.
    await deliverAllAtOnce(
      conversations.map((conversation) => ({
        appId: ws.intercom.appId,
        url: ws.webhookUrl,
        topic: 'conversation_part.tag.created',
        conversationId: conversation.id,
        tagId,
        partIds: [tags.get(conversation.id)!],
        timeoutMs: 30_000,
      })),
    );

    const dynamoPid = Number(process.env.TEST_DYNAMODB_PID);
    const events = stack.queue('EventsQueue');
    const deadLetters = stack.queue('EventsDeadLetterQueue');
    process.kill(dynamoPid, 'SIGSTOP');
    try {
      await sleep(12_000);
    } finally {
      process.kill(dynamoPid, 'SIGCONT');
    }

    const ticketCount = async () => (await inbox(ws, 'prod_outage')).length;
    // The events queue empties, by success or by reaching the dead-letter queue; nothing may reach it.
    await waitFor('the events queue to drain', async () => (await depth(events.url)) === 0, 240_000);
    const parked = await depth(deadLetters.url);
    await waitFor(`all ${EVENTS} tickets`, async () => parked > 0 || (await ticketCount()) === EVENTS, 240_000);
    console.log(`DynamoDB outage: ${await ticketCount()} of ${EVENTS} tickets; ${parked} message(s) in the DLQ`);

    expect(parked).toBe(0);
    expect(await ticketCount()).toBe(EVENTS);
    expect(await depth(deadLetters.url)).toBe(0);
    const ids = (await inbox(ws, 'prod_outage')).map((ticket) => ticket.intercom.conversationId);
    expect(new Set(ids).size).toBe(EVENTS);
  }, 600_000);
});
