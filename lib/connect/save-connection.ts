import { followConnectedWorkspace } from '../contacts/sync-control';
import type { Dependencies } from '../platform/dependencies';
import { secretNames } from '../platform/secret-store';
import type { Connection } from './connection';

/**
 * The last steps of every connect, by OAuth or by token. Steps: store the token under the new
 * connection's name; save the connection, on the condition that the stored one is still `previous`
 * (a refused save deletes the new token again); let the contact sync follow it; delete the previous
 * connection's secrets, unless the new connection keeps them.
 */
export async function saveConnection(
  deps: Dependencies,
  input: { connection: Connection; previous: Connection | undefined; accessToken: string },
): Promise<void> {
  const { connection, previous } = input;
  const replacesPrevious = previous !== undefined && previous.connectionId !== connection.connectionId;
  const tokenName = secretNames.accessToken(deps.config.SECRETS_PREFIX, connection.workspaceId, connection.connectionId);
  await deps.secrets.put(tokenName, input.accessToken);
  try {
    await deps.connections.saveConnected(connection, previous);
  } catch (error) {
    if (previous?.connectionId !== connection.connectionId) await deps.secrets.delete(tokenName);
    throw error;
  }
  await followConnectedWorkspace(deps, connection);
  if (replacesPrevious) await deleteConnectionSecrets(deps, previous);
}

/** Deletes a connection's token and webhook secret; secrets already gone are fine. */
export async function deleteConnectionSecrets(deps: Pick<Dependencies, 'secrets' | 'config'>, connection: Connection): Promise<void> {
  const prefix = deps.config.SECRETS_PREFIX;
  await deps.secrets.delete(secretNames.accessToken(prefix, connection.workspaceId, connection.connectionId));
  await deps.secrets.delete(secretNames.webhookSecret(prefix, connection.workspaceId, connection.connectionId));
}
