import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbProxyClient } from '../../dev/dynamodb-proxy';
import type { ProvisionedQueue } from '../../dev/provision';

/** Addresses of the local stack that the global setup started, for integration tests. */
export const stack = {
  apiUrl: required('TEST_API_URL'),
  appUrl: required('TEST_APP_URL'),
  /** The simulator's US base URL, which also serves the OAuth pages and the control API. */
  intercomUrl: required('TEST_INTERCOM_URL'),
  /** The base URLs the functions call for EU and AU workspaces. */
  intercomRegionUrls: JSON.parse(required('TEST_INTERCOM_REGION_URLS')) as { EU: string; AU: string },
  intercomClientId: required('TEST_INTERCOM_CLIENT_ID'),
  intercomClientSecret: required('TEST_INTERCOM_CLIENT_SECRET'),
  secretsPrefix: 'timebook-intercom/local',
  functionLog: required('TEST_FUNCTION_LOG'),
  adminJwtSecret: required('TEST_ADMIN_JWT_SECRET'),
  /** The service's table (the other one is Powertools' idempotency table). */
  tableName: (JSON.parse(required('TEST_TABLES')) as string[]).find((name) => !name.endsWith('-idempotency'))!,
  /** Powertools' idempotency table of the events worker. */
  idempotencyTableName: (JSON.parse(required('TEST_TABLES')) as string[]).find((name) => name.endsWith('-idempotency'))!,
  queue(logicalId: string): ProvisionedQueue {
    const queue = (JSON.parse(required('TEST_QUEUES')) as Record<string, ProvisionedQueue>)[logicalId];
    if (!queue) throw new Error(`No local queue ${logicalId}`);
    return queue;
  },
};

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const sqs = new SQSClient({ region: 'us-east-1', credentials, endpoint: required('AWS_ENDPOINT_URL_SQS') });
export const dynamo = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials, endpoint: required('AWS_ENDPOINT_URL_DYNAMODB') }),
);
/** The proxy every DynamoDB client of the stack goes through: request counts and injected throttling. */
export const dynamoDbProxy = new DynamoDbProxyClient(required('TEST_DYNAMODB_PROXY_URL'));
export const secretsManager = new SecretsManagerClient({
  region: 'us-east-1',
  credentials,
  endpoint: required('AWS_ENDPOINT_URL_SECRETS_MANAGER'),
});

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run integration tests with \`npm test\`, which starts the local stack`);
  return value;
}
