import type { z } from 'zod';
import { isLive, type Connection } from '../connect/connection';
import { sendConversationToProduct } from '../feedback/send-conversation';
import type { ProductFeedback } from '../feedback/product-feedback';
import { ticketPageUrl } from '../feedback/ticket';
import { isValidCanvasSignature } from '../intercom/canvas-signature';
import type { Dependencies } from '../platform/dependencies';
import { BadRequestError, ForbiddenError, HttpError, NotFoundError, PayloadTooLargeError, refusedFields, UnauthorizedError } from '../platform/errors';
import { logger } from '../platform/logger';
import { secretNames, type StoredSecret } from '../platform/secret-store';
import type { ConversationTicket, ListedTicketHeader } from '../store/feedback-store';
import { conversationIdOf, initializeRequestSchema, submitRequestSchema, type InitializeRequest, type SubmitRequest } from './canvas-request.schema';
import { RememberedRoutes } from './remembered-routes';
import { COMPONENT, inboxCanvas, ticketCanvas, type CanvasResponse, type ListedTicket, type Notice } from './canvases';

/**
 * Canvas Kit requests carry the conversation and the contact as Intercom's REST API serializes
 * them; 1 MiB holds a long conversation with room to spare, and is far below API Gateway's and
 * Lambda's limits.
 */
export const MAX_CANVAS_BYTES = 1024 * 1024;

export type CanvasTarget = { kind: 'token'; webhookKey: string } | { kind: 'oauth' };

export interface CanvasInput {
  target: CanvasTarget;
  body: Buffer;
  signature: string | undefined;
}

type CanvasDeps = Pick<Dependencies, 'config' | 'connections' | 'feedback' | 'secrets' | 'contactSync' | 'intercom' | 'clock' | 'writeBacks' | 'writeBackQueue'>;
/** What building a conversation's canvas reads: the store only. */
type ReadDeps = Pick<Dependencies, 'config' | 'connections' | 'feedback'>;

/**
 * Where a canvas URL leads, as its route item says: on a token workspace's URL, the workspace and
 * the connection whose client secret signs the URL's requests; on Timebook's app URL, the workspace
 * connected through the app to that Intercom workspace.
 */
interface TokenRoute {
  kind: 'token';
  workspaceId: string;
  connectionId: string;
  webhookKey: string;
  appId: string;
  secretVersion: string | null;
}
interface AppRoute {
  kind: 'oauth';
  workspaceId: string;
  appId: string;
}
type Route = TokenRoute | AppRoute;

/** The routes this process verified requests with: token workspaces' by webhook key, Timebook's app's by Intercom workspace. */
const tokenRoutes = new RememberedRoutes<TokenRoute>();
const appRoutes = new RememberedRoutes<AppRoute>();

/**
 * A verified request, the Timebook workspace it routes to (none when no workspace is connected to
 * that Intercom workspace) and what its canvas is built from. `loaded.connection` is only the
 * connection the request was verified for: a token URL's replaced connection, or (on Timebook's
 * app URLs) a workspace connected by a pasted token, which answers on its own URL only, counts as none.
 */
interface Verified<T> {
  request: T;
  workspaceId: string | null;
  loaded: Loaded;
}

/** What a canvas is built from, read at once: the connection, the products with feedback on, the conversation's tickets. */
interface Loaded {
  connection: Connection | undefined;
  products: ProductFeedback[];
  ticketIds: ConversationTicket[];
}

const NOT_CONNECTED: Notice = {
  text: 'Timebook is not connected to this Intercom workspace. A Timebook admin can connect it under Settings → Integrations → Intercom.',
  style: 'error',
};
const NEEDS_REAUTH: Notice = {
  text: 'Intercom no longer accepts Timebook’s access to this workspace. A Timebook admin must reconnect Intercom under Settings → Integrations → Intercom.',
  style: 'error',
};
const SYNC_OFF: Notice = {
  text: 'Intercom feedback is switched off for this Timebook workspace. A Timebook admin can switch it on under Settings → Integrations → Intercom.',
  style: 'muted',
};
const FEEDBACK_OFF: Notice = {
  text: 'No Timebook product takes feedback from Intercom yet. A Timebook admin can switch Intercom feedback on in a product’s settings.',
  style: 'muted',
};

