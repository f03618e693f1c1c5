import { IntercomTokenInvalidError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { secretNames } from '../platform/secret-store';
import { isLive, type Connection } from './connection';

/**
 * Runs an Intercom call with the token of the workspace's current connection (read from the table,
 * so a call never uses a connection that was replaced or disconnected). `readSince` asks for a token read from
 * Secrets Manager at or after that time rather than one this process cached earlier (the contact
 * sync passes its backfill's start, so a workspace connected to another Intercom workspace since is
 * never read with the former one's token). If Intercom refuses a token, it is read again at once:
 * the workspace may have reconnected since this process cached it, and then the call is made once
 * more with the new one. A token that is still refused marks the connection `needs_reauth` (with
 * the time and Intercom's code) before the error goes on; a missing permission is not a dead token
 * and changes nothing.
 */
export async function withWorkspaceToken<T>(
  deps: Pick<Dependencies, 'secrets' | 'connections' | 'config' | 'clock'>,
  workspaceId: string,
  call: (token: string) => Promise<T>,
  options: { readSince?: Date } = {},
): Promise<T> {
  const connection = await deps.connections.get(workspaceId);
  if (!isLive(connection)) throw notConnected();
  const name = secretNames.accessToken(deps.config.SECRETS_PREFIX, workspaceId, connection.connectionId);
  const token = await deps.secrets.get(name, { readSince: options.readSince });
  if (!token) throw notConnected();
  try {
    return await call(token.value);
  } catch (error) {
    if (!(error instanceof IntercomTokenInvalidError)) throw error;
    const current = await deps.secrets.get(name, { fresh: true });
    if (current && current.version !== token.version) return reauthIfRefused(deps, connection, () => call(current.value));
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
