import { dependencies } from '../../lib/platform/dependencies';
import { httpHandler, json, rawBody } from '../../lib/platform/http';
import { logger } from '../../lib/platform/logger';
import { receiveWebhook } from '../../lib/webhooks/receive-webhook';

/**
 * `HEAD`/`GET`/`POST /v1/webhooks/intercom/{webhookKey}` (token connections) and
 * `/v1/webhooks/intercom` (Timebook's OAuth app). HEAD and GET answer 200: Intercom checks the URL
 * with HEAD, and serverless-offline serves HEAD through the GET route.
 */
export const handler = httpHandler(async (event) => {
  const method = event.requestContext.http.method;
  if (method === 'HEAD' || method === 'GET') return json(200);
  const webhookKey = event.pathParameters?.webhookKey;
  const outcome = await receiveWebhook(dependencies(), {
    target: webhookKey ? { kind: 'token', webhookKey } : { kind: 'oauth' },
    body: rawBody(event),
    signature: event.headers['x-hub-signature'],
  });
  if (outcome.kind === 'ping') return json(200, { ok: true });
  if (outcome.kind !== 'dropped') {
    logger.info(outcome.kind === 'queued' ? 'Webhook queued' : 'Webhook topic not used; acknowledged', {
      workspaceId: outcome.workspaceId,
      topic: outcome.topic,
    });
  }
  return json(200, { ok: true, ...(outcome.kind === 'queued' ? {} : { ignored: true }) });
});