/**
 * Checks a Canvas Kit request, finds its workspace and reads what its canvas is built from.
 * Steps: bound the size (413); find the secret for the URL: the token workspace's client secret by
 * its webhook key (unknown key 404, as for webhooks), or Timebook's OAuth app's; verify
 * `X-Body-Signature` over the raw bytes in constant time (401); parse (400). Then the workspace:
 * on a token workspace's URL the body's `workspace_id` must be its Intercom workspace (403); on
 * the OAuth app's URL it routes, as the OAuth webhook intake does, to the workspace connected to
 * that Intercom workspace through Timebook's app. Since the signature covers `workspace_id`, a body
 * cannot be moved to another workspace without failing it. Then the reads of {@link loadConversation}.
 * Nothing is written.
 *
 * A warm process uses the route it remembers for the URL instead of reading it, and keeps the
 * answer only if the connection it reads with the canvas's data is still the one of that route
 * ({@link holds}). Otherwise, or when the remembered route refuses the request, the answer is
 * made again as above from the stored route, and a route that did not hold is forgotten. So a
 * disconnected workspace, a replaced client secret or a moved connection take effect at once, as
 * on the webhook intake.
 */
async function verify<S extends z.ZodType<InitializeRequest>>(deps: CanvasDeps, input: CanvasInput, schema: S): Promise<Verified<z.infer<S>>> {
  if (input.body.length > MAX_CANVAS_BYTES) throw new PayloadTooLargeError(MAX_CANVAS_BYTES);
  return input.target.kind === 'token' ? verifyOnTokenUrl(deps, input, input.target.webhookKey, schema) : verifyOnAppUrl(deps, input, schema);
}

async function verifyOnTokenUrl<S extends z.ZodType<InitializeRequest>>(deps: CanvasDeps, input: CanvasInput, webhookKey: string, schema: S): Promise<Verified<z.infer<S>>> {
  const remembered = tokenRoutes.get(webhookKey);
  if (remembered) {
    const verified = await onTokenRoute(deps, input, schema, remembered).catch(refusedAsUndefined);
    if (verified && holds(remembered, verified.loaded.connection)) return verified;
    // Refused (which an attacker can make any request): the stored route decides, and is remembered if it holds.
    if (verified) tokenRoutes.forget(webhookKey);
  }
  const stored = await deps.connections.getWebhookRoute(webhookKey);
  if (!stored) throw new NotFoundError('No inbox app is registered at this address.', 'webhook_not_found');
  const route: TokenRoute = { kind: 'token', webhookKey, ...stored };
  const verified = await onTokenRoute(deps, input, schema, route);
  const { connection } = verified.loaded;
  if (holds(route, connection)) tokenRoutes.remember(webhookKey, route);
  return connection?.connectionId === route.connectionId ? verified : { ...verified, loaded: { ...verified.loaded, connection: undefined } };
}

/** A request on a token workspace's URL, verified with the secret `route` names, and its canvas's data. */
async function onTokenRoute<S extends z.ZodType<InitializeRequest>>(deps: CanvasDeps, input: CanvasInput, schema: S, route: TokenRoute): Promise<Verified<z.infer<S>>> {
  const name = secretNames.webhookSecret(deps.config.SECRETS_PREFIX, route.workspaceId, route.connectionId);
  const request = parseSigned(input, await deps.secrets.get(name, { version: route.secretVersion }), schema);
  if (request.workspace_id !== route.appId) {
    throw new ForbiddenError('This request is from another Intercom workspace than this URL belongs to.', 'app_id_mismatch');
  }
  return { request, workspaceId: route.workspaceId, loaded: await loadConversation(deps, route.workspaceId, conversationIdOf(request)) };
}

async function verifyOnAppUrl<S extends z.ZodType<InitializeRequest>>(deps: CanvasDeps, input: CanvasInput, schema: S): Promise<Verified<z.infer<S>>> {
  const request = parseSigned(input, await deps.secrets.get(deps.config.INTERCOM_CLIENT_SECRET_NAME), schema);
  const conversationId = conversationIdOf(request);
  const appId = request.workspace_id;
  const remembered = appRoutes.get(appId);
  if (remembered) {
    const loaded = await loadConversation(deps, remembered.workspaceId, conversationId);
    if (holds(remembered, loaded.connection)) return { request, workspaceId: remembered.workspaceId, loaded };
    appRoutes.forget(appId);
  }
  const stored = await deps.connections.getAppRoute(appId);
  if (!stored) return { request, workspaceId: null, loaded: { connection: undefined, products: [], ticketIds: [] } };
  const route: AppRoute = { kind: 'oauth', workspaceId: stored.workspaceId, appId };
  const loaded = await loadConversation(deps, route.workspaceId, conversationId);
  if (!holds(route, loaded.connection)) return { request, workspaceId: route.workspaceId, loaded: { ...loaded, connection: undefined } };
  appRoutes.remember(appId, route);
  return { request, workspaceId: route.workspaceId, loaded };
}

