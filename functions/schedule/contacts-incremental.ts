import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { scheduleIncrementalSync } from '../../lib/contacts/incremental-sync';
import { dependencies } from '../../lib/platform/dependencies';
import { logger } from '../../lib/platform/logger';

/**
 * EventBridge schedule (`custom.contactsSyncRate`): queues an incremental contact sync for every
 * workspace with contact sync on whose last run has ended (or whose lease expired), and restarts
 * stalled backfills.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const summary = await scheduleIncrementalSync(dependencies());
    logger.info('Incremental contact sync queued', summary);
    return summary;
  });
