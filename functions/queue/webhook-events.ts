import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { contactTopics } from '../../lib/contacts/contact-events';
import { deferRateLimited } from '../../lib/events/defer-event';
import { dispatchEvent, droppedReason, type TopicRegistry } from '../../lib/events/dispatch-event';
import { inProgressWindow } from '../../lib/events/in-progress-window';
import { parseQueuedEvent, type QueuedEvent } from '../../lib/events/queued-event';
import { EVENTS_INTERCOM_TIMING, RECORD_BUDGET_MS } from '../../lib/events/record-budget';
import { feedbackTopics } from '../../lib/feedback/topics';
import { IntercomRateLimitError } from '../../lib/intercom/errors';
import { dynamoClient } from '../../lib/platform/aws-clients';
import { dependencies, intercomClient } from '../../lib/platform/dependencies';
import { logger } from '../../lib/platform/logger';
import { countDroppedEvent } from '../../lib/platform/metrics';

const shared = dependencies();
// Attempts short enough that a record's worst case fits its budget (lib/events/record-budget.ts).
const deps = { ...shared, intercom: intercomClient(shared.config, EVENTS_INTERCOM_TIMING) };
const processor = new BatchProcessor(EventType.SQS);
const registry: TopicRegistry = { ...feedbackTopics(deps), ...contactTopics(deps) };

/*
 * The idempotency table holds, per notification, a hash of the key below, a status, an expiry and
 * the function's result (the outcome string): no payload, so no conversation text. Keep it so: no
 * `payloadValidationJmesPath` on text, and a result of ids only.
 */
const idempotency = new IdempotencyConfig({
  // Intercom's notification id, scoped to the workspace that received it.
  eventKeyJmesPath: '[workspaceId, notification.id]',
  expiresAfterSeconds: 7 * 24 * 3600,
});

/**
 * Applies one notification; a notification id already applied is not applied again. A permanent
 * failure returns (`dropped:<reason>`), so its idempotency record completes like any other.
 */
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

/** The queued event, or undefined (logged and counted) when the message is not one: no retry can parse it. */
function parseRecord(record: SQSRecord): QueuedEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const parsed = parseQueuedEvent(body);
  if (parsed.success) return parsed.data;
  const notification = (body as { notification?: { id?: unknown } } | undefined)?.notification;
  logger.warn('Webhook event dropped: the queued message is not a notification, so it is not retried', {
    reason: 'malformed',
    messageId: record.messageId,
    notificationId: typeof notification?.id === 'string' ? notification.id : null,
    issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  });
  countDroppedEvent('malformed');
  return undefined;
}

async function processRecord(record: SQSRecord, context?: Context): Promise<void> {
  if (context && context.getRemainingTimeInMillis() < RECORD_BUDGET_MS) {
    // Never start what the Lambda timeout could cut off halfway; SQS hands the record over again.
    throw new Error('Not enough time left in this invocation; the record is left for a retry');
  }
  let event: QueuedEvent | undefined;
  try {
    event = parseRecord(record);
    if (!event) return;
    const { topic, id } = event.notification;
    logger.appendKeys({ workspaceId: event.workspaceId, topic, notificationId: id });
    const outcome = await applyOnce(event);
    const dropped = droppedReason(outcome);
    if (dropped) countDroppedEvent(dropped);
    logger.info('Webhook event processed', { outcome });
  } catch (error) {
    const deferred = event && error instanceof IntercomRateLimitError ? await deferRateLimited(deps, event, error) : undefined;
    if (deferred) {
      logger.info('Webhook event deferred until the Intercom rate-limit window resets', { ...deferred, deferrals: (event!.deferrals ?? 0) + 1 });
      return;
    }
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
    idempotency.registerLambdaContext(inProgressWindow(context, deps.config.EVENTS_QUEUE_VISIBILITY_TIMEOUT_SECONDS));
    // One record at a time, in order; a batch that fails whole is reported record by record.
    return processPartialResponse(event, processRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  });