/** The body, if `secret` signs it (401 otherwise) and it is a request `schema` takes (400 otherwise). */
function parseSigned<S extends z.ZodType<InitializeRequest>>(input: CanvasInput, secret: StoredSecret | undefined, schema: S): z.infer<S> {
  if (!secret || !isValidCanvasSignature(input.body, input.signature, secret.value)) {
    throw new UnauthorizedError('The X-Body-Signature header does not match the body.', 'invalid_signature');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.body.toString('utf8'));
  } catch {
    throw new BadRequestError('The body is not valid JSON.', {}, 'invalid_json');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const fields = refusedFields(result.error);
    throw new BadRequestError(`Not a Canvas Kit request: check ${fields.join(', ')}.`, { fields }, 'invalid_canvas_request');
  }
  return result.data;
}

/**
 * True when the workspace's connection is live and is the one the route was stored with, in each
 * thing the route says of it; then the route item is still as it was, since a route is put and
 * released only in one transaction with its workspace's connection (lib/store/connection-store.ts).
 */
function holds(route: Route, connection: Connection | undefined): connection is Connection {
  if (!isLive(connection) || connection.intercom.appId !== route.appId) return false;
  if (route.kind === 'oauth') return connection.method === 'oauth';
  return (
    connection.connectionId === route.connectionId &&
    connection.webhook.key === route.webhookKey &&
    (connection.webhook.secretVersion ?? null) === route.secretVersion
  );
}

/** A refusal met with a remembered route: the stored route decides instead. */
function refusedAsUndefined(error: unknown): undefined {
  if (error instanceof HttpError) return undefined;
  throw error;
}

/**
 * Reads the workspace's connection with its products with feedback on (one Query), and the
 * conversation's tickets (another), in parallel.
 */
async function loadConversation(deps: ReadDeps, workspaceId: string, conversationId: string): Promise<Loaded> {
  const [{ connection, products }, ticketIds] = await Promise.all([
    deps.connections.getWithFeedbackProducts(workspaceId),
    deps.feedback.conversationTickets(workspaceId, conversationId),
  ]);
  return { connection, products, ticketIds };
}

/** Why a connection cannot send tickets now, as the card says it; undefined when it can. */
function blockedBy(connection: Connection | undefined, products: ProductFeedback[]): Notice | undefined {
  if (!isLive(connection)) return NOT_CONNECTED;
  if (connection.status === 'needs_reauth') return NEEDS_REAUTH;
  if (!connection.settings.syncFeedback) return SYNC_OFF;
  if (products.length === 0) return FEEDBACK_OFF;
  return undefined;
}

function listed(config: ReadDeps['config'], ticket: ListedTicketHeader, names: Map<string, string>): ListedTicket {
  return { id: ticket.id, productName: names.get(ticket.productId) ?? ticket.productId, title: ticket.title, url: ticketPageUrl(config.APP_URL ?? '', ticket.productId, ticket.id) };
}

/**
 * The inbox canvas of a conversation: its tickets, and the form, or why it cannot be sent.
 * Reads the store only (the products with feedback on, the conversation's tickets, the names of
 * their products); never Intercom.
 */
async function conversationCanvas(deps: ReadDeps, workspaceId: string | null, loaded: Loaded, notice?: Notice): Promise<CanvasResponse> {
  const { connection, products } = loaded;
  if (!workspaceId || !isLive(connection)) return inboxCanvas({ tickets: [], products: [], blocked: NOT_CONNECTED });
  const tickets = await deps.feedback.listedTickets(loaded.ticketIds);
  const names = new Map(products.map((product) => [product.productId, product.productName]));
  const unnamed = [...new Set(tickets.map((ticket) => ticket.productId).filter((id) => !names.has(id)))];
  for (const settings of await Promise.all(unnamed.map((id) => deps.feedback.getProductFeedback(workspaceId, id)))) {
    if (settings) names.set(settings.productId, settings.productName);
  }
  return inboxCanvas({
    tickets: tickets.map((ticket) => listed(deps.config, ticket, names)),
    products: products.map((product) => ({ id: product.productId, name: product.productName })),
    blocked: blockedBy(connection, products),
    notice,
  });
}

