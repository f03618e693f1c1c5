import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseSyncMessage, processSyncMessage } from '../../lib/contacts/sync-worker';
import { dependencies } from '../../lib/platform/dependencies';
import { logger } from '../../lib/platform/logger';

const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord, context?: Context): Promise<void> {
  const message = parseSyncMessage(record.body);
  if (!context) throw new Error('The batch processor passed no Lambda context');
  const deadline = new Date(Date.now() + context.getRemainingTimeInMillis());
  const about = {
    workspaceId: message.workspaceId,
    kind: message.kind,
    ...(message.kind === 'backfill-page' ? { partitionId: message.partitionId, seq: message.seq } : {}),
    receiveCount: record.attributes.ApproximateReceiveCount,
  };
  let outcome;
  try {
    outcome = await processSyncMessage(dependencies(), message, deadline);
  } catch (error) {
    logger.warn('Contact sync page failed; SQS will retry it', { ...about, messageId: record.messageId, error: error as Error });
    throw error;
  }
  logger.info('Contact sync page processed', { ...about, outcome });
}

/**
 * SQS consumer of the contacts backfill queue: each record is one page of a backfill partition or
 * of an incremental run, the records of a batch in parallel, failures reported per record.
 */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false }),
  );
