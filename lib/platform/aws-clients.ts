import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/*
 * One client per AWS service per process, created on first use. Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_<SERVICE> variables, so the same code runs against the local stand-ins.
 */

/**
 * Bounded network waits: a store that stops answering fails the call in seconds (and the SDK
 * retries it), instead of holding the Lambda until its own timeout kills it mid-record, which
 * hands the whole batch, records already applied included, back to SQS. Without
 * `throwOnRequestTimeout` the SDK only logs a warning when `requestTimeout` passes and keeps
 * waiting. The same holds in AWS: a call to DynamoDB, SQS or Secrets Manager that never answers
 * fails after 5 s per attempt, within the events worker's store allowance (lib/events/record-budget.ts).
 */
const requestHandler = { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true };

let dynamo: DynamoDBDocumentClient | undefined;
let dynamoRaw: DynamoDBClient | undefined;
let sqs: SQSClient | undefined;
let secrets: SecretsManagerClient | undefined;

export function dynamoClient(): DynamoDBClient {
  dynamoRaw ??= new DynamoDBClient({ requestHandler });
  return dynamoRaw;
}

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(dynamoClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ requestHandler });
  return sqs;
}

export function secretsManagerClient(): SecretsManagerClient {
  secrets ??= new SecretsManagerClient({ requestHandler });
  return secrets;
}
