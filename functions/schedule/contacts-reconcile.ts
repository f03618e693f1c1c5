import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { scheduleReconciliation } from '../../lib/contacts/reconcile-contacts';
import { dependencies } from '../../lib/platform/dependencies';
import { logger } from '../../lib/platform/logger';

/**
 * EventBridge schedule (`custom.contactsReconcileRate`): begins a contact reconciliation for every
 * workspace with contact sync on, no backfill running and no reconciliation under way (or takes
 * over one that crashed); the work runs on the contacts backfill queue.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const summary = await scheduleReconciliation(dependencies());
    logger.info('Contact reconciliation queued', { ...summary });
    return summary;
  });
