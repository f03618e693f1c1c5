import { randomUUID } from 'node:crypto';
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynamoDbProxy, type DynamoDbProxy } from '../../dev/dynamodb-proxy';
import { dynamo, stack } from '../support/local-stack';

/**
 * The throttling proxy of the fault tests, in front of the stack's DynamoDB: what the real SDK sees
 * of each fault it injects, and what it counts. A proxy of the test's own, so other tests never
 * see its faults.
 */
let proxy: DynamoDbProxy;
let client: DynamoDBDocumentClient;

beforeAll(async () => {
  proxy = await startDynamoDbProxy({ target: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
  // Two attempts: the SDK's retry of a throttle waits up to a second before the second one.
  client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: proxy.url, maxAttempts: 2 }),
  );
});

afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
});

beforeEach(() => {
  proxy.clearFaults();
  proxy.resetStats();
});

const key = () => ({ pk: `PROXYTEST#${randomUUID()}`, sk: 'ITEM' });
const stored = async (k: Record<string, string>) => (await dynamo.send(new GetCommand({ TableName: stack.tableName, Key: k, ConsistentRead: true }))).Item;

describe('the DynamoDB throttling proxy', () => {
  it('passes requests through and counts them per operation', async () => {
    const k = key();
    await client.send(new PutCommand({ TableName: stack.tableName, Item: { ...k, n: 1 } }));
    expect((await client.send(new GetCommand({ TableName: stack.tableName, Key: k }))).Item).toMatchObject({ n: 1 });
    expect(proxy.stats()).toMatchObject({ requests: { PutItem: 1, GetItem: 1 }, forwarded: { PutItem: 1, GetItem: 1 }, injected: {}, reachedCaller: {} });
  });

  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException'] as const)(
    'answers %s, which the SDK retries and, once its attempts are spent, throws as that class',
    async (kind) => {
      proxy.setFaults({ rate: 1, operations: ['PutItem'], kinds: [kind] });
      const k = key();
      const error = await client.send(new PutCommand({ TableName: stack.tableName, Item: k })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(kind === 'ThrottlingException' ? ThrottlingException : ProvisionedThroughputExceededException);
      expect((error as ThrottlingException).$metadata).toMatchObject({ httpStatusCode: 400, attempts: 2 });
      expect((error as Error).message).toEqual(kind === 'ThrottlingException' ? 'Rate exceeded' : expect.stringContaining('provisioned throughput'));
      expect(await stored(k)).toBeUndefined();
      expect(proxy.stats()).toMatchObject({ requests: { PutItem: 2 }, injected: { PutItem: { [kind]: 2 } }, reachedCaller: { [kind]: 1 } });
      expect(proxy.stats().forwarded.PutItem).toBeUndefined();
    },
  );

  it('counts a throttle the SDK retried successfully as not reaching the caller', async () => {
    // With seed 7 and a rate of one half, the first PutItem is throttled and its retry is not.
    proxy.setFaults({ rate: 0.5, operations: ['PutItem'], kinds: ['ProvisionedThroughputExceededException'], seed: 7 });
    const k = key();
    const put = await client.send(new PutCommand({ TableName: stack.tableName, Item: k }));
    expect(put.$metadata.attempts).toBe(2);
    expect(await stored(k)).toEqual(k);
    expect(proxy.stats()).toMatchObject({
      requests: { PutItem: 2 },
      forwarded: { PutItem: 1 },
      injected: { PutItem: { ProvisionedThroughputExceededException: 1 } },
      reachedCaller: {},
    });
  });

  it('cancels a transaction with a ThrottlingError reason, which the SDK does not retry', async () => {
    proxy.setFaults({ rate: 1, operations: ['TransactWriteItems'], kinds: ['TransactionCanceledException'] });
    const [a, b] = [key(), key()];
    const error = await client
      .send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: stack.tableName, Item: a } }, { Put: { TableName: stack.tableName, Item: b } }] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const cancelled = error as TransactionCanceledException;
    expect(cancelled.$metadata.attempts).toBe(1);
    expect(cancelled.message).toMatch(/^Transaction cancelled, please refer cancellation reasons for specific reasons \[(None|ThrottlingError), (None|ThrottlingError)\]$/);
    expect(cancelled.CancellationReasons?.map((reason) => reason.Code).sort()).toEqual(['None', 'ThrottlingError']);
    expect(await stored(a)).toBeUndefined();
    expect(await stored(b)).toBeUndefined();
    expect(proxy.stats()).toMatchObject({ requests: { TransactWriteItems: 1 }, reachedCaller: { TransactionCanceledException: 1 } });
  });

  it('writes only part of a batch and answers the rest as UnprocessedItems', async () => {
    proxy.setFaults({ rate: 1, operations: ['BatchWriteItem'], kinds: ['UnprocessedItems'] });
    const keys = Array.from({ length: 10 }, key);
    const { UnprocessedItems } = await client.send(
      new BatchWriteCommand({ RequestItems: { [stack.tableName]: keys.map((k) => ({ PutRequest: { Item: k } })) } }),
    );
    const unprocessed = new Set((UnprocessedItems?.[stack.tableName] ?? []).map((request) => request.PutRequest!.Item!.pk as string));
    expect(unprocessed.size).toBeGreaterThan(0);
    expect(unprocessed.size).toBeLessThan(keys.length);
    for (const k of keys) {
      if (unprocessed.has(k.pk)) expect(await stored(k)).toBeUndefined();
      else expect(await stored(k)).toEqual(k);
    }
    expect(proxy.stats()).toMatchObject({ forwarded: { BatchWriteItem: 1 }, reachedCaller: { UnprocessedItems: 1 } });
  });

  it('answers a batch of one write it would leave unprocessed as ProvisionedThroughputExceededException, as AWS does', async () => {
    proxy.setFaults({ rate: 1, operations: ['BatchWriteItem'], kinds: ['UnprocessedItems'] });
    const error = await client
      .send(new BatchWriteCommand({ RequestItems: { [stack.tableName]: [{ PutRequest: { Item: key() } }] } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(proxy.stats().injected).toEqual({ BatchWriteItem: { ProvisionedThroughputExceededException: 2 } });
  });

  it('faults only the tables it was given, and no more often than its limit', async () => {
    proxy.setFaults({ rate: 1, operations: ['PutItem'], kinds: ['ThrottlingException'], tables: [stack.tableName], limit: 3 });
    await expect(client.send(new PutCommand({ TableName: 'no-such-table', Item: key() }))).rejects.toThrow(/non-existent table/);
    const [first, second] = [key(), key()];
    await expect(client.send(new PutCommand({ TableName: stack.tableName, Item: first }))).rejects.toBeInstanceOf(ThrottlingException);
    // The third fault is the limit: the retry after it goes through.
    const put = await client.send(new PutCommand({ TableName: stack.tableName, Item: second }));
    expect(put.$metadata.attempts).toBe(2);
    expect(await stored(second)).toEqual(second);
    expect(proxy.stats().injected).toEqual({ PutItem: { ThrottlingException: 3 } });
  });

  it('leaves operations it was not given alone, and refuses settings it cannot apply', async () => {
    proxy.setFaults({ rate: 1, operations: ['DeleteItem'], kinds: ['ThrottlingException'] });
    await client.send(new PutCommand({ TableName: stack.tableName, Item: key() }));
    expect(proxy.stats().injected).toEqual({});

    const refused = await fetch(`${proxy.url}/_proxy/faults`, { method: 'PUT', body: JSON.stringify({ rate: 2, operations: [], kinds: ['Nope'] }) });
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: string };
    expect(error).toContain('rate');
    expect(error).toContain('operations');
    expect(error).toContain('kinds');
  });
});

