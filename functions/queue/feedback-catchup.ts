import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { EVENTS_INTERCOM_TIMING } from '../../lib/events/record-budget';
import { processCatchup } from '../../lib/feedback/catchup';
import { parseCatchupMessage } from '../../lib/feedback/catchup-queue';
import { dependencies, intercomClient } from '../../lib/platform/dependencies';
import { logger } from '../../lib/platform/logger';

const shared = dependencies();
// The events worker's short attempts, so that one step's worst case fits CATCHUP_STEP_BUDGET_MS.
const deps = { ...shared, intercom: intercomClient(shared.config, EVENTS_INTERCOM_TIMING) };
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord, context?: Context): Promise<void> {
  const message = parseCatchupMessage(record.body);
  if (!context) throw new Error('The batch processor passed no Lambda context');
  const deadline = new Date(Date.now() + context.getRemainingTimeInMillis());
  const outcome = await processCatchup(deps, message, deadline);
  logger.info('Feedback catch-up message processed', {
    workspaceId: message.workspaceId,
    phase: message.phase,
    receiveCount: record.attributes.ApproximateReceiveCount,
    outcome,
  });
}

/**
 * SQS consumer of the feedback catch-up queue: each record is one workspace's run from where it
 * stands, the records of a batch in parallel, failures reported per record.
 */
export const handler = middy<SQSEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false }),
  );
