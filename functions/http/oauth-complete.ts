import { completeOAuth } from '../../lib/connect/oauth';
import { oauthCompleteBody } from '../../lib/connect/requests.schema';
import { adminVerifier, dependencies } from '../../lib/platform/dependencies';
import { adminHttpHandler, json, parseJsonBody } from '../../lib/platform/http';

/** `POST /v1/workspaces/{workspaceId}/intercom/oauth/complete` */
export const handler = adminHttpHandler(adminVerifier, async (event, { workspaceId, admin }) => {
  const { code, state } = parseJsonBody(event, oauthCompleteBody);
  return json(200, await completeOAuth(dependencies(), { workspaceId, admin, code, state }));
});
