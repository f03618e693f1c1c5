import { webhookSecretBody } from '../../lib/connect/requests.schema';
import { setWebhookSecret } from '../../lib/connect/webhook-secret';
import { adminVerifier, dependencies } from '../../lib/platform/dependencies';
import { adminHttpHandler, json, parseJsonBody } from '../../lib/platform/http';

/** `PUT /v1/workspaces/{workspaceId}/intercom/webhook-secret` */
export const handler = adminHttpHandler(adminVerifier, async (event, { workspaceId }) => {
  const { clientSecret } = parseJsonBody(event, webhookSecretBody);
  return json(200, await setWebhookSecret(dependencies(), { workspaceId, clientSecret }));
});
