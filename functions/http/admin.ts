import { previewQuery } from '../../lib/canvas/canvas-request.schema';
import { previewCanvas } from '../../lib/canvas/inbox-app';
import { disconnect, getStatus, listTags, updateSettings } from '../../lib/connect/manage-connection';
import { listContacts } from '../../lib/contacts/list-contacts';
import { pageQuery } from '../../lib/store/page-cursor';
import { settingsBody } from '../../lib/connect/requests.schema';
import { adminVerifier, dependencies } from '../../lib/platform/dependencies';
import {
  getFeedbackTicket,
  getProductFeedback,
  listFeedback,
  productFeedbackBody,
  productIdSchema,
  putProductFeedback,
} from '../../lib/feedback/manage-feedback';
import { NotFoundError } from '../../lib/platform/errors';
import {
  adminHttpHandler,
  json,
  parseInput,
  parseJsonBody,
  type AdminRequest,
  type HttpEvent,
  type HttpResult,
} from '../../lib/platform/http';

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
  'GET /v1/workspaces/{workspaceId}/intercom/inbox-app/preview': async (event, { workspaceId }) => {
    const { conversationId } = parseInput(previewQuery, event.queryStringParameters ?? {}, 'query');
    return json(200, await previewCanvas(dependencies(), workspaceId, conversationId));
  },
  'GET /v1/workspaces/{workspaceId}/products/{productId}/intercom-feedback': async (event, { workspaceId }) =>
    json(200, await getProductFeedback(dependencies(), workspaceId, productOf(event))),
  'PUT /v1/workspaces/{workspaceId}/products/{productId}/intercom-feedback': async (event, { workspaceId }) => {
    const productId = productOf(event);
    const body = parseJsonBody(event, productFeedbackBody);
    return json(200, await putProductFeedback(dependencies(), { workspaceId, productId, ...body }));
  },
  'GET /v1/workspaces/{workspaceId}/products/{productId}/feedback': async (event, { workspaceId }) => {
    const productId = productOf(event);
    const page = parseInput(pageQuery(), event.queryStringParameters ?? {}, 'query');
    return json(200, await listFeedback(dependencies(), { workspaceId, productId, ...page }));
  },
  'GET /v1/workspaces/{workspaceId}/products/{productId}/feedback/{ticketId}': async (event, { workspaceId }) =>
    json(
      200,
      await getFeedbackTicket(dependencies(), {
        workspaceId,
        productId: productOf(event),
        ticketId: event.pathParameters?.ticketId ?? '',
      }),
    ),

  'GET /v1/workspaces/{workspaceId}/contacts': async (event, { workspaceId }) => {
    const page = parseInput(pageQuery(), event.queryStringParameters ?? {}, 'query');
    return json(200, await listContacts(dependencies(), { workspaceId, ...page }));
  },
};

function productOf(event: HttpEvent): string {
  const productId = productIdSchema.safeParse(event.pathParameters?.productId);
  if (!productId.success) throw new NotFoundError('No such product.', 'product_not_found');
  return productId.data;
}

export const handler = adminHttpHandler(adminVerifier, async (event, request) => {
  const route = routes[event.routeKey];
  if (!route) throw new NotFoundError(`No route ${event.routeKey}.`);
  return route(event, request);
});