/**
 * `initialize`: the card Intercom shows in a conversation's details. Steps: verify (see
 * {@link verify}); answer the conversation's tickets and the send form, or a notice saying why the
 * conversation cannot be sent and what to do. No Intercom call, no write.
 */
export async function initializeCanvas(deps: CanvasDeps, input: CanvasInput): Promise<CanvasResponse> {
  const { workspaceId, loaded } = await verify(deps, input, initializeRequestSchema);
  return conversationCanvas(deps, workspaceId, loaded);
}

/**
 * An admin's preview of the inbox app for a conversation (`GET .../intercom/inbox-app/preview`):
 * exactly the canvas `initialize` answers for it, built the same way from the store, with no
 * signature to check (the admin JWT authorises it) and no teammate involved. A workspace without a
 * live connection has no inbox app: 404 `intercom_not_connected`.
 */
export async function previewCanvas(deps: ReadDeps, workspaceId: string, conversationId: string): Promise<CanvasResponse> {
  const loaded = await loadConversation(deps, workspaceId, conversationId);
  if (!isLive(loaded.connection)) {
    throw new NotFoundError('Intercom is not connected for this workspace, so there is no inbox app to preview.', 'intercom_not_connected');
  }
  return conversationCanvas(deps, workspaceId, loaded);
}

/** The product a submit chose: the dropdown's value, or the one product of the send button's id. */
function chosenProduct(request: SubmitRequest): string | undefined {
  if (request.component_id.startsWith(COMPONENT.sendTo)) return request.component_id.slice(COMPONENT.sendTo.length);
  const value = request.input_values[COMPONENT.product];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `submit`: the teammate clicked "Send to Timebook" (or "Send to another product").
 * Steps: verify; "again" answers the form; a workspace that cannot send answers why; a product
 * that is missing, unknown or no longer takes feedback answers the form with a notice; else the
 * conversation is sent to the product (sendConversationToProduct: at most two Intercom calls, none
 * when the product has its ticket already) and the answer shows the ticket. Intercom's failures
 * are thrown, and answered as a canvas by lib/platform/http.ts.
 */
export async function submitCanvas(deps: CanvasDeps, input: CanvasInput): Promise<CanvasResponse> {
  const { request, workspaceId, loaded } = await verify(deps, input, submitRequestSchema);
  const { connection } = loaded;
  const canSend = workspaceId && isLive(connection) && connection.status === 'connected' && connection.settings.syncFeedback;
  if (request.component_id === COMPONENT.again || !canSend) return conversationCanvas(deps, workspaceId, loaded);

  const productId = chosenProduct(request);
  if (!productId) return conversationCanvas(deps, workspaceId, loaded, { text: 'Choose a product first.', style: 'error' });
  const product = loaded.products.find((candidate) => candidate.productId === productId);
  if (!product) {
    return conversationCanvas(deps, workspaceId, loaded, { text: 'That product does not take feedback from Intercom (any more). Choose another.', style: 'error' });
  }

  const title = typeof request.input_values[COMPONENT.title] === 'string' ? (request.input_values[COMPONENT.title] as string).trim() : '';
  const outcome = await sendConversationToProduct(deps, connection, {
    conversationId: conversationIdOf(request),
    productId: product.productId,
    sentBy: { adminId: request.admin.id, name: request.admin.name, email: request.admin.email },
    title: title || undefined,
  });
  if (outcome.kind === 'not_created') {
    return conversationCanvas(deps, workspaceId, loaded, { text: 'The ticket could not be made: Intercom feedback was switched off meanwhile.', style: 'error' });
  }
  logger.info('Conversation sent from the inbox app', { workspaceId, productId: product.productId, ticketId: outcome.ticket.id, outcome: outcome.kind });
  const names = new Map([[product.productId, product.productName]]);
  return ticketCanvas({ ticket: listed(deps.config, outcome.ticket, names), created: outcome.kind === 'created' });
}
