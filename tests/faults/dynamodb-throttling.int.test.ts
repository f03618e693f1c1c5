import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { DynamoDbProxyStats, FaultKind } from '../../dev/dynamodb-proxy';
import { waitFor } from '../../dev/processes';
import { api } from '../support/api';
import {
  byId,
  connectedWithContacts,
  expectedContact,
  intercomContacts,
  listedContacts,
  simulator,
  switchContactSync,
  waitForContactsSync,
  type ContactsWorkspace,
} from '../support/contacts-world';
import { functionLogText } from '../support/evidence';
import { connectedWorkspace, deliver, deliverAllAtOnce, enableFeedback, inbox, timesProcessed } from '../support/feedback-world';
import { dynamoDbProxy, sqs, stack } from '../support/local-stack';
import { SEEDED_CONVERSATION_TIMES } from '../support/seed-times';

/**
 * DynamoDB throttling as AWS does it, injected at the proxy between the SDK and DynamoDB Local
 * (dev/dynamodb-proxy.ts), so the SDK's own retries run as they would in AWS: 30% of all write
 * requests get a throttling error while a contact backfill and a stream of webhooks run at once.
 * Nothing may be lost or duplicated, and nothing may end in a dead-letter queue.
 *
 * "Reached the service's code" is counted at the proxy from the SDK's own attempts: every
 * `amz-sdk-invocation-id` whose last attempt got a retryable fault (the SDK gave up), and every
 * cancelled transaction and unprocessed batch (the SDK hands those on at once). The events
 * worker's log shows the same from the other side: the records a throttle failed.
 *
 * Replies are delivered once the tickets exist: a reply overtaking its tag's ticket is another
 * matter (issue 13, part 2), not a throttle's.
 */
const CONTACTS = 5_000;
const CONVERSATIONS = 100;
/** Conversations tagged with the trigger tag; the others get a tag no product triggers on. */
const TICKETED = 70;
const PRODUCT = 'throttled';
const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
const KINDS: FaultKind[] = ['ProvisionedThroughputExceededException', 'ThrottlingException', 'TransactionCanceledException', 'UnprocessedItems'];

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

interface TicketView {
  id: string;
  intercom: { conversationId: string };
  messages: Array<{ id: string; kind: string; body: string }>;
}

async function tickets(ws: ContactsWorkspace): Promise<TicketView[]> {
  const page = await api('GET', `${ws.base}/products/${PRODUCT}/feedback?limit=100`, { token: ws.token });
  expect(page.status, page.text).toBe(200);
  expect(page.body.nextCursor).toBeNull();
  return page.body.tickets;
}

