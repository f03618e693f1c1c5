import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNotificationEnvelope, signNotification, webhookHeaders, type CreatedWorkspace } from '../../dev/intercom-simulator';
import { oauthFlow } from '../../dev/oauth-flow';
import { waitFor } from '../../dev/processes';
import type { ApiResponse } from '../../dev/api-client';
import { adminToken, api, newWorkspaceId } from '../support/api';
import { simulator, waitUntilProcessed } from '../support/feedback-world';
import { stack } from '../support/local-stack';
import { SEEDED_CONTACT_TIMES } from '../support/seed-times';
import {
  OpenApiContract,
  compareRoutes,
  declaredRoutes,
  describedRoutes,
  loadOpenApi,
  loadServerlessConfig,
} from '../support/openapi';

const contract = new OpenApiContract(loadOpenApi());

const HEALTH = 'GET /v1/health';
const OAUTH_START = 'POST /v1/workspaces/{workspaceId}/intercom/oauth/start';
const OAUTH_CALLBACK = 'GET /v1/intercom/oauth/callback';
const OAUTH_COMPLETE = 'POST /v1/workspaces/{workspaceId}/intercom/oauth/complete';
const TOKEN = 'POST /v1/workspaces/{workspaceId}/intercom/token';
const WEBHOOK_SECRET = 'PUT /v1/workspaces/{workspaceId}/intercom/webhook-secret';
const STATUS = 'GET /v1/workspaces/{workspaceId}/intercom';
const DISCONNECT = 'DELETE /v1/workspaces/{workspaceId}/intercom';
const SETTINGS = 'PATCH /v1/workspaces/{workspaceId}/intercom/settings';
const TAGS = 'GET /v1/workspaces/{workspaceId}/intercom/tags';
const GET_PRODUCT_FEEDBACK = 'GET /v1/workspaces/{workspaceId}/products/{productId}/intercom-feedback';
const PUT_PRODUCT_FEEDBACK = 'PUT /v1/workspaces/{workspaceId}/products/{productId}/intercom-feedback';
const INBOX = 'GET /v1/workspaces/{workspaceId}/products/{productId}/feedback';
const TICKET = 'GET /v1/workspaces/{workspaceId}/products/{productId}/feedback/{ticketId}';
const CONTACTS = 'GET /v1/workspaces/{workspaceId}/contacts';
const PREVIEW = 'GET /v1/workspaces/{workspaceId}/intercom/inbox-app/preview';
const TOKEN_WEBHOOK = '/v1/webhooks/intercom/{webhookKey}';
const TOKEN_CANVAS = '/v1/intercom/canvas/{webhookKey}';
const OAUTH_CANVAS = '/v1/intercom/canvas';
const OAUTH_WEBHOOK = '/v1/webhooks/intercom';

const ABSENT_TICKET_ID = `tkt_${'0'.repeat(26)}`;

/** Statuses each described route has answered in this file, for the coverage check at the end. */
const answered = new Map<string, Set<number>>();

