import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynamoDbProxy, type DynamoDbProxy } from '../../dev/dynamodb-proxy';
import type { Ticket, TicketMessage, TitleSource } from '../../lib/feedback/ticket';
import type { Connection } from '../../lib/connect/connection';
import type { ProductFeedback } from '../../lib/feedback/product-feedback';
import { ConnectionStore } from '../../lib/store/connection-store';
import { FeedbackStore } from '../../lib/store/feedback-store';
import { keys } from '../../lib/store/keys';
import type { Table } from '../../lib/store/table';
import { stack } from '../support/local-stack';

/**
 * A conversation's ticket lookups carry the ticket's title, so the inbox app lists a conversation's
 * tickets from one Query. Requests are counted by a proxy of this test's own.
 */
let proxy: DynamoDbProxy;
let table: Table;
let store: FeedbackStore;

beforeAll(async () => {
  proxy = await startDynamoDbProxy({ target: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
  const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: proxy.url });
  table = { client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), name: stack.tableName };
  store = new FeedbackStore(table);
});

afterAll(async () => {
  table?.client.destroy();
  await proxy?.stop();
});

beforeEach(() => proxy.resetStats());

const AT = '2026-01-05T10:00:00.000Z';
const FIRST = 'Export to CSV, please';

function newTicket(productId: string, title: string, titleSource: TitleSource, conversationId = String(Date.now()) + String(Math.floor(Math.random() * 1_000))) {
  const ticket: Ticket = {
    id: `tkt_${randomUUID()}`,
    workspaceId: `ws_fs_${randomUUID().slice(0, 8)}`,
    productId,
    status: 'new',
    title,
    titleSource,
    excerpt: FIRST,
    excerptMessageId: 'part_1',
    customer: null,
    intercom: { appId: 'app_fs', conversationId, url: 'https://app.intercom.com/a/inbox/app_fs', tagIds: [], deletedAt: null },
    source: 'tag',
    sentBy: null,
    createdAt: AT,
    updatedAt: AT,
  };
  const messages: TicketMessage[] = [{ id: 'part_1', author: { type: 'user', name: null, email: null }, kind: 'message', body: FIRST, createdAt: AT, redacted: false }];
  return { ticket, messages };
}

const lookupOf = (ticket: Ticket) => keys.conversationTicket(ticket.workspaceId, ticket.intercom.conversationId, ticket.productId);

describe("a conversation's tickets, as a list shows them", () => {
  it('come from the conversation lookups alone for tickets made with the title on them', async () => {
    const { ticket, messages } = newTicket('prod_a', 'Billable rates', { kind: 'sender' });
    await store.createTicket(ticket, messages);

    proxy.resetStats();
    const { tickets } = await store.conversationState(ticket.workspaceId, ticket.intercom.conversationId);
    expect(tickets).toEqual([{ productId: 'prod_a', ticketId: ticket.id, title: 'Billable rates' }]);
    expect(await store.listedTickets(tickets)).toEqual([{ id: ticket.id, productId: 'prod_a', title: 'Billable rates' }]);
    expect(proxy.stats().requests).toEqual({ Query: 1 });
  });

  it("come alone from a Query of the lookups, without the conversation's redactions and sync marks", async () => {
    const { ticket, messages } = newTicket('prod_b', 'Billable rates', { kind: 'sender' });
    const { ticket: second, messages: secondMessages } = newTicket('prod_a', 'Exports', { kind: 'sender' }, ticket.intercom.conversationId);
    second.workspaceId = ticket.workspaceId;
    await store.createTicket(ticket, messages);
    await store.createTicket(second, secondMessages);
    await store.rememberRedaction(ticket.workspaceId, ticket.intercom.conversationId, 'part_9');
    await store.recordSynced(ticket.workspaceId, ticket.intercom.conversationId, 1_767_600_000, new Date(AT));

    proxy.resetStats();
    const tickets = await store.conversationTickets(ticket.workspaceId, ticket.intercom.conversationId);
    expect(proxy.stats().requests).toEqual({ Query: 1 });
    expect(tickets).toEqual([
      { productId: 'prod_a', ticketId: second.id, title: 'Exports' },
      { productId: 'prod_b', ticketId: ticket.id, title: 'Billable rates' },
    ]);
    const state = await store.conversationState(ticket.workspaceId, ticket.intercom.conversationId);
    expect(state).toMatchObject({ tickets, syncedUpdatedAt: 1_767_600_000 });
    expect([...state.redactedMessageIds]).toEqual(['part_9']);
  });

  it("are read from the ticket's header where a lookup stored before carries no title, in the lookups' order", async () => {
    const { ticket, messages } = newTicket('prod_b', 'From the header', { kind: 'conversation' });
    const { ticket: titled, messages: titledMessages } = newTicket('prod_a', 'On the lookup', { kind: 'sender' }, ticket.intercom.conversationId);
    titled.workspaceId = ticket.workspaceId;
    await store.createTicket(ticket, messages);
    await store.createTicket(titled, titledMessages);
    await table.client.send(new PutCommand({ TableName: table.name, Item: { ...lookupOf(ticket), productId: 'prod_b', ticketId: ticket.id } }));

    proxy.resetStats();
    const { tickets } = await store.conversationState(ticket.workspaceId, ticket.intercom.conversationId);
    expect(tickets).toEqual([
      { productId: 'prod_a', ticketId: titled.id, title: 'On the lookup' },
      { productId: 'prod_b', ticketId: ticket.id },
    ]);
    expect(await store.listedTickets(tickets)).toEqual([
      { id: titled.id, productId: 'prod_a', title: 'On the lookup' },
      expect.objectContaining({ id: ticket.id, productId: 'prod_b', title: 'From the header' }),
    ]);
    expect(proxy.stats().requests).toEqual({ Query: 1, BatchGetItem: 1 });
  });

  it("lose a title taken from a message when that message is redacted, as the header does; another message's redaction keeps it", async () => {
    const { ticket, messages } = newTicket('prod_a', FIRST, { kind: 'message', messageId: 'part_1' });
    await store.createTicket(ticket, messages);
    const fallback = `Intercom conversation ${ticket.intercom.conversationId}`;

    await store.redact(ticket.id, 'part_9', fallback, new Date(AT));
    expect((await store.conversationState(ticket.workspaceId, ticket.intercom.conversationId)).tickets[0]?.title).toBe(FIRST);

    await store.redact(ticket.id, 'part_1', fallback, new Date(AT));
    const { tickets } = await store.conversationState(ticket.workspaceId, ticket.intercom.conversationId);
    expect(await store.listedTickets(tickets)).toEqual([{ id: ticket.id, productId: 'prod_a', title: fallback }]);
    expect((await store.getTicket(ticket.id))?.ticket.title).toBe(fallback);
    const { Item: lookup } = await table.client.send(new GetCommand({ TableName: table.name, Key: lookupOf(ticket), ConsistentRead: true }));
    expect(JSON.stringify(lookup)).not.toContain(FIRST);
  });
});

