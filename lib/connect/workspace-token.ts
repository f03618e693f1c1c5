import type { IntercomClient } from '../intercom/client';
import { IntercomTokenInvalidError } from '../intercom/errors';
import { regionOf } from '../intercom/regions';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { secretNames } from '../platform/secret-store';
import { isLive, type Connection } from './connection';

/**
 * Runs an Intercom call with the token of the workspace's current connection, on the client of its
 * region's API host. `connection` is the workspace's connection as the caller has just read it;
 * without it, it is read here, so a call never uses a connection that was replaced or disconnected
 * (a replaced connection's secrets have other names). If Intercom refuses a token, it is read again
 * at once: the same connection may have taken a new token since this process cached it (a token
 * replacing a live one to the same Intercom workspace), and then the call is made once more with it.
 * A token that is still refused marks the connection `needs_reauth` (with the time and Intercom's
 * code) before the error goes on; a missing permission is not a dead token and changes nothing.
 * `freshToken` reads the token from Secrets Manager whatever this process cached (an admin's check
 * of a permission must not use a token another connect has replaced since).
 */
export async function withWorkspaceToken<T>(
  deps: Pick<Dependencies, 'secrets' | 'connections' | 'config' | 'clock' | 'intercom'>,
  workspaceId: string,
  call: (token: string, intercom: IntercomClient) => Promise<T>,
  options: { connection?: Connection; freshToken?: boolean } = {},
): Promise<T> {
  const connection = options.connection ?? (await deps.connections.get(workspaceId));
  if (!isLive(connection)) throw notConnected();
  const intercom = deps.intercom.forRegion(regionOf(connection.intercom.region));
  const name = secretNames.accessToken(deps.config.SECRETS_PREFIX, workspaceId, connection.connectionId);
  const token = await deps.secrets.get(name, { fresh: options.freshToken });
  if (!token) throw notConnected();
  try {
    return await call(token.value, intercom);
  } catch (error) {
    if (!(error instanceof IntercomTokenInvalidError)) throw error;
    const current = await deps.secrets.get(name, { fresh: true });
    if (current && current.version !== token.version) return reauthIfRefused(deps, connection, () => call(current.value, intercom));
    await markNeedsReauth(deps, connection, error);
    throw error;
  }
}

function notConnected() {
  return new ConflictError('Intercom is not connected for this workspace.', 'intercom_not_connected');
}

async function reauthIfRefused<T>(deps: Pick<Dependencies, 'connections' | 'clock'>, connection: Connection, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof IntercomTokenInvalidError) await markNeedsReauth(deps, connection, error);
    throw error;
  }
}

function markNeedsReauth(deps: Pick<Dependencies, 'connections' | 'clock'>, connection: Connection, error: IntercomTokenInvalidError) {
  return deps.connections.markNeedsReauth(connection, error.code ?? 'unauthorized', deps.clock());
}
