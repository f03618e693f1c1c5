import { randomUUID } from 'node:crypto';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynamoDbProxy, type DynamoDbProxy } from '../../dev/dynamodb-proxy';
import type { ContactSync } from '../../lib/contacts/contact-sync';
import type { Ticket, TicketMessage } from '../../lib/feedback/ticket';
import { ContactSyncStore } from '../../lib/store/contact-store';
import { FeedbackStore } from '../../lib/store/feedback-store';
import type { Table } from '../../lib/store/table';
import { stack } from '../support/local-stack';

/**
 * DynamoDB cancels a transaction it throttles (TransactionCanceledException, reason
 * ThrottlingError), and the SDK does not retry that. The stores try such a transaction again
 * themselves rather than failing the whole record or page (which SQS would retry only after its
 * visibility timeout, minutes in AWS), and still tell a failed condition from a throttle.
 * The faults come from a proxy of this test's own, so no other test sees them.
 */
let proxy: DynamoDbProxy;
let table: Table;

beforeAll(async () => {
  proxy = await startDynamoDbProxy({ target: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
  const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: proxy.url });
  table = { client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), name: stack.tableName };
});

afterAll(async () => {
  table?.client.destroy();
  await proxy?.stop();
});

beforeEach(() => {
  proxy.clearFaults();
  proxy.resetStats();
});

function throttleTransactions(limit?: number): void {
  proxy.setFaults({ rate: 1, operations: ['TransactWriteItems'], kinds: ['TransactionCanceledException'], limit });
}

function newTicket(): { ticket: Ticket; messages: TicketMessage[] } {
  const conversationId = String(Date.now()) + String(Math.floor(Math.random() * 1_000));
  const workspaceId = `ws_tx_${randomUUID().slice(0, 8)}`;
  const at = '2026-01-05T10:00:00.000Z';
  const ticket: Ticket = {
    id: `tkt_${randomUUID()}`,
    workspaceId,
    productId: 'prod_tx',
    status: 'new',
    title: 'Export to CSV',
    titleSource: { kind: 'conversation' },
    excerpt: 'Export to CSV',
    excerptMessageId: 'part_1',
    customer: null,
    intercom: { appId: 'app_tx', conversationId, url: 'https://app.intercom.com/a/inbox/app_tx', tagIds: ['1'], deletedAt: null },
    source: 'tag',
    sentBy: null,
    createdAt: at,
    updatedAt: at,
  };
  const messages: TicketMessage[] = [
    { id: 'part_1', author: { type: 'user', name: null, email: null }, kind: 'message', body: 'Export to CSV', createdAt: at, redacted: false },
  ];
  return { ticket, messages };
}

describe('a transaction DynamoDB cancels for throttling', () => {
  it('is tried again by the feedback store: the ticket is created once, and a second create still finds it', async () => {
    const feedback = new FeedbackStore(table);
    const { ticket, messages } = newTicket();
    throttleTransactions(2);

    expect(await feedback.createTicket(ticket, messages)).toBe(true);
    expect(proxy.stats().requests.TransactWriteItems).toBe(3);
    expect((await feedback.getTicket(ticket.id))?.ticket).toMatchObject({ id: ticket.id, title: 'Export to CSV' });
    const state = await feedback.conversationState(ticket.workspaceId, ticket.intercom.conversationId);
    expect(state.tickets).toEqual([{ productId: 'prod_tx', ticketId: ticket.id, title: 'Export to CSV' }]);

    // Throttled, then its condition fails: the ticket exists, which is not an error.
    throttleTransactions(1);
    expect(await feedback.createTicket(ticket, messages)).toBe(false);
  });

  it('is tried again by the contact sync store, whose conditional steps still answer false on a failed condition', async () => {
    const syncs = new ContactSyncStore(table);
    const workspaceId = `ws_tx_${randomUUID().slice(0, 8)}`;
    const started = new Date('2026-01-05T10:00:00.000Z');
    const sync: ContactSync = {
      workspaceId,
      enabled: true,
      appId: 'app_tx',
      timeZone: null,
      runId: 'run-1',
      generation: 1,
      state: 'running',
      synced: 0,
      expected: null,
      partitionsTotal: 1,
      partitionsDone: 0,
      startedAt: started.toISOString(),
      finishedAt: null,
      stoppedAt: null,
      progressAt: started.toISOString(),
      error: null,
      watermark: 0,
      lastIncrementalAt: null,
    };
    const root = { runId: 'run-1', partitionId: 'r', range: { fromNoon: null, toNoon: 2_000, idSuffix: null }, state: 'pending' as const, seq: 0, cursor: null };
    throttleTransactions(2);
    expect(await syncs.beginRun(sync, root, null)).toBe(true);

    const claim = { runId: 'run-1', partitionId: 'r', seq: 0, claimId: 'claim-1', until: new Date(started.getTime() + 60_000), now: started };
    expect(await syncs.claimPage(workspaceId, claim)).toBeDefined();
    const page = { runId: 'run-1', generation: 1, partitionId: 'r', seq: 0, claimId: 'claim-1', cursor: null, count: 150, last: true, now: started };
    throttleTransactions(3);
    expect(await syncs.checkpointPage(workspaceId, page)).toBe('committed');
    expect(await syncs.get(workspaceId)).toMatchObject({ synced: 150, partitionsDone: 1 });
    // The same page again: its checkpoint moved on, so it commits nothing and counts nothing twice.
    throttleTransactions(1);
    expect(await syncs.checkpointPage(workspaceId, page)).toBe('refused');
    expect(await syncs.get(workspaceId)).toMatchObject({ synced: 150, partitionsDone: 1 });
  });

  it('is given up after the store\'s attempts, and thrown for the queue to retry', async () => {
    const feedback = new FeedbackStore(table);
    const { ticket, messages } = newTicket();
    throttleTransactions();
    const error = await feedback.createTicket(ticket, messages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(proxy.stats().requests.TransactWriteItems).toBe(8);
    expect(await feedback.getTicket(ticket.id)).toBeUndefined();
  });
});
