import { disconnect, getStatus, listTags, updateSettings } from '../../lib/connect/manage-connection';
import { settingsBody } from '../../lib/connect/requests.schema';
import { adminVerifier, dependencies } from '../../lib/platform/dependencies';
import { NotFoundError } from '../../lib/platform/errors';
import { adminHttpHandler, json, parseJsonBody, type AdminRequest, type HttpEvent, type HttpResult } from '../../lib/platform/http';

type Route = (event: HttpEvent, request: AdminRequest) => Promise<HttpResult>;

/** The admin reads and settings of a workspace's Intercom connection, by API Gateway route key. */
const routes: Record<string, Route> = {
  'GET /v1/workspaces/{workspaceId}/intercom': async (_event, { workspaceId }) =>
    json(200, await getStatus(dependencies(), workspaceId)),
  'PATCH /v1/workspaces/{workspaceId}/intercom/settings': async (event, { workspaceId }) =>
    json(200, await updateSettings(dependencies(), workspaceId, parseJsonBody(event, settingsBody))),
  'GET /v1/workspaces/{workspaceId}/intercom/tags': async (_event, { workspaceId }) =>
    json(200, await listTags(dependencies(), workspaceId)),
  'DELETE /v1/workspaces/{workspaceId}/intercom': async (_event, { workspaceId }) => {
    await disconnect(dependencies(), workspaceId);
    return json(204);
  },
};

export const handler = adminHttpHandler(adminVerifier, async (event, request) => {
  const route = routes[event.routeKey];
  if (!route) throw new NotFoundError(`No route ${event.routeKey}.`);
  return route(event, request);
});
