import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DescribeSecretCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { cachedHealthCheck, checkHealth } from '../../lib/health/check-health';
import { dynamoDocumentClient, secretsManagerClient, sqsClient } from '../../lib/platform/aws-clients';
import { getConfig } from '../../lib/platform/config';
import { httpHandler, json } from '../../lib/platform/http';

/**
 * How long a container answers from its last check. The route needs no JWT: without the cache,
 * every request anyone sends would cost six AWS calls.
 */
const HEALTH_CACHE_MS = 5_000;

const health = cachedHealthCheck(async () => {
  const config = getConfig();
  const table = (TableName: string) => async () => {
    await dynamoDocumentClient().send(new DescribeTableCommand({ TableName }));
  };
  const queue = (QueueUrl: string) => async () => {
    await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  };
  return checkHealth({
    table: table(config.TABLE_NAME),
    idempotencyTable: table(config.IDEMPOTENCY_TABLE_NAME),
    eventsQueue: queue(config.EVENTS_QUEUE_URL),
    backfillQueue: queue(config.BACKFILL_QUEUE_URL),
    feedbackCatchupQueue: queue(config.FEEDBACK_CATCHUP_QUEUE_URL),
    writeBackQueue: queue(config.WRITE_BACK_QUEUE_URL),
    secrets: async () => {
      try {
        await secretsManagerClient().send(new DescribeSecretCommand({ SecretId: config.INTERCOM_CLIENT_SECRET_NAME }));
      } catch (error) {
        // Reachable, but OAuth is not configured; access-token connections still work.
        if (error instanceof ResourceNotFoundException) return 'the OAuth client secret is not set';
        throw error;
      }
    },
  });
}, HEALTH_CACHE_MS);

/** `GET /v1/health`: 200 when the tables, queues and Secrets Manager all answer, else 503. */
export const handler = httpHandler(async () => {
  const report = await health();
  return json(report.ok ? 200 : 503, report);
});