describe("a workspace's connection and its products with feedback on, as the inbox app reads them", () => {
  const connectionOf = (workspaceId: string): Connection => ({
    workspaceId,
    connectionId: `c-${workspaceId}`,
    method: 'token',
    status: 'connected',
    intercom: { appId: `app_${workspaceId}`, name: 'Acme', region: 'US', timezone: null },
    webhook: { key: `key_${workspaceId}`, secretConfigured: true, secretVersion: 'v1', lastEventAt: null },
    settings: { syncFeedback: true, syncContacts: true, writeBack: false },
    permissions: { missingOptional: [] },
    reauth: null,
    connectedAt: AT,
    connectedBy: 'admin',
    updatedAt: AT,
    disconnectedAt: null,
  });
  const product = (productId: string, enabled: boolean): ProductFeedback => ({ productId, enabled, triggerTagIds: ['7'], enabledAt: AT, productName: `Name of ${productId}` });
  const put = (item: Record<string, unknown>) => table.client.send(new PutCommand({ TableName: table.name, Item: item }));

  it('come from one Query that leaves out the partition\'s other items, the products with feedback off and other workspaces', async () => {
    const workspaceId = `ws_cp_${randomUUID().slice(0, 8)}`;
    const connections = new ConnectionStore(table);
    await put({ ...keys.connection(workspaceId), ...connectionOf(workspaceId) });
    for (const settings of [product('prod_c', true), product('prod_a', true), product('prod_b', false)]) await store.putProductFeedback(workspaceId, settings);
    // The partition's other items, with attributes a product or a connection also has.
    await put({ ...keys.contactSync(workspaceId), workspaceId, enabled: true, status: 'completed' });
    await put({ ...keys.feedbackCatchup(workspaceId), connectionId: `c-${workspaceId}`, watermark: 1, countsFrom: 1 });
    // Another workspace whose id starts with this one's, and this workspace's other partitions.
    await put({ ...keys.connection(`${workspaceId}x`), ...connectionOf(`${workspaceId}x`) });
    await put({ ...keys.productFeedback(`${workspaceId}x`, 'prod_x'), ...product('prod_x', true) });
    await put({ ...keys.productFeedback(`${workspaceId}#CONVERSATION#1`, 'prod_y'), ...product('prod_y', true) });
    await put({ ...keys.conversationTicket(workspaceId, '1', 'prod_a'), productId: 'prod_a', ticketId: 'tkt_1', title: 'Export' });

    proxy.resetStats();
    const read = await connections.getWithFeedbackProducts(workspaceId);
    expect(proxy.stats().requests).toEqual({ Query: 1 });
    expect(read).toEqual({ connection: connectionOf(workspaceId), products: [product('prod_a', true), product('prod_c', true)] });
    expect(read.connection).toEqual(await connections.get(workspaceId));
    expect(read.products).toEqual(await store.listProductFeedback(workspaceId, { enabledOnly: true }));
  });

  it('answer no connection for a workspace that never connected, and its products all the same', async () => {
    const workspaceId = `ws_cp_${randomUUID().slice(0, 8)}`;
    await store.putProductFeedback(workspaceId, product('prod_a', true));
    expect(await new ConnectionStore(table).getWithFeedbackProducts(workspaceId)).toEqual({ connection: undefined, products: [product('prod_a', true)] });
    expect(await new ConnectionStore(table).getWithFeedbackProducts(`ws_cp_${randomUUID().slice(0, 8)}`)).toEqual({ connection: undefined, products: [] });
  });
});
