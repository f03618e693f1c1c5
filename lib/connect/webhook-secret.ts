import { randomBytes } from 'node:crypto';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { secretNames } from '../platform/secret-store';

/**
 * Stores the client secret of the customer's Intercom app and returns the workspace's webhook URL.
 * Steps: require a live token connection; keep its webhook key or draw a new one (256 random bits);
 * store the secret; point the route at the new secret version, so the old one stops working at once.
 */
export async function setWebhookSecret(deps: Dependencies, input: { workspaceId: string; clientSecret: string }) {
  const connection = await deps.connections.get(input.workspaceId);
  if (!connection || connection.status === 'disconnected') {
    throw new ConflictError('Connect Intercom with an access token first.', 'intercom_not_connected');
  }
  if (connection.method === 'oauth') {
    throw new ConflictError(
      "Workspaces connected by OAuth receive webhooks through Timebook's app; no client secret is needed.",
      'oauth_webhooks_managed',
    );
  }
  const key = connection.webhook.key ?? randomBytes(32).toString('base64url');
  const secretVersion = await deps.secrets.put(
    secretNames.webhookSecret(deps.config.SECRETS_PREFIX, input.workspaceId, connection.connectionId),
    input.clientSecret,
  );
  await deps.connections.saveWebhookSecret(connection, { key, appId: connection.intercom.appId, secretVersion }, deps.clock());
  return { webhookUrl: webhookUrl(deps.config.PUBLIC_BASE_URL, key) };
}

export function webhookUrl(publicBaseUrl: string | undefined, key: string): string {
  if (!publicBaseUrl) throw new Error('PUBLIC_BASE_URL is not configured');
  return `${publicBaseUrl}/v1/webhooks/intercom/${key}`;
}
