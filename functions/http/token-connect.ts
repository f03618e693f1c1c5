import { connectWithToken } from '../../lib/connect/connect-token';
import { tokenConnectBody } from '../../lib/connect/requests.schema';
import { adminVerifier, dependencies } from '../../lib/platform/dependencies';
import { adminHttpHandler, json, parseJsonBody } from '../../lib/platform/http';

/** `POST /v1/workspaces/{workspaceId}/intercom/token` */
export const handler = adminHttpHandler(adminVerifier, async (event, { workspaceId, admin }) => {
  const { accessToken } = parseJsonBody(event, tokenConnectBody);
  return json(200, await connectWithToken(dependencies(), { workspaceId, accessToken, admin }));
});
