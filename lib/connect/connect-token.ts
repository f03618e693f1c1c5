import type { Admin } from '../platform/admin-auth';
import type { Dependencies } from '../platform/dependencies';
import { UnprocessableError } from '../platform/errors';
import { IntercomPermissionError, IntercomTokenInvalidError } from '../intercom/errors';
import { regionOf } from '../intercom/regions';
import { isLive, newConnection } from './connection';
import { checkPermissions, missingOptionalPermissions, PERMISSIONS } from './permissions';
import { saveConnection } from './save-connection';
import { toStatus } from './status';

/**
 * Connects a workspace with an access token from the customer's own Intercom app.
 * Steps: identify the Intercom workspace and its region with `GET /me` (on the US host, which
 * answers for every region); probe every required permission on the region's host; only then
 * store the token in Secrets Manager and record the connection. Optional permissions (write-back's
 * "Write conversations") are probed too and reported as `permissions.missingOptional`, never
 * refused. A token that replaces a live token connection to the same Intercom workspace keeps the
 * webhook URL and secret.
 */
export async function connectWithToken(
  deps: Dependencies,
  input: { workspaceId: string; accessToken: string; admin: Admin },
) {
  const { workspaceId, accessToken, admin } = input;
  let me;
  try {
    me = await deps.intercom.me(accessToken);
  } catch (error) {
    if (error instanceof IntercomTokenInvalidError) {
      throw new UnprocessableError('intercom_token_invalid', 'Intercom does not accept this access token.');
    }
    if (error instanceof IntercomPermissionError) throw missing([PERMISSIONS.readAdmins]);
    throw error;
  }
  const regional = deps.intercom.forRegion(regionOf(me.app.region));
  const [permissions, missingOptional] = await Promise.all([
    checkPermissions(regional, accessToken),
    missingOptionalPermissions(regional, accessToken),
  ]);
  if (permissions.missing.length > 0) throw missing(permissions.missing);

  const previous = await deps.connections.get(workspaceId);
  const keepWebhook = isLive(previous) && previous.method === 'token' && previous.intercom.appId === me.app.id_code;
  const connection = newConnection({
    workspaceId,
    method: 'token',
    me,
    previous,
    webhook: keepWebhook ? previous.webhook : { key: null, secretConfigured: false, secretVersion: null, lastEventAt: null },
    connectedBy: admin.sub,
    now: deps.clock(),
    keepConnectionId: keepWebhook,
    missingOptional,
  });
  await saveConnection(deps, { connection, previous, accessToken });
  return {
    ...toStatus(connection, deps.config.PUBLIC_BASE_URL),
    permissions: { missingOptional, verified: permissions.verified, unverifiable: permissions.unverifiable },
  };
}

function missing(permissions: string[]) {
  return new UnprocessableError(
    'intercom_permissions_missing',
    `The Intercom app lacks: ${permissions.join(', ')}. Tick them in the app's Authentication page, then connect again.`,
    { missing: permissions },
  );
}
