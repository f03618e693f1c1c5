import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { contactTopics } from '../../lib/contacts/contact-events';
import { dispatchEvent, type TopicRegistry } from '../../lib/events/dispatch-event';
import { queuedEventSchema, type QueuedEvent } from '../../lib/events/queued-event';
import { feedbackTopics } from '../../lib/feedback/topics';
import { dynamoClient } from '../../lib/platform/aws-clients';
import { dependencies } from '../../lib/platform/dependencies';
import { logger } from '../../lib/platform/logger';

const deps = dependencies();
const processor = new BatchProcessor(EventType.SQS);
const registry: TopicRegistry = { ...feedbackTopics(deps), ...contactTopics(deps) };

const idempotency = new IdempotencyConfig({
  // Intercom's notification id, scoped to the workspace that received it.
  eventKeyJmesPath: '[workspaceId, notification.id]',
  expiresAfterSeconds: 7 * 24 * 3600,
});

/** Applies one notification; a notification id already applied is not applied again. */
const applyOnce = makeIdempotent(
  async (event: QueuedEvent) => {
    const outcome = await dispatchEvent(registry, event);
    await deps.connections.recordEvent(event.workspaceId, deps.clock());
    return outcome;
  },
  {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: deps.config.IDEMPOTENCY_TABLE_NAME, awsSdkV3Client: dynamoClient() }),
    config: idempotency,
  },
);

/** Time a record may need in the worst case (a store that stops answering, with SDK retries). */
const RECORD_BUDGET_MS = 12_000;

async function processRecord(record: SQSRecord, context?: Context): Promise<void> {
  if (context && context.getRemainingTimeInMillis() < RECORD_BUDGET_MS) {
    // Never start what the Lambda timeout could cut off halfway; SQS hands the record over again.
    throw new Error('Not enough time left in this invocation; the record is left for a retry');
  }
  try {
    const event = queuedEventSchema.parse(JSON.parse(record.body));
    const { topic, id } = event.notification;
    logger.appendKeys({ workspaceId: event.workspaceId, topic, notificationId: id });
    const outcome = await applyOnce(event);
    logger.info('Webhook event processed', { outcome });
  } catch (error) {
    logger.warn('Webhook event failed; SQS will retry it', {
      error: error as Error,
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
    });
    throw error;
  } finally {
    logger.removeKeys(['workspaceId', 'topic', 'notificationId']);
  }
}

/** SQS consumer of the events queue: one record at a time, failures reported per record. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: SQSEvent, context: Context) => {
    idempotency.registerLambdaContext(context);
    // One record at a time, in order; a batch that fails whole is reported record by record.
    return processPartialResponse(event, processRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  });
