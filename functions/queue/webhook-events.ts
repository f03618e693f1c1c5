import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { dispatchEvent, type TopicRegistry } from '../../lib/events/dispatch-event';
import { queuedEventSchema } from '../../lib/events/queued-event';
import { logger } from '../../lib/platform/logger';

const processor = new BatchProcessor(EventType.SQS);

/** Topic handlers join this registry as features land. */
const registry: TopicRegistry = {};

async function processRecord(record: SQSRecord): Promise<void> {
  const event = queuedEventSchema.parse(JSON.parse(record.body));
  const { topic, id } = event.notification;
  const outcome = await dispatchEvent(registry, event);
  logger.info('Webhook event processed', { workspaceId: event.workspaceId, topic, notificationId: id, outcome });
}

/** SQS consumer of the events queue: one record at a time, failures reported per record. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => processPartialResponse(event, processRecord, processor, { context }));
