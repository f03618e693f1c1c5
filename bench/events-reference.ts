import { createHash } from 'node:crypto';
import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SQSEvent } from 'aws-lambda';
import type { Config } from '../lib/platform/config';
import { dynamoClient, secretsManagerClient } from '../lib/platform/aws-clients';

/*
 * The events worker's reference for bench/events-worker.ts: the same DynamoDB requests (by operation,
 * in the same order) and Intercom requests as the worker makes for a trigger tag that makes a ticket
 * and for a reply on a ticketed conversation, with `fetch`, `JSON.parse` and the low-level DynamoDB
 * client, and nothing else: no validation, no logging, no middleware, no error handling beyond
 * what a benchmark's happy path needs. Not a second implementation of the worker.
 */

type Item = Record<string, AttributeValue>;
const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const conditionFailed = (error: unknown) => {
  if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
};

interface Conversation {
  id: string;
  updated_at: number;
  source: { id: string; body: string | null; author: { type?: string; name?: string; email?: string } };
  tags: { tags: Array<{ id: string; applied_at: number }> };
  conversation_parts: { conversation_parts: Array<{ id: string; body: string | null; part_type: string; created_at: number; author: { type?: string; name?: string; email?: string } }> };
}

export function referenceWorker(config: Config) {
  const db = dynamoClient();
  const table = config.TABLE_NAME;
  const tokens = new Map<string, string>();

  const conversationState = async (workspaceId: string, conversationId: string) => {
    const { Items = [] } = await db.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': S(`WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}`) }, ConsistentRead: true }),
    );
    return Items.filter((item) => item.sk!.S!.startsWith('TICKET#')).map((item) => item.ticketId!.S!);
  };
  const products = (workspaceId: string) =>
    db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': S(`WORKSPACE#${workspaceId}`), ':prefix': S('PRODUCT#') },
        ConsistentRead: true,
      }),
    );
  const update = (key: Item, expression: string, values: Item, condition?: string, names?: Record<string, string>) =>
    db
      .send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: expression, ExpressionAttributeValues: values, ConditionExpression: condition, ExpressionAttributeNames: names }))
      .catch(conditionFailed);

  /** One `GET /conversations/{id}` within the rate budget: reserve a request, call, record the headers. */
  const fetchConversation = async (workspaceId: string, connection: Item, conversationId: string): Promise<Conversation> => {
    const appId = connection.intercom!.M!.appId!.S!;
    const budget = { pk: S(`INTERCOM_APP#${appId}`), sk: S(`RATE_BUDGET#${workspaceId}`) };
    const now = Math.floor(Date.now() / 1000);
    await db
      .send(new UpdateItemCommand({ TableName: table, Key: budget, UpdateExpression: 'SET remaining = remaining - :one', ConditionExpression: 'resetAt > :now AND remaining > :none', ExpressionAttributeValues: { ':one': N(1), ':now': N(now), ':none': N(0) } }))
      .catch(async (error) => {
        conditionFailed(error);
        await db.send(new GetItemCommand({ TableName: table, Key: budget, ConsistentRead: true }));
      });
    const name = `${config.SECRETS_PREFIX}/workspaces/${workspaceId}/${connection.connectionId!.S!}/access-token`;
    let token = tokens.get(name);
    if (!token) {
      token = (await secretsManagerClient().send(new GetSecretValueCommand({ SecretId: name }))).SecretString!;
      tokens.set(name, token);
    }
    const response = await fetch(`${config.INTERCOM_API_BASE_URL}/conversations/${conversationId}?display_as=plaintext`, {
      headers: { accept: 'application/json', 'intercom-version': config.INTERCOM_VERSION, authorization: `Bearer ${token}` },
    });
    const conversation = JSON.parse(await response.text()) as Conversation;
    const [limit, remaining, reset] = ['limit', 'remaining', 'reset'].map((header) => Number(response.headers.get(`x-ratelimit-${header}`)));
    await update(
      budget,
      'SET resetAt = :resetAt, remaining = :remaining, expiresAt = :ttl, #limit = :limit, reserve = :reserve',
      { ':resetAt': N(reset!), ':remaining': N(remaining!), ':ttl': N(now + 86_400), ':limit': N(limit!), ':reserve': N(Math.ceil(limit! / 10)) },
      'attribute_not_exists(resetAt) OR resetAt < :resetAt OR (resetAt = :resetAt AND remaining > :remaining)',
      { '#limit': 'limit' },
    );
    return conversation;
  };

  const messagesOf = (conversation: Conversation) =>
    [{ ...conversation.source, created_at: 0, part_type: 'message' }, ...conversation.conversation_parts.conversation_parts]
      .filter((part) => part.body)
      .map((part) => ({ id: S(part.id), kind: S(part.part_type === 'note' ? 'note' : 'message'), body: S(part.body!.trim()), createdAt: S(new Date(part.created_at * 1000).toISOString()), redacted: { BOOL: false } }));
  const putMessages = async (ticketId: string, messages: Item[]) => {
    const queue = [...messages];
    const worker = async () => {
      for (let message = queue.shift(); message; message = queue.shift()) {
        await db
          .send(new PutItemCommand({ TableName: table, Item: { pk: S(`TICKET#${ticketId}`), sk: S(`MESSAGE#${message.id!.S}`), ticketId: S(ticketId), ...message }, ConditionExpression: 'attribute_not_exists(pk)' }))
          .catch(conditionFailed);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, messages.length) }, worker));
  };
  const recordSynced = (workspaceId: string, conversation: Conversation) =>
    update(
      { pk: S(`WORKSPACE#${workspaceId}#CONVERSATION#${conversation.id}`), sk: S('SYNCED') },
      'SET updatedAt = :updatedAt, syncedAt = :now',
      { ':updatedAt': N(conversation.updated_at), ':now': S(new Date().toISOString()) },
      'attribute_not_exists(updatedAt) OR updatedAt < :updatedAt',
    );
  /** Brings an existing ticket up to date: read it, add the messages it lacks. */
  const syncTicket = async (ticketId: string, conversation: Conversation) => {
    const { Items = [] } = await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': S(`TICKET#${ticketId}`) }, ConsistentRead: true }));
    const have = new Set(Items.map((item) => item.sk!.S));
    const missing = messagesOf(conversation).filter((message) => !have.has(`MESSAGE#${message.id.S}`));
    if (missing.length === 0) return;
    await putMessages(ticketId, missing);
    await update({ pk: S(`TICKET#${ticketId}`), sk: S('TICKET') }, 'SET updatedAt = :now', { ':now': S(new Date().toISOString()) }, 'attribute_exists(pk)');
  };

  const tag = async (event: { workspaceId: string; conversationId: string; appliedTags: Array<{ id: string; appliedAt: number }> }, connection: Item) => {
    const { workspaceId, conversationId } = event;
    const { Items: productItems = [] } = await products(workspaceId);
    const product = productItems[0]!;
    const productId = product.productId!.S!;
    const tagId = event.appliedTags[0]!.id;
    const marker = { pk: S(`WORKSPACE#${workspaceId}#FEEDBACK_TAGS`), sk: S(`SEEN#${tagId}#${conversationId}`) };
    await db.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [marker] } } }));
    await db.send(new PutItemCommand({ TableName: table, Item: { ...marker, tagId: S(tagId), conversationId: S(conversationId) }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await db.send(new UpdateItemCommand({ TableName: table, Key: { pk: marker.pk, sk: S(`COUNT#${tagId}`) }, UpdateExpression: 'SET tagId = :tagId ADD known :one', ExpressionAttributeValues: { ':tagId': S(tagId), ':one': N(1) } }));
    await conversationState(workspaceId, conversationId);
    const conversation = await fetchConversation(workspaceId, connection, conversationId);

    await conversationState(workspaceId, conversationId);
    await products(workspaceId);
    const ticketId = `tkt_${createHash('sha256').update(`${workspaceId}\u0000${productId}\u0000${conversationId}`).digest('hex').slice(0, 26)}`;
    const messages = messagesOf(conversation);
    await putMessages(ticketId, messages);
    const createdAt = new Date(event.appliedTags[0]!.appliedAt * 1000).toISOString();
    const title = messages[0]!.body!.S!.split('\n')[0]!.slice(0, 120);
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              ConditionExpression: 'attribute_not_exists(pk)',
              Item: {
                pk: S(`TICKET#${ticketId}`),
                sk: S('TICKET'),
                gsi1pk: S(`WORKSPACE#${workspaceId}#PRODUCT#${productId}#INBOX`),
                gsi1sk: S(`${createdAt}#${ticketId}`),
                id: S(ticketId),
                workspaceId: S(workspaceId),
                productId: S(productId),
                status: S('new'),
                title: S(title),
                titleSource: { M: { kind: S('message'), messageId: messages[0]!.id! } },
                excerpt: S(messages[0]!.body!.S!.slice(0, 280)),
                excerptMessageId: messages[0]!.id!,
                intercom: { M: { appId: S(connection.intercom!.M!.appId!.S!), conversationId: S(conversationId), tagIds: { L: [S(tagId)] }, deletedAt: { NULL: true } } },
                source: S('tag'),
                createdAt: S(createdAt),
                updatedAt: S(createdAt),
              },
            },
          },
          {
            Put: {
              TableName: table,
              Item: {
                pk: S(`WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}`),
                sk: S(`TICKET#${productId}`),
                productId: S(productId),
                ticketId: S(ticketId),
                title: S(title),
                titleMessageId: messages[0]!.id!,
              },
            },
          },
        ],
      }),
    );
    await conversationState(workspaceId, conversationId);
    await recordSynced(workspaceId, conversation);

    // As the worker does after making a ticket: fetch once more and sync the ticket.
    const again = await fetchConversation(workspaceId, connection, conversationId);
    const [existing] = await conversationState(workspaceId, conversationId);
    await syncTicket(existing!, again);
    await conversationState(workspaceId, conversationId);
    await recordSynced(workspaceId, again);
  };

  const reply = async (event: { workspaceId: string; conversationId: string }, connection: () => Promise<Item>) => {
    const { workspaceId, conversationId } = event;
    const [ticketId] = await conversationState(workspaceId, conversationId);
    if (!ticketId) return;
    const conversation = await fetchConversation(workspaceId, await connection(), conversationId);
    await conversationState(workspaceId, conversationId);
    await products(workspaceId);
    await syncTicket(ticketId, conversation);
    await conversationState(workspaceId, conversationId);
    await recordSynced(workspaceId, conversation);
  };

  return async (batch: SQSEvent) => {
    for (const record of batch.Records) {
      const event = JSON.parse(record.body);
      const { workspaceId } = event;
      const idempotencyKey = { id: S(`eventsWorker#${createHash('md5').update(JSON.stringify([workspaceId, event.notification.id])).digest('hex')}`) };
      const now = Date.now();
      await db.send(
        new PutItemCommand({
          TableName: config.IDEMPOTENCY_TABLE_NAME,
          Item: { ...idempotencyKey, expiration: N(Math.floor(now / 1000) + 7 * 86_400), in_progress_expiration: N(now + 60_000), status: S('INPROGRESS') },
          ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
          ExpressionAttributeValues: { ':now': N(Math.floor(now / 1000)) },
        }),
      );
      const connectionKey = { pk: S(`WORKSPACE#${workspaceId}`), sk: S('CONNECTION') };
      const readConnection = async () => (await db.send(new GetItemCommand({ TableName: table, Key: connectionKey, ConsistentRead: true }))).Item!;
      if (event.notification.topic === 'conversation_part.tag.created') await tag(event, await readConnection());
      else await reply(event, readConnection);
      await update(connectionKey, 'SET webhook.lastEventAt = :now', { ':now': S(new Date().toISOString()) }, 'attribute_exists(pk)');
      await db.send(
        new UpdateItemCommand({
          TableName: config.IDEMPOTENCY_TABLE_NAME,
          Key: idempotencyKey,
          UpdateExpression: 'SET #status = :status, #data = :data, expiration = :expiration',
          ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
          ExpressionAttributeValues: { ':status': S('COMPLETED'), ':data': S('"handled"'), ':expiration': N(Math.floor(now / 1000) + 7 * 86_400) },
        }),
      );
    }
    return { batchItemFailures: [] };
  };
}
