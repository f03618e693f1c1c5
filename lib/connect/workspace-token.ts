import type { IntercomClient } from '../intercom/client';
import { IntercomTokenInvalidError } from '../intercom/errors';
import { regionOf, type IntercomRegion } from '../intercom/regions';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { secretNames } from '../platform/secret-store';

/**
 * Runs an Intercom call with the workspace's stored token, on the client of its region's API host.
 * `region` is the connection's, from a record the caller has already read; without it the
 * connection is read here. `readSince` asks for a token read from Secrets Manager at or after that
 * time rather than one this process cached earlier (the contact sync passes its backfill's start,
 * so a workspace connected to another Intercom workspace since is never read with the former one's
 * token). If Intercom refuses a token, it is read again at once: the workspace may have reconnected
 * since this process cached it, and then the call is made once more with the new one, on the host
 * of the connection as it is now. A token that is still refused marks the connection
 * `needs_reauth` (with the time and Intercom's code) before the error goes on; a missing
 * permission is not a dead token and changes nothing.
 */
export async function withWorkspaceToken<T>(
  deps: Pick<Dependencies, 'secrets' | 'connections' | 'config' | 'clock' | 'intercom'>,
  workspaceId: string,
  call: (token: string, intercom: IntercomClient) => Promise<T>,
  options: { readSince?: Date; region?: IntercomRegion } = {},
): Promise<T> {
  const intercom = await regionalClient(deps, workspaceId, options.region);
  const name = secretNames.accessToken(deps.config.SECRETS_PREFIX, workspaceId);
  const token = await deps.secrets.get(name, { readSince: options.readSince });
  if (!token) throw new ConflictError('Intercom is not connected for this workspace.', 'intercom_not_connected');
  try {
    return await call(token.value, intercom);
  } catch (error) {
    if (!(error instanceof IntercomTokenInvalidError)) throw error;
    const current = await deps.secrets.get(name, { fresh: true });
    if (current && current.version !== token.version) {
      const reconnected = await regionalClient(deps, workspaceId);
      return reauthIfRefused(deps, workspaceId, () => call(current.value, reconnected));
    }
    await markNeedsReauth(deps, workspaceId, error);
    throw error;
  }
}

/** The client of the workspace's Intercom region; a workspace never connected is called on the US host. */
async function regionalClient(deps: Pick<Dependencies, 'connections' | 'intercom'>, workspaceId: string, region?: IntercomRegion) {
  return deps.intercom.forRegion(region ?? regionOf((await deps.connections.get(workspaceId))?.intercom.region));
}

async function reauthIfRefused<T>(deps: Pick<Dependencies, 'connections' | 'clock'>, workspaceId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof IntercomTokenInvalidError) await markNeedsReauth(deps, workspaceId, error);
    throw error;
  }
}

function markNeedsReauth(deps: Pick<Dependencies, 'connections' | 'clock'>, workspaceId: string, error: IntercomTokenInvalidError) {
  return deps.connections.markNeedsReauth(workspaceId, error.code ?? 'unauthorized', deps.clock());
}