async function ticketWithMessages(ws: ContactsWorkspace, ticketId: string): Promise<TicketView> {
  const response = await api('GET', `${ws.base}/products/${PRODUCT}/feedback/${ticketId}`, { token: ws.token });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** The messages a ticket must hold: Intercom's conversation read through its REST API, every part with text. */
async function intercomMessages(ws: ContactsWorkspace, conversationId: string) {
  const response = await fetch(`${stack.intercomUrl}/conversations/${conversationId}?display_as=plaintext`, {
    headers: { authorization: `Bearer ${ws.intercom.accessToken}`, accept: 'application/json' },
  });
  expect(response.status).toBe(200);
  const conversation = (await response.json()) as {
    source: { id: string; body: string | null };
    conversation_parts: { conversation_parts: Array<{ id: string; part_type: string; body: string | null }> };
  };
  return [
    { id: conversation.source.id, kind: 'message', body: conversation.source.body },
    ...conversation.conversation_parts.conversation_parts.map((part) => ({ id: part.id, kind: part.part_type === 'note' ? 'note' : 'message', body: part.body })),
  ]
    .filter((message): message is { id: string; kind: string; body: string } => Boolean(message.body))
    .sort(byId);
}

function total(counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce<number>((sum, n) => sum + (n ?? 0), 0);
}

/**
 * What the events worker logged about the workspace's failed records: those a throttle failed
 * (it reached the service's code and the record went back to SQS), and deliveries refused because
 * another delivery of the same notification was in progress or left its mark in progress.
 */
function eventFailures(workspaceId: string): { throttled: number; inProgress: number; other: number } {
  const counts = { throttled: 0, inProgress: 0, other: 0 };
  for (const line of functionLogText().split('\n')) {
    if (!line.includes('"Webhook event failed; SQS will retry it"') || !line.includes(`"workspaceId":"${workspaceId}"`)) continue;
    const { error } = JSON.parse(line) as { error: { name: string; cause?: { name?: string } } };
    const names = [error.name, error.cause?.name];
    if (names.some((name) => name && (KINDS as string[]).includes(name))) counts.throttled += 1;
    else if (error.name === 'IdempotencyAlreadyInProgressError') counts.inProgress += 1;
    else counts.other += 1;
  }
  return counts;
}

function report(stats: DynamoDbProxyStats, failures: ReturnType<typeof eventFailures>) {
  const writes = WRITES.reduce((n, operation) => n + (stats.requests[operation] ?? 0), 0);
  const injected: Partial<Record<FaultKind, number>> = {};
  for (const byKind of Object.values(stats.injected)) {
    for (const [kind, n] of Object.entries(byKind) as Array<[FaultKind, number]>) injected[kind] = (injected[kind] ?? 0) + n;
  }
  const lines = [
    `DynamoDB throttling: ${total(injected)} of ${writes} write requests throttled (${((100 * total(injected)) / writes).toFixed(1)}%)`,
    ...KINDS.map((kind) => `  ${kind}: ${injected[kind] ?? 0} injected, ${stats.reachedCaller[kind] ?? 0} reached the service's code`),
    `  events worker: ${failures.throttled} record(s) failed by a throttle and retried from SQS; ${failures.inProgress} delivery(ies) met one in progress; ${failures.other} other failure(s)`,
    `  requests per operation: ${JSON.stringify(stats.requests)}`,
  ];
  console.log(lines.join('\n'));
  return injected;
}

describe('an event whose idempotency record DynamoDB throttles', () => {
  it('is applied by the next delivery once its completion was refused, not parked in the DLQ', async () => {
    const ws = await connectedWorkspace();
    const tagId = ws.tags['Feature request']!;
    await enableFeedback(ws, 'prod_idem', [tagId]);
    const [conversation] = (await simulator.seedConversations(ws.intercom.appId, { count: 1, seed: 4, partsPerConversation: 3, ...SEEDED_CONVERSATION_TIMES })).conversations;
    const applied = await simulator.tagConversation(ws.intercom.appId, conversation!.id, { tagId });

    // Every attempt the SDK makes at the first completion of an idempotency record is throttled.
    await dynamoDbProxy.resetStats();
    await dynamoDbProxy.setFaults({ rate: 1, operations: ['UpdateItem'], tables: [stack.idempotencyTableName], kinds: ['ThrottlingException'], limit: 4 });
    try {
      const { envelope } = await deliver(ws, { topic: 'conversation_part.tag.created', conversationId: conversation!.id, tagId, partIds: [applied.partId] });
      const events = stack.queue('EventsQueue');
      await waitFor('the event to be applied and its message deleted', async () => timesProcessed(envelope.id!) > 0 && (await depth(events.url)) === 0, 120_000);
    } finally {
      await dynamoDbProxy.clearFaults();
    }
    const stats = await dynamoDbProxy.stats();
    console.log(`Throttled idempotency record: ${stats.reachedCaller.ThrottlingException ?? 0} completion(s) refused past the SDK's retries`);
    expect(stats.reachedCaller).toEqual({ ThrottlingException: 1 });
    expect(await depth(stack.queue('EventsDeadLetterQueue').url)).toBe(0);
    expect((await inbox(ws, 'prod_idem')).map((t) => t.intercom.conversationId)).toEqual([conversation!.id]);
  }, 180_000);
});

describe('DynamoDB throttling 30% of writes during a backfill and a webhook stream', () => {
  it(`ends with exactly Intercom's ${CONTACTS} contacts and ${TICKETED} tickets, nothing duplicated, no DLQ`, async () => {
    const ws = await connectedWithContacts({ count: CONTACTS, seed: 13, leadRatio: 0.2 });
    const { tags } = await simulator.createTags(ws.intercom.appId, { names: ['Feature request', 'Bug'] });
    const [trigger, other] = [tags[0]!.id, tags[1]!.id];
    const enabled = await api('PUT', `${ws.base}/products/${PRODUCT}/intercom-feedback`, { token: ws.token, body: { enabled: true, triggerTagIds: [trigger] } });
    expect(enabled.status, enabled.text).toBe(200);
    const { conversations } = await simulator.seedConversations(ws.intercom.appId, { count: CONVERSATIONS, seed: 21, partsPerConversation: 3, ...SEEDED_CONVERSATION_TIMES });
    const ticketed = new Set(conversations.slice(0, TICKETED).map((c) => c.id));
    const applied = new Map<string, { tagId: string; partId: string }>();
    for (const conversation of conversations) {
      const tagId = ticketed.has(conversation.id) ? trigger : other;
      applied.set(conversation.id, { tagId, partId: (await simulator.tagConversation(ws.intercom.appId, conversation.id, { tagId })).partId });
    }

    await dynamoDbProxy.resetStats();
    await dynamoDbProxy.setFaults({ rate: 0.3, operations: WRITES, kinds: KINDS, seed: 30 });
    let injected: Partial<Record<FaultKind, number>> = {};
    let failures = { throttled: 0, inProgress: 0, other: 0 };
    try {
      await switchContactSync(ws, true);
      // Every webhook at once, each sent once: first the tags, then a reply on every conversation.
      await deliverAllAtOnce(
        conversations.map((conversation) => ({
          appId: ws.intercom.appId,
          url: ws.webhookUrl,
          topic: 'conversation_part.tag.created',
          conversationId: conversation.id,
          tagId: applied.get(conversation.id)!.tagId,
          partIds: [applied.get(conversation.id)!.partId],
          notificationId: `notif_throttle_tag_${conversation.id}`,
          timeoutMs: 30_000,
        })),
      );
      await waitFor(`${TICKETED} tickets`, async () => (await tickets(ws)).length >= TICKETED, 120_000);
      const replies = [];
      for (const conversation of conversations) {
        const { part } = await simulator.addPart(ws.intercom.appId, conversation.id, { kind: 'admin_reply', body: `<p>Reply to ${conversation.id}</p>` });
        replies.push({ conversationId: conversation.id, partId: part.id });
      }
      await deliverAllAtOnce(
        replies.map(({ conversationId, partId }) => ({
          appId: ws.intercom.appId,
          url: ws.webhookUrl,
          topic: 'conversation.admin.replied',
          conversationId,
          partIds: [partId],
          notificationId: `notif_throttle_reply_${conversationId}`,
          timeoutMs: 30_000,
        })),
      );

      const events = stack.queue('EventsQueue');
      const backfill = stack.queue('ContactsBackfillQueue');
      await waitForContactsSync(ws, (sync) => sync.state === 'completed', 240_000);
      await waitFor(
        'every webhook to be applied and the queues to drain',
        async () =>
          conversations.every((c) => timesProcessed(`notif_throttle_reply_${c.id}`) > 0) &&
          (await depth(events.url)) === 0 &&
          (await depth(backfill.url)) === 0,
        240_000,
      );
    } finally {
      await dynamoDbProxy.clearFaults();
      failures = eventFailures(ws.workspaceId);
      injected = report(await dynamoDbProxy.stats(), failures);
    }
    for (const kind of KINDS) expect(injected[kind], kind).toBeGreaterThan(0);
    expect(failures.other).toBe(0);

    // Dead-letter queues: nothing parked.
    expect(await depth(stack.queue('EventsDeadLetterQueue').url)).toBe(0);
    expect(await depth(stack.queue('ContactsBackfillDeadLetterQueue').url)).toBe(0);

    // Contacts: exactly Intercom's, every field.
    const { sync } = await waitForContactsSync(ws, (s) => s.state === 'completed');
    const expectedContacts = (await intercomContacts(ws)).map(expectedContact).sort(byId);
    expect(expectedContacts).toHaveLength(CONTACTS);
    expect(sync.synced).toBe(CONTACTS);
    expect((await listedContacts(ws)).sort(byId)).toEqual(expectedContacts);

    // Tickets: one per conversation tagged with the trigger, none for the others, each holding
    // exactly the conversation's messages (its reply included) once.
    const inbox = await tickets(ws);
    expect(inbox.map((t) => t.intercom.conversationId).sort()).toEqual([...ticketed].sort());
    for (const { id, intercom } of inbox) {
      const { messages } = await ticketWithMessages(ws, id);
      const stored = messages.map(({ id: messageId, kind, body }) => ({ id: messageId, kind, body })).sort(byId);
      expect(stored, `ticket of conversation ${intercom.conversationId}`).toEqual(await intercomMessages(ws, intercom.conversationId));
    }
  }, 600_000);
});
