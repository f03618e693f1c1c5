import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { EVENTS_INTERCOM_TIMING } from '../../lib/events/record-budget';
import { postLinkBackNote } from '../../lib/feedback/write-back';
import { parseWriteBackMessage, type WriteBackMessage } from '../../lib/feedback/write-back-queue';
import { dependencies, intercomClient } from '../../lib/platform/dependencies';
import { logger } from '../../lib/platform/logger';
import { WriteBackBusyError } from '../../lib/store/write-back-store';

const shared = dependencies();
// Short attempts: a note's POST is never retried by the client, and a slow answer is an unknown outcome.
const deps = { ...shared, intercom: intercomClient(shared.config, EVENTS_INTERCOM_TIMING) };
const processor = new BatchProcessor(EventType.SQS);

function parseRecord(record: SQSRecord): WriteBackMessage | undefined {
  try {
    return parseWriteBackMessage(record.body);
  } catch {
    logger.warn('Write-back message dropped: not a message this service queued', { messageId: record.messageId });
    return undefined;
  }
}

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseRecord(record);
  if (!message) return;
  const receiveCount = record.attributes.ApproximateReceiveCount;
  try {
    const outcome = await postLinkBackNote(deps, message);
    logger.info('Write-back message processed', { workspaceId: message.workspaceId, ticketId: message.ticketId, outcome, receiveCount });
  } catch (error) {
    if (error instanceof WriteBackBusyError) {
      logger.info('Link-back note is being posted by another attempt; SQS will hand it over again', { ticketId: message.ticketId });
    } else {
      logger.warn('Link-back note failed; SQS will retry it', { ticketId: message.ticketId, receiveCount, error: error as Error });
    }
    throw error;
  }
}

/** SQS consumer of the write-back queue: one ticket's link-back note per record, failures reported per record. */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false }),
  );