describe('the DynamoDB proxy recording consumed capacity', () => {
  let measuring: DynamoDbProxy;
  let measured: DynamoDBDocumentClient;

  beforeAll(async () => {
    measuring = await startDynamoDbProxy({ target: process.env.AWS_ENDPOINT_URL_DYNAMODB!, recordCapacity: true });
    measured = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: measuring.url, maxAttempts: 1 }),
    );
  });

  afterAll(async () => {
    measured?.destroy();
    await measuring?.stop();
  });

  it('adds up the capacity DynamoDB reports and answers the client as if it had not asked', async () => {
    const items = [key(), key(), { ...key(), text: 'x'.repeat(1_500) }];
    const written = await measured.send(new BatchWriteCommand({ RequestItems: { [stack.tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    expect(written.ConsumedCapacity).toBeUndefined();
    const read = await measured.send(new GetCommand({ TableName: stack.tableName, Key: items[0], ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    // Asked for by the client: it gets what DynamoDB answered.
    expect(read.ConsumedCapacity).toMatchObject({ CapacityUnits: 1 });
    const failed = await measured
      .send(new PutCommand({ TableName: stack.tableName, Item: items[0], ConditionExpression: 'attribute_not_exists(pk)' }))
      .catch((error: unknown) => error);
    expect((failed as Error).name).toBe('ConditionalCheckFailedException');
    // One unit for each small item, two for the one above 1 KB.
    expect(measuring.stats()).toMatchObject({
      consumedCapacity: { BatchWriteItem: 4, GetItem: 1 },
      errors: { PutItem: { ConditionalCheckFailedException: 1 } },
    });
  });
});
