import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { scheduleFeedbackCatchup } from '../../lib/feedback/catchup';
import { dependencies } from '../../lib/platform/dependencies';
import { logger } from '../../lib/platform/logger';

/**
 * EventBridge schedule (`FEEDBACK_CATCHUP_RATE`): queues a feedback catch-up for every connected
 * workspace with feedback on whose last run has ended (or whose lease expired). The runs happen on
 * the catch-up queue, not here.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const summary = await scheduleFeedbackCatchup(dependencies());
    logger.info('Feedback catch-up queued', { ...summary, rate: dependencies().config.FEEDBACK_CATCHUP_RATE });
    return summary;
  });
