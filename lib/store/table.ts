import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** The DynamoDB document client and the name of the table it writes to. */
export interface Table {
  client: DynamoDBDocumentClient;
  name: string;
}

/** Seconds since the epoch, the format of the table's `expiresAt` TTL attribute. */
export function ttlAfter(now: Date, seconds: number): number {
  return Math.floor(now.getTime() / 1000) + seconds;
}

/** Every item a query matches, following LastEvaluatedKey page by page. */
export async function queryAll(table: Table, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>) {
  const items: Record<string, any>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(new QueryCommand({ ...input, TableName: table.name, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** For `.catch` on a conditional write whose failed condition means there is nothing to do. */
export function ignoreConditionFailure(error: unknown): void {
  if (!(error instanceof ConditionalCheckFailedException)) throw error;
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** How often, and after which waits, a store tries again what DynamoDB could not take at once. */
export interface RetryOptions {
  attempts: number;
  sleep: (ms: number) => Promise<void>;
}

export const defaultRetry: RetryOptions = { attempts: 8, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/**
 * Cancellation reasons a later attempt of the same transaction can clear. The SDK retries a
 * throttled single-item write by itself, but never a cancelled transaction, even one cancelled for
 * throttling: that is left to the caller.
 */
const TRANSIENT_CANCELLATIONS = new Set(['None', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'TransactionConflict']);

/** Cancellation reasons that mean DynamoDB throttled the transaction. */
const THROTTLING_CANCELLATIONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

/** The codes of a cancelled transaction's reasons, one per item ('None' for an item that was not the cause). */
function cancellationCodes(error: TransactionCanceledException): string[] {
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/**
 * What a store throws when DynamoDB still refused some of its writes for throttling after all of
 * its retries (a BatchWriteItem's unprocessed items): the same work can succeed later, unchanged.
 */
export class StoreThrottledError extends Error {
  override readonly name = 'StoreThrottledError';
}

/**
 * Whether `error` means DynamoDB throttled the request, with the SDK's or a store's retries spent:
 * {@link StoreThrottledError}, `ProvisionedThroughputExceededException`, `ThrottlingException`,
 * `RequestLimitExceeded`, or a transaction cancelled only for throttling.
 */
export function isThrottling(error: unknown): boolean {
  if (
    error instanceof StoreThrottledError ||
    error instanceof ProvisionedThroughputExceededException ||
    error instanceof ThrottlingException ||
    error instanceof RequestLimitExceeded
  ) {
    return true;
  }
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = cancellationCodes(error);
  return codes.some((code) => THROTTLING_CANCELLATIONS.has(code)) && codes.every((code) => code === 'None' || THROTTLING_CANCELLATIONS.has(code));
}

/**
 * Runs a write transaction. Returns the indexes of the items whose condition failed; none when it
 * committed. A transaction cancelled only for throttling or a conflicting transaction is tried
 * again after a jittered wait, up to `retry.attempts` times; then, like any other failure, the
 * error is thrown, and the caller's work is retried from its queue.
 */
export async function transactWrite(table: Table, items: TransactItem[], retry: RetryOptions = defaultRetry): Promise<number[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await table.client.send(new TransactWriteCommand({ TransactItems: items }));
      return [];
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = cancellationCodes(error);
      const failed = codes.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length > 0) return failed;
      if (attempt >= retry.attempts || codes.length === 0 || !codes.every((code) => TRANSIENT_CANCELLATIONS.has(code))) throw error;
      await retry.sleep(Math.random() * 25 * 2 ** attempt);
    }
  }
}
