import { initializeCanvas, submitCanvas } from '../../lib/canvas/inbox-app';
import { canvasDependencies } from '../../lib/platform/dependencies';
import { canvasHttpHandler, json, rawBody } from '../../lib/platform/http';

/**
 * `POST /v1/intercom/canvas/{initialize,submit}` (Timebook's OAuth app) and
 * `POST /v1/intercom/canvas/{webhookKey}/{initialize,submit}` (a token-connected workspace's own
 * app): the inbox app's Canvas Kit requests.
 */
export const handler = canvasHttpHandler(async (event) => {
  const webhookKey = event.pathParameters?.webhookKey;
  const input = {
    target: webhookKey ? { kind: 'token' as const, webhookKey } : { kind: 'oauth' as const },
    body: rawBody(event),
    signature: event.headers['x-body-signature'],
  };
  const answer = event.routeKey.endsWith('/submit') ? await submitCanvas(canvasDependencies(), input) : await initializeCanvas(canvasDependencies(), input);
  return json(200, answer);
});
