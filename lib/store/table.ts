import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The DynamoDB document client and the name of the table it writes to. */
export interface Table {
  client: DynamoDBDocumentClient;
  name: string;
}

/** Seconds since the epoch, the format of the table's `expiresAt` TTL attribute. */
export function ttlAfter(now: Date, seconds: number): number {
  return Math.floor(now.getTime() / 1000) + seconds;
}
