import { IntercomTokenInvalidError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { secretNames } from '../platform/secret-store';

/**
 * Runs an Intercom call with the workspace's stored token. If Intercom says the token is dead,
 * the connection is marked `needs_reauth` (with the time and Intercom's code) before the error
 * goes on; a missing permission is not a dead token and changes nothing.
 */
export async function withWorkspaceToken<T>(
  deps: Pick<Dependencies, 'secrets' | 'connections' | 'config' | 'clock'>,
  workspaceId: string,
  call: (token: string) => Promise<T>,
): Promise<T> {
  const token = await deps.secrets.get(secretNames.accessToken(deps.config.SECRETS_PREFIX, workspaceId));
  if (!token) throw new ConflictError('Intercom is not connected for this workspace.', 'intercom_not_connected');
  try {
    return await call(token.value);
  } catch (error) {
    if (error instanceof IntercomTokenInvalidError) {
      await deps.connections.markNeedsReauth(workspaceId, error.code ?? 'unauthorized', deps.clock());
    }
    throw error;
  }
}
