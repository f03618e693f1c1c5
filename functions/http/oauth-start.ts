import { startOAuth } from '../../lib/connect/oauth';
import { adminVerifier, dependencies } from '../../lib/platform/dependencies';
import { adminHttpHandler, json } from '../../lib/platform/http';

/** `POST /v1/workspaces/{workspaceId}/intercom/oauth/start` */
export const handler = adminHttpHandler(adminVerifier, async (_event, { workspaceId, admin }) =>
  json(200, await startOAuth(dependencies(), { workspaceId, admin })),
);