interface RouteRequest {
  params?: Record<string, string>;
  query?: Record<string, string>;
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/**
 * Calls a described route through the local API, expects `status`, and checks that the status is
 * documented and the answer matches its description.
 */
async function call(route: string, status: number, request: RouteRequest = {}): Promise<ApiResponse> {
  const [method, template] = route.split(' ') as [string, string];
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = request.params?.[name];
    if (value === undefined) throw new Error(`${route}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
  const response = await api(method, `${path}${query}`, request);
  if (!answered.has(route)) answered.set(route, new Set());
  answered.get(route)!.add(response.status);
  expect(response.status, `${route}: ${response.text}`).toBe(status);
  expect(contract.check(route, response), `${route} ${response.status}: ${response.text}`).toEqual([]);
  return response;
}

/** A signed notification for a workspace's URL, built by the simulator from its Intercom data. */
async function signed(input: Parameters<typeof simulator.buildWebhook>[0]) {
  const built = await simulator.buildWebhook(input);
  return { rawBody: built.body, headers: built.headers, envelope: built.envelope };
}

/** A Canvas Kit request for the conversation, built and signed by the simulator as an inbox sends it (not sent). */
async function canvasRequest(step: 'initialize' | 'submit', input: Omit<Parameters<typeof simulator.canvasSubmit>[1], 'url' | 'dryRun'> & { appId: string }) {
  const { appId, ...rest } = input;
  const built = await simulator.canvasSubmit(appId, { ...rest, url: `${stack.apiUrl}/unused`, dryRun: true });
  const body = step === 'initialize' ? JSON.stringify({ ...JSON.parse(built.body), component_id: undefined, input_values: undefined }) : built.body;
  return { rawBody: body, headers: { 'content-type': 'application/json', 'x-body-signature': createHmac('sha256', input.secret ?? '').update(body).digest('hex') } };
}

/** Bytes signed for a canvas route with `secret`, whatever they are. */
function canvasBytes(rawBody: string, secret: string) {
  return { rawBody, headers: { 'content-type': 'application/json', 'x-body-signature': createHmac('sha256', secret).update(rawBody).digest('hex') } };
}

/** Bytes signed with `secret`, whatever they are. */
function signedBytes(rawBody: string, secret: string) {
  return { rawBody, headers: webhookHeaders(rawBody, secret) };
}

describe('docs/openapi.yaml', () => {
  it('describes exactly the HTTP routes that serverless.yml declares', () => {
    const declared = declaredRoutes(loadServerlessConfig());
    expect(declared).toContain(HEALTH);
    expect(compareRoutes(declared, describedRoutes(contract.doc))).toEqual({ undescribed: [], undeclared: [] });
  });
});

describe('GET /v1/health', () => {
  it('answers as described', async () => {
    const response = await call(HEALTH, 200);
    expect(response.body.ok).toBe(true);
  });
});

describe('admin authentication, on every route that takes an admin JWT', () => {
  const adminRoutes = describedRoutes(contract.doc).filter((route) => contract.requires(route, 'adminJwt'));
  const params = (workspaceId: string) => ({ workspaceId, productId: 'prod_a', ticketId: ABSENT_TICKET_ID });

  it('covers the admin routes', () => {
    expect(adminRoutes).toContain(STATUS);
    expect(adminRoutes).toContain(CONTACTS);
    expect(adminRoutes).not.toContain(HEALTH);
  });

  it.each(adminRoutes)('%s: 401 without a token or with an expired one, 403 for another workspace, 404 for a malformed id', async (route) => {
    const workspaceId = newWorkspaceId();
    const expired = await adminToken([workspaceId], { expiresIn: '-1m' });
    const other = await adminToken([newWorkspaceId('other')]);

    expect((await call(route, 401, { params: params(workspaceId) })).body.error.code).toBe('missing_token');
    expect((await call(route, 401, { params: params(workspaceId), token: expired })).body.error.code).toBe('token_expired');
    expect((await call(route, 403, { params: params(workspaceId), token: other })).body.error.code).toBe('workspace_forbidden');
    expect((await call(route, 404, { params: params('bad.workspace'), token: other })).body.error.code).toBe('not_found');
  });
});

describe('a workspace that never connected', () => {
  const workspaceId = newWorkspaceId();
  const params = { workspaceId, productId: 'prod_a' };
  let token: string;

  beforeAll(async () => {
    token = await adminToken([workspaceId]);
  });

  it('reads as disconnected and refuses what needs a connection', async () => {
    expect((await call(STATUS, 200, { params, token })).body).toMatchObject({ connected: false, status: 'disconnected' });
    expect((await call(SETTINGS, 409, { params, token, body: { syncFeedback: true } })).body.error.code).toBe('intercom_not_connected');
    expect((await call(WEBHOOK_SECRET, 409, { params, token, body: { clientSecret: 'abc' } })).body.error.code).toBe('intercom_not_connected');
    expect((await call(TAGS, 409, { params, token })).body.error.code).toBe('intercom_not_connected');
    expect((await call(DISCONNECT, 404, { params, token })).body.error.code).toBe('intercom_not_connected');
    expect((await call(PREVIEW, 404, { params, token, query: { conversationId: '1' } })).body.error.code).toBe('intercom_not_connected');
    expect((await call(GET_PRODUCT_FEEDBACK, 200, { params, token })).body).toEqual({ enabled: false, triggerTagIds: [], enabledAt: null, productName: 'prod_a' });
    const triggers = await call(PUT_PRODUCT_FEEDBACK, 409, { params, token, body: { enabled: true, triggerTagIds: ['1'] } });
    expect(triggers.body.error.code).toBe('intercom_not_connected');
  });
});

describe('a workspace connected with an access token', () => {
  const workspaceId = newWorkspaceId();
  const params = { workspaceId, productId: 'prod_a' };
  let token: string;
  let intercom: CreatedWorkspace;
  let tagId: string;
  let webhookKey: string;
  let ticketId: string;

  beforeAll(async () => {
    token = await adminToken([workspaceId]);
    intercom = await simulator.createWorkspace({});
    await simulator.createTags(intercom.appId, { names: ['Feature request', 'Bug'] });
    await simulator.seedContacts(intercom.appId, { count: 3, leadRatio: 0.5, seed: 11, ...SEEDED_CONTACT_TIMES });
  });

  it('connects: token, webhook secret, tags and settings', async () => {
    const dead = await call(TOKEN, 422, { params, token, body: { accessToken: 'dG9rOmRlYWQ=' } });
    expect(dead.body.error.code).toBe('intercom_token_invalid');
    expect((await call(TOKEN, 400, { params, token, body: { accessToken: 42 } })).body.error.code).toBe('invalid_request');
    const notJson = await call(TOKEN, 400, { params, token, rawBody: '{', headers: { 'content-type': 'application/json' } });
    expect(notJson.body.error.code).toBe('invalid_json');
    expect((await call(TOKEN, 200, { params, token, body: { accessToken: intercom.accessToken } })).body).toMatchObject({
      connected: true,
      method: 'token',
    });

    expect((await call(WEBHOOK_SECRET, 400, { params, token, body: {} })).body.error.code).toBe('invalid_request');
    const secret = await call(WEBHOOK_SECRET, 200, { params, token, body: { clientSecret: intercom.clientSecret } });
    webhookKey = secret.body.webhookUrl.split('/').pop();

    const tags = await call(TAGS, 200, { params, token });
    tagId = tags.body.tags.find((tag: { name: string }) => tag.name === 'Feature request').id;

    expect((await call(SETTINGS, 400, { params, token, body: {} })).body.error.code).toBe('invalid_request');
    expect((await call(SETTINGS, 200, { params, token, body: { syncFeedback: true } })).body.webhook.secretConfigured).toBe(true);
    expect((await call(STATUS, 200, { params, token })).body.webhook.url).toBe(secret.body.webhookUrl);
  });

  it("sets a product's trigger tags and makes a ticket from a tagged conversation", async () => {
    const badProduct = await call(PUT_PRODUCT_FEEDBACK, 404, {
      params: { ...params, productId: 'bad.product' },
      token,
      body: { enabled: true, triggerTagIds: [tagId] },
    });
    expect(badProduct.body.error.code).toBe('product_not_found');
    const unknown = await call(PUT_PRODUCT_FEEDBACK, 422, { params, token, body: { enabled: true, triggerTagIds: ['no-such-tag'] } });
    expect(unknown.body.error.unknownTagIds).toEqual(['no-such-tag']);
    expect((await call(PUT_PRODUCT_FEEDBACK, 400, { params, token, body: { enabled: 'yes' } })).body.error.code).toBe('invalid_request');
    await call(PUT_PRODUCT_FEEDBACK, 200, { params, token, body: { enabled: true, triggerTagIds: [tagId] } });
    expect((await call(GET_PRODUCT_FEEDBACK, 200, { params, token })).body).toMatchObject({ enabled: true, triggerTagIds: [tagId] });

    const conversation = await simulator.createConversation(intercom.appId, {
      title: 'Export to iCal',
      body: '<p>Could the calendar export to iCal?</p>',
      parts: [
        { kind: 'bot_reply', body: '<p>Thanks! The team will reply soon.</p>' },
        { kind: 'admin_note', body: '<p>Third request this month.</p>' },
      ],
    });
    const secretPart = await simulator.addPart(intercom.appId, conversation.id, { kind: 'user_reply', body: '<p>My card is 4242</p>' });
    await simulator.redact(intercom.appId, conversation.id, { partId: secretPart.part.id });
    const tag = await simulator.tagConversation(intercom.appId, conversation.id, { tagId });
    const notification = await signed({
      appId: intercom.appId,
      topic: 'conversation_part.tag.created',
      conversationId: conversation.id,
      tagId: tag.id,
      partIds: [tag.partId],
    });
    await call(`POST ${TOKEN_WEBHOOK}`, 200, { params: { webhookKey }, ...notification });
    await waitUntilProcessed([notification.envelope.id!]);

    const inbox = await call(INBOX, 200, { params, token, query: { limit: '10' } });
    expect(inbox.body.tickets.map((t: { intercom: { conversationId: string } }) => t.intercom.conversationId)).toEqual([conversation.id]);
    ticketId = inbox.body.tickets[0].id;
    const ticket = await call(TICKET, 200, { params: { ...params, ticketId }, token });
    expect(ticket.body.messages.map((m: { kind: string }) => m.kind)).toEqual(['message', 'message', 'note', 'message']);
    expect(ticket.body.messages.find((m: { id: string }) => m.id === secretPart.part.id)).toMatchObject({ body: '', redacted: true });

    expect((await call(INBOX, 400, { params, token, query: { limit: '0' } })).body.error.code).toBe('invalid_request');
    expect((await call(INBOX, 400, { params, token, query: { cursor: 'bm90LWEtY3Vyc29y' } })).body.error.code).toBe('invalid_cursor');
    expect((await call(TICKET, 404, { params: { ...params, ticketId: ABSENT_TICKET_ID }, token })).body.error.code).toBe('ticket_not_found');
  });

  it('receives webhooks at its URL only when signed for its Intercom workspace', async () => {
    const params = { webhookKey };
    await call(`HEAD ${TOKEN_WEBHOOK}`, 200, { params });
    await call(`GET ${TOKEN_WEBHOOK}`, 200, { params });
    await call(`POST ${TOKEN_WEBHOOK}`, 200, { params, ...(await signed({ appId: intercom.appId, topic: 'ping' })) });

    const forged = await signed({ appId: intercom.appId, topic: 'ping', secret: 'not-the-client-secret' });
    expect((await call(`POST ${TOKEN_WEBHOOK}`, 401, { params, ...forged })).body.error.code).toBe('invalid_signature');
    const unknownUrl = await call(`POST ${TOKEN_WEBHOOK}`, 404, {
      params: { webhookKey: 'no-such-key' },
      ...(await signed({ appId: intercom.appId, topic: 'ping' })),
    });
    expect(unknownUrl.body.error.code).toBe('webhook_not_found');
    const otherApp = signNotification(
      buildNotificationEnvelope({ appId: 'another_app', topic: 'ping', item: { type: 'ping', message: 'hi' } }),
      intercom.clientSecret,
    );
    expect((await call(`POST ${TOKEN_WEBHOOK}`, 403, { params, rawBody: otherApp.body, headers: otherApp.headers })).body.error.code).toBe(
      'app_id_mismatch',
    );
    const notJson = signedBytes('{', intercom.clientSecret);
    expect((await call(`POST ${TOKEN_WEBHOOK}`, 400, { params, ...notJson })).body.error.code).toBe('invalid_json');
    const notANotification = signedBytes('{"hello":"world"}', intercom.clientSecret);
    const invalid = await call(`POST ${TOKEN_WEBHOOK}`, 400, { params, ...notANotification });
    expect(invalid.body.error).toMatchObject({ code: 'invalid_notification', fields: expect.arrayContaining(['type', 'app_id']) });
    const tooLarge = signedBytes(JSON.stringify({ padding: 'x'.repeat(250 * 1024) }), intercom.clientSecret);
    expect((await call(`POST ${TOKEN_WEBHOOK}`, 413, { params, ...tooLarge })).body.error.code).toBe('payload_too_large');
  });

  it("answers its inbox app's requests, signed with its client secret, at its webhook key", async () => {
    const status = await call(STATUS, 200, { params, token });
    expect(status.body.inboxApp.initializeUrl).toBe(`${stack.apiUrl}/v1/intercom/canvas/${webhookKey}/initialize`);
    const conversation = await simulator.createConversation(intercom.appId, { body: '<p>Dark mode, please.</p>' });
    const request = { appId: intercom.appId, conversationId: conversation.id, secret: intercom.clientSecret, componentId: 'send', inputValues: { product: 'prod_a' } };
    const card = await call(`POST ${TOKEN_CANVAS}/initialize`, 200, { params: { webhookKey }, ...(await canvasRequest('initialize', request)) });
    expect(JSON.stringify(card.body)).toContain('Send to Timebook');
    const sent = await call(`POST ${TOKEN_CANVAS}/submit`, 200, { params: { webhookKey }, ...(await canvasRequest('submit', request)) });
    expect(sent.body.canvas.content.components.map((c: { text?: string }) => c.text)).toContain('Sent to prod\\_a.');

    // The console's preview answers the card initialize answers now: the ticket listed, and the form.
    const preview = await call(PREVIEW, 200, { params, token, query: { conversationId: conversation.id } });
    const again = await call(`POST ${TOKEN_CANVAS}/initialize`, 200, { params: { webhookKey }, ...(await canvasRequest('initialize', request)) });
    expect(preview.body).toEqual(again.body);
    expect(JSON.stringify(preview.body)).toContain('"subtitle":"Dark mode, please."');
    expect((await call(PREVIEW, 400, { params, token })).body.error.code).toBe('invalid_request');
    expect((await call(PREVIEW, 400, { params, token, query: { conversationId: 'not/an id' } })).body.error.code).toBe('invalid_request');

    for (const step of ['initialize', 'submit']) {
      const route = `POST ${TOKEN_CANVAS}/${step}`;
      const forged = await canvasRequest('submit', { ...request, secret: 'not-the-client-secret' });
      expect((await call(route, 401, { params: { webhookKey }, ...forged })).body.error.code).toBe('invalid_signature');
      expect((await call(route, 404, { params: { webhookKey: 'no-such-key' }, ...(await canvasRequest('submit', request)) })).body.error.code).toBe('webhook_not_found');
      const otherApp = canvasBytes(JSON.stringify({ workspace_id: 'another_app', admin: { id: '1' }, context: { conversation_id: 1 }, component_id: 'send' }), intercom.clientSecret);
      expect((await call(route, 403, { params: { webhookKey }, ...otherApp })).body.error.code).toBe('app_id_mismatch');
      expect((await call(route, 400, { params: { webhookKey }, ...canvasBytes('{', intercom.clientSecret) })).body.error.code).toBe('invalid_json');
      const notCanvas = await call(route, 400, { params: { webhookKey }, ...canvasBytes('{"hello":"world"}', intercom.clientSecret) });
      expect(notCanvas.body.error).toMatchObject({ code: 'invalid_canvas_request', fields: expect.arrayContaining(['workspace_id', 'admin']) });
      const tooLarge = canvasBytes(JSON.stringify({ padding: 'x'.repeat(1024 * 1024) }), intercom.clientSecret);
      expect((await call(route, 413, { params: { webhookKey }, ...tooLarge })).body.error.code).toBe('payload_too_large');
    }
  });

  it('switches contact sync on and lists the copied contacts page by page', async () => {
    const switched = await call(SETTINGS, 200, { params, token, body: { syncContacts: true } });
    expect(switched.body.settings.syncContacts).toBe(true);
    await waitFor(
      'the contact backfill to complete',
      async () => (await call(STATUS, 200, { params, token })).body.contactsSync.state === 'completed',
      60_000,
    );

    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await call(CONTACTS, 200, { params, token, query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      expect(page.body.contacts.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.contacts.map((contact: { id: string }) => contact.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    // The three seeded contacts and the conversation's customer.
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await call(CONTACTS, 400, { params, token, query: { limit: '101' } })).body.error.code).toBe('invalid_request');
    expect((await call(CONTACTS, 400, { params, token, query: { cursor: 'bm90LWEtY3Vyc29y' } })).body.error.code).toBe('invalid_cursor');
  });

  it('disconnects, after which its webhook URL is gone', async () => {
    await call(DISCONNECT, 204, { params, token });
    expect((await call(STATUS, 200, { params, token })).body).toMatchObject({ connected: false, status: 'disconnected', webhook: { url: null } });
    const ping = await signed({ appId: intercom.appId, topic: 'ping' });
    await call(`POST ${TOKEN_WEBHOOK}`, 404, { params: { webhookKey }, ...ping });
    // The ticket outlives the connection.
    await call(TICKET, 200, { params: { ...params, ticketId }, token });
  });
});

describe('a workspace connected by OAuth', () => {
  const workspaceId = newWorkspaceId();
  const params = { workspaceId };
  let token: string;
  let intercom: CreatedWorkspace;

  beforeAll(async () => {
    token = await adminToken([workspaceId]);
    intercom = await simulator.createWorkspace({});
  });

  it('connects through the consent page and the frontend; a callback without state is refused by redirect', async () => {
    const start = await call(OAUTH_START, 200, { params, token });
    const flow = oauthFlow(api, simulator);
    const callbackUrl = await flow.consent(new URL(start.body.authorizeUrl), intercom.appId);
    const forwarded = await call(OAUTH_CALLBACK, 302, { query: Object.fromEntries(callbackUrl.searchParams) });
    const page = new URL(forwarded.headers.get('location')!);
    const body = { code: page.searchParams.get('code'), state: page.searchParams.get('state') };
    expect(body.code).toBeTruthy();
    const refused = await call(OAUTH_CALLBACK, 302, { query: { code: 'abc' } });
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('missing_state');

    const bad = await call(OAUTH_COMPLETE, 400, { params, token, body: { code: body.code } });
    expect(bad.body.error.code).toBe('invalid_request');
    const otherAdmin = await adminToken([workspaceId], { sub: 'someone-else' });
    expect((await call(OAUTH_COMPLETE, 400, { params, token: otherAdmin, body })).body.error.code).toBe('oauth_state_invalid');
    await call(OAUTH_COMPLETE, 401, { params, body });
    await call(OAUTH_COMPLETE, 403, { params: { workspaceId: newWorkspaceId() }, token, body });
    expect((await call(OAUTH_COMPLETE, 200, { params, token, body })).body).toMatchObject({ connected: true, method: 'oauth' });
    expect((await call(STATUS, 200, { params, token })).body).toMatchObject({ connected: true, method: 'oauth' });
    const managed = await call(WEBHOOK_SECRET, 409, { params, token, body: { clientSecret: 'abc' } });
    expect(managed.body.error.code).toBe('oauth_webhooks_managed');
  });

  it("receives webhooks for its Intercom workspace at Timebook's app URL", async () => {
    await call(`HEAD ${OAUTH_WEBHOOK}`, 200);
    await call(`GET ${OAUTH_WEBHOOK}`, 200);
    const appSecret = stack.intercomClientSecret;
    await call(`POST ${OAUTH_WEBHOOK}`, 200, await signed({ appId: intercom.appId, topic: 'ping', secret: appSecret }));

    const forged = await signed({ appId: intercom.appId, topic: 'ping', secret: 'not-the-app-secret' });
    expect((await call(`POST ${OAUTH_WEBHOOK}`, 401, forged)).body.error.code).toBe('invalid_signature');
    const stranger = await simulator.createWorkspace({});
    const unrouted = await call(`POST ${OAUTH_WEBHOOK}`, 404, await signed({ appId: stranger.appId, topic: 'ping', secret: appSecret }));
    expect(unrouted.body.error.code).toBe('webhook_not_found');
    const notJson = signedBytes('[', appSecret);
    expect((await call(`POST ${OAUTH_WEBHOOK}`, 400, notJson)).body.error.code).toBe('invalid_json');
    const tooLarge = signedBytes(JSON.stringify({ padding: 'x'.repeat(250 * 1024) }), appSecret);
    expect((await call(`POST ${OAUTH_WEBHOOK}`, 413, tooLarge)).body.error.code).toBe('payload_too_large');
  });

  it("answers the inbox app's requests at Timebook's app URLs, routed by workspace_id", async () => {
    const appSecret = stack.intercomClientSecret;
    const status = await call(STATUS, 200, { params, token });
    expect(status.body.inboxApp).toEqual({ initializeUrl: `${stack.apiUrl}/v1/intercom/canvas/initialize`, submitUrl: `${stack.apiUrl}/v1/intercom/canvas/submit` });
    const conversation = await simulator.createConversation(intercom.appId, { body: '<p>Dark mode, please.</p>' });
    const request = { appId: intercom.appId, conversationId: conversation.id, secret: appSecret, componentId: 'send', inputValues: { product: 'prod_a' } };
    for (const step of ['initialize', 'submit'] as const) {
      const route = `POST ${OAUTH_CANVAS}/${step}`;
      const card = await call(route, 200, await canvasRequest(step, request));
      // No product of this workspace takes feedback: the card says so.
      expect(JSON.stringify(card.body)).toContain('No Timebook product takes feedback from Intercom yet.');
      expect((await call(route, 401, await canvasRequest(step, { ...request, secret: intercom.clientSecret }))).body.error.code).toBe('invalid_signature');
      expect((await call(route, 400, canvasBytes('[', appSecret))).body.error.code).toBe('invalid_json');
      const tooLarge = canvasBytes(JSON.stringify({ padding: 'x'.repeat(1024 * 1024) }), appSecret);
      expect((await call(route, 413, tooLarge)).body.error.code).toBe('payload_too_large');
    }
  });

  it('disconnects', async () => {
    await call(DISCONNECT, 204, { params, token });
    expect((await call(STATUS, 200, { params, token })).body.connected).toBe(false);
  });
});

describe('coverage', () => {
  it('has exercised every described route with a success, and with an error wherever one is described', () => {
    const gaps = describedRoutes(contract.doc).flatMap((route) => {
      const seen = [...(answered.get(route) ?? [])];
      const documented = contract.documentedStatuses(route);
      const missing: string[] = [];
      if (!seen.some((status) => status < 400)) missing.push(`${route}: no success answer`);
      if (documented.some((status) => status.startsWith('4')) && !seen.some((status) => status >= 400 && status < 500)) {
        missing.push(`${route}: no 4xx answer`);
      }
      return missing;
    });
    expect(gaps).toEqual([]);
  });
});
