import { createHmac } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbProxy, type DynamoDbProxy } from '../../dev/dynamodb-proxy';
import type { CanvasExchange, CreatedWorkspace } from '../../dev/intercom-simulator';
import { oauthFlow } from '../../dev/oauth-flow';
import { adminToken, api, newWorkspaceId } from '../support/api';
import { canvasKitErrors, canvasKitRequestErrors } from '../support/canvas-kit-contract';
import { connectedWorkspace, deliver, inbox, simulator, ticket, waitUntilProcessed, type ConnectedWorkspace } from '../support/feedback-world';
import { initializeCanvas, type CanvasInput } from '../../lib/canvas/inbox-app';
import type { CanvasResponse } from '../../lib/canvas/canvases';
import { signCanvasBody } from '../../lib/intercom/canvas-signature';
import type { Dependencies } from '../../lib/platform/dependencies';
import { ConnectionStore } from '../../lib/store/connection-store';
import { FeedbackStore } from '../../lib/store/feedback-store';
import { keys } from '../../lib/store/keys';
import { inProcessDependencies } from '../support/in-process';
import { dynamo, stack } from '../support/local-stack';

const FIRST_MESSAGE = 'Could the timesheet export include billable rates?';

interface InboxApp {
  workspaceId: string;
  token: string;
  appId: string;
  initializeUrl: string;
  submitUrl: string;
  /** Set for a workspace connected through Timebook's OAuth app: its requests are signed with that app's secret. */
  clientId?: string;
}

type Component = { type: string; id?: string; text?: string; items?: Array<{ id: string; title: string; subtitle: string; action: { url: string } }>; options?: Array<{ id: string; text: string }> };

const components = (exchange: CanvasExchange): Component[] => (exchange.response as { canvas: { content: { components: Component[] } } }).canvas.content.components;
const texts = (exchange: CanvasExchange) => components(exchange).filter((c) => c.type === 'text').map((c) => c.text!);
const listed = (exchange: CanvasExchange) => components(exchange).flatMap((c) => (c.type === 'list' ? c.items! : []));

async function setProduct(app: Pick<InboxApp, 'workspaceId' | 'token'>, productId: string, productName: string, enabled = true) {
  const response = await api('PUT', `/v1/workspaces/${app.workspaceId}/products/${productId}/intercom-feedback`, {
    token: app.token,
    body: { enabled, triggerTagIds: [], productName },
  });
  expect(response.status, response.text).toBe(200);
  expect(response.body.productName).toBe(productName);
}

async function inboxAppOf(workspaceId: string, token: string, appId: string, clientId?: string): Promise<InboxApp> {
  const status = await api('GET', `/v1/workspaces/${workspaceId}/intercom`, { token });
  expect(status.status, status.text).toBe(200);
  const { initializeUrl, submitUrl } = status.body.inboxApp as { initializeUrl: string; submitUrl: string };
  expect(initializeUrl).toMatch(/\/initialize$/);
  return { workspaceId, token, appId, initializeUrl, submitUrl, clientId };
}

async function tokenApp(): Promise<InboxApp & { ws: ConnectedWorkspace }> {
  const ws = await connectedWorkspace();
  const app = await inboxAppOf(ws.workspaceId, ws.token, ws.intercom.appId);
  expect(app.initializeUrl).toBe(`${ws.webhookUrl.replace('/v1/webhooks/intercom/', '/v1/intercom/canvas/')}/initialize`);
  return { ...app, ws };
}

async function oauthApp(): Promise<InboxApp & { intercom: CreatedWorkspace }> {
  const intercom = await simulator.createWorkspace({});
  const workspaceId = newWorkspaceId();
  const token = await adminToken([workspaceId]);
  const connected = await oauthFlow(api, simulator).connect(workspaceId, token, intercom.appId);
  expect(connected.status, connected.text).toBe(200);
  const app = await inboxAppOf(workspaceId, token, intercom.appId, stack.intercomClientId);
  expect(app.initializeUrl.endsWith('/v1/intercom/canvas/initialize')).toBe(true);
  return { ...app, intercom };
}

function conversation(appId: string) {
  return simulator.createConversation(appId, {
    body: `<p>${FIRST_MESSAGE}</p>`,
    parts: [{ kind: 'admin_reply', body: '<p>Passing it on to the team.</p>' }],
  });
}

function initialize(app: InboxApp, conversationId: string, extra: { secret?: string; adminId?: string } = {}) {
  return simulator.canvasInitialize(app.appId, { url: app.initializeUrl, conversationId, clientId: app.clientId, ...extra });
}

function submit(app: InboxApp, conversationId: string, inputValues: Record<string, unknown>, extra: { secret?: string; componentId?: string; adminId?: string } = {}) {
  return simulator.canvasSubmit(app.appId, { url: app.submitUrl, conversationId, clientId: app.clientId, componentId: 'send', inputValues, ...extra });
}

/** A canvas answer: 200, and a canvas Canvas Kit accepts. */
function expectCanvas(exchange: CanvasExchange, answer: 'initialize_response' | 'submit_response') {
  expect(exchange.status, exchange.responseText).toBe(200);
  expect(canvasKitErrors(answer, exchange.response)).toEqual([]);
}

describe('tickets stored before the inbox app', () => {
  it('read as made by a tag, with no sender', async () => {
    const ticketId = `tkt_${'b'.repeat(20)}${Date.now().toString(16).slice(-6)}`;
    const at = '2026-01-05T10:00:00.000Z';
    await dynamo.send(
      new PutCommand({
        TableName: stack.tableName,
        Item: {
          ...keys.ticket(ticketId),
          id: ticketId,
          workspaceId: 'ws_before',
          productId: 'prod_a',
          status: 'new',
          title: 'Export to CSV',
          titleSource: { kind: 'conversation' },
          excerpt: '',
          excerptMessageId: null,
          customer: null,
          intercom: { appId: 'app', conversationId: '1', url: 'https://app.intercom.com/a/inbox/app/inbox/conversation/1', tagIds: ['1'] },
          createdAt: at,
          updatedAt: at,
        },
      }),
    );
    const store = new FeedbackStore({ client: dynamo, name: stack.tableName });
    expect((await store.getTicket(ticketId))!.ticket).toMatchObject({ source: 'tag', sentBy: null });
    expect(await store.getTicketHeaders([ticketId])).toEqual([expect.objectContaining({ source: 'tag', sentBy: null })]);
  });
});

describe("the simulator's Canvas Kit requests", () => {
  it("carry every field of Intercom's InitializeRequest and SubmitRequest, with the spec's types", async () => {
    const intercom = await simulator.createWorkspace({});
    const conv = await conversation(intercom.appId);
    const built = await simulator.canvasSubmit(intercom.appId, { url: `${stack.apiUrl}/unused`, conversationId: conv.id, inputValues: { product: 'p' }, dryRun: true });
    const submitBody = JSON.parse(built.body) as Record<string, unknown>;
    const { component_id: _component, input_values: _values, current_canvas: _canvas, user: _user, ...initializeBody } = submitBody;
    expect(canvasKitRequestErrors('submit_request', submitBody)).toEqual([]);
    expect(canvasKitRequestErrors('initialize_request', initializeBody)).toEqual([]);
    const { admin: _admin, ...withoutAdmin } = initializeBody;
    expect(canvasKitRequestErrors('initialize_request', { ...withoutAdmin, context: { conversation_id: String(conv.id) } })).toEqual([
      "(root) must have required property 'admin'",
      '/context/conversation_id must be integer',
    ]);
    expect(built.headers['X-Body-Signature']).toBe(createHmac('sha256', intercom.clientSecret).update(built.body).digest('hex'));
  });
});

describe('the inbox app', () => {
  it.each(['token', 'oauth'] as const)('initialize → submit → the ticket, for a %s workspace; the ticket then follows the conversation', async (method) => {
    const app = method === 'token' ? await tokenApp() : await oauthApp();
    await setProduct(app, 'prod_mobile', 'Mobile app');
    await setProduct(app, 'prod_web', 'Web app');
    const conv = await conversation(app.appId);
    const admin = (await simulator.getWorkspace(app.appId)).admins[0]!;

    const first = await initialize(app, conv.id);
    expectCanvas(first, 'initialize_response');
    expect(texts(first)).toContain('This conversation is not in Timebook yet.');
    const dropdown = components(first).find((c) => c.type === 'dropdown')!;
    expect(dropdown.options!.map((o) => [o.id, o.text])).toEqual([['prod_mobile', 'Mobile app'], ['prod_web', 'Web app']]);

    const sent = await submit(app, conv.id, { product: 'prod_web', title: method === 'oauth' ? '  Billable rates in exports ' : '' });
    expectCanvas(sent, 'submit_response');
    expect(texts(sent)).toContain('Sent to Web app.');
    const [made] = await inbox({ workspaceId: app.workspaceId, token: app.token } as ConnectedWorkspace, 'prod_web');
    expect(made).toBeDefined();
    const stored = await ticket({ workspaceId: app.workspaceId, token: app.token } as ConnectedWorkspace, 'prod_web', made!.id);
    expect(stored).toMatchObject({
      productId: 'prod_web',
      title: method === 'oauth' ? 'Billable rates in exports' : FIRST_MESSAGE,
      source: 'inbox_app',
      sentBy: { adminId: admin.id, name: admin.name, email: admin.email },
      intercom: { appId: app.appId, conversationId: conv.id, tagIds: [] },
    });
    expect(stored.messages.map((m: { body: string }) => m.body)).toEqual([FIRST_MESSAGE, 'Passing it on to the team.']);
    const link = `${stack.appUrl.replace(/\/+$/, '')}/products/prod_web/feedback/${made!.id}`;
    expect(listed(sent)).toEqual([expect.objectContaining({ id: made!.id, title: 'Web app', action: { type: 'url', url: link } })]);

    const again = await initialize(app, conv.id);
    expectCanvas(again, 'initialize_response');
    expect(listed(again)).toEqual([expect.objectContaining({ id: made!.id, title: 'Web app', subtitle: stored.title, action: { type: 'url', url: link } })]);
    const twice = await submit(app, conv.id, { product: 'prod_web' });
    expect(texts(twice)).toContain('Already in Web app.');
    expect(await inbox({ workspaceId: app.workspaceId, token: app.token } as ConnectedWorkspace, 'prod_web')).toHaveLength(1);
    expect(await inbox({ workspaceId: app.workspaceId, token: app.token } as ConnectedWorkspace, 'prod_mobile')).toHaveLength(0);

    if (method === 'token') {
      const { ws } = app as Awaited<ReturnType<typeof tokenApp>>;
      const reply = await simulator.addPart(app.appId, conv.id, { kind: 'user_reply', body: '<p>We bill by the hour.</p>', notify: false });
      const delivered = await deliver(ws, { topic: 'conversation.user.replied', conversationId: conv.id, partIds: [reply.part.id] });
      await waitUntilProcessed([delivered.envelope.id!]);
      const followed = await ticket(ws, 'prod_web', made!.id);
      expect(followed.messages.at(-1)).toMatchObject({ id: reply.part.id, body: 'We bill by the hour.' });
    }
  });

  it('makes exactly one ticket from 20 concurrent submits for the same product and conversation', async () => {
    const app = await tokenApp();
    await setProduct(app, 'prod_mobile', 'Mobile app');
    const conv = await conversation(app.appId);

    const answers = await Promise.all(Array.from({ length: 20 }, () => submit(app, conv.id, {}, { componentId: 'send:prod_mobile' })));

    for (const answer of answers) expectCanvas(answer, 'submit_response');
    expect(answers.filter((answer) => texts(answer).includes('Sent to Mobile app.'))).toHaveLength(1);
    expect(answers.filter((answer) => texts(answer).includes('Already in Mobile app.'))).toHaveLength(19);
    expect((await inbox(app.ws, 'prod_mobile')).filter((t) => t.intercom.conversationId === conv.id)).toHaveLength(1);
  });

  it('refuses a wrong signature and a body of another workspace, and makes nothing', async () => {
    const app = await tokenApp();
    const other = await tokenApp();
    await setProduct(app, 'prod_mobile', 'Mobile app');
    const conv = await conversation(app.appId);

    const forged = await submit(app, conv.id, { product: 'prod_mobile' }, { secret: 'not-the-client-secret' });
    expect(forged.status).toBe(401);
    expect(forged.response).toMatchObject({ error: { code: 'invalid_signature' } });
    // Signed for its own workspace, sent to another workspace's URL.
    const elsewhere = await simulator.canvasSubmit(app.appId, { url: other.submitUrl, conversationId: conv.id, inputValues: { product: 'prod_mobile' } });
    expect(elsewhere.status).toBe(401);
    // Signed with Timebook's OAuth secret for a token-connected workspace: it does not reach it.
    const viaOAuth = await simulator.canvasSubmit(app.appId, {
      url: `${stack.apiUrl}/v1/intercom/canvas/submit`,
      conversationId: conv.id,
      secret: stack.intercomClientSecret,
      inputValues: { product: 'prod_mobile' },
    });
    expectCanvas(viaOAuth, 'submit_response');
    expect(texts(viaOAuth).join(' ')).toContain('Timebook is not connected to this Intercom workspace.');
    expect(await inbox(app.ws, 'prod_mobile')).toEqual([]);
  });

  it('says so when the workspace is not connected, has feedback off, or the product does not take it', async () => {
    const stranger = await simulator.createWorkspace({});
    const strangerConv = await conversation(stranger.appId);
    const notConnected = await simulator.canvasInitialize(stranger.appId, {
      url: `${stack.apiUrl}/v1/intercom/canvas/initialize`,
      conversationId: strangerConv.id,
      secret: stack.intercomClientSecret,
    });
    expectCanvas(notConnected, 'initialize_response');
    expect(texts(notConnected).join(' ')).toMatch(/not connected.*Settings → Integrations → Intercom/);

    const app = await tokenApp();
    const conv = await conversation(app.appId);
    const nothingOn = await initialize(app, conv.id);
    expectCanvas(nothingOn, 'initialize_response');
    expect(texts(nothingOn).join(' ')).toContain('No Timebook product takes feedback from Intercom yet.');
    expect(components(nothingOn).some((c) => c.type === 'button')).toBe(false);

    await setProduct(app, 'prod_mobile', 'Mobile app');
    await setProduct(app, 'prod_web', 'Web app');
    await setProduct(app, 'prod_web', 'Web app', false);
    const off = await submit(app, conv.id, { product: 'prod_web' });
    expectCanvas(off, 'submit_response');
    expect(texts(off)).toContain('That product does not take feedback from Intercom (any more). Choose another.');
    const unknown = await submit(app, conv.id, { product: 'prod_nope' });
    expect(texts(unknown)).toContain('That product does not take feedback from Intercom (any more). Choose another.');
    const none = await submit(app, conv.id, {});
    expect(texts(none)).toContain('Choose a product first.');
    expect(await inbox(app.ws, 'prod_web')).toEqual([]);
    expect(await inbox(app.ws, 'prod_mobile')).toEqual([]);
  });

  it('says so when Intercom cannot return the conversation, or fails', async () => {
    const app = await tokenApp();
    await setProduct(app, 'prod_mobile', 'Mobile app');
    const conv = await conversation(app.appId);
    const built = await simulator.canvasSubmit(app.appId, { url: app.submitUrl, conversationId: conv.id, componentId: 'send:prod_mobile', dryRun: true });
    await simulator.deleteConversation(app.appId, conv.id);

    const response = await fetch(app.submitUrl, { method: 'POST', headers: built.headers, body: built.body });
    const gone = { status: response.status, response: await response.json() } as CanvasExchange;
    expectCanvas(gone, 'submit_response');
    expect(texts(gone)).toContain('Intercom cannot find this conversation; it may have been deleted.');

    const other = await conversation(app.appId);
    await simulator.failNext(app.appId, { method: 'GET', pathPrefix: '/conversations/', status: 500 });
    const failing = await submit(app, other.id, {}, { componentId: 'send:prod_mobile' });
    expectCanvas(failing, 'submit_response');
    expect(texts(failing)).toContain('Intercom did not answer as expected.');
    expect(await inbox(app.ws, 'prod_mobile')).toEqual([]);

    // The token is revoked in Intercom: the send says so, the connection waits for reauthorisation, and the card says what to do.
    await simulator.revokeToken(app.appId, app.ws.intercom.accessToken);
    const refused = await submit(app, other.id, {}, { componentId: 'send:prod_mobile' });
    expectCanvas(refused, 'submit_response');
    expect(texts(refused)).toContain('Intercom no longer accepts Timebook’s access to this workspace.');
    const status = await api('GET', `/v1/workspaces/${app.workspaceId}/intercom`, { token: app.token });
    expect(status.body.status).toBe('needs_reauth');
    const card = await initialize(app, other.id);
    expectCanvas(card, 'initialize_response');
    expect(texts(card).join(' ')).toContain('A Timebook admin must reconnect Intercom');
    expect(components(card).some((c) => c.type === 'button')).toBe(false);
  });
});

describe('a warm inbox app', () => {
  // The use cases in this process, on a DynamoDB proxy of this test's own that counts their requests.
  let proxy: DynamoDbProxy;
  let deps: Dependencies;
  beforeAll(async () => {
    proxy = await startDynamoDbProxy({ target: process.env.AWS_ENDPOINT_URL_DYNAMODB! });
    const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint: proxy.url });
    const table = { client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), name: stack.tableName };
    deps = inProcessDependencies((base) => ({
      config: { ...base.config, INTERCOM_CLIENT_SECRET_NAME: `${stack.secretsPrefix}/oauth-client-secret` },
      table,
      connections: new ConnectionStore(table),
      feedback: new FeedbackStore(table),
    }));
  });
  afterAll(async () => {
    deps?.table.client.destroy();
    await proxy?.stop();
  });

  /** The input of a signed `initialize` the simulator built for `app`, re-signed with `secret` when given. */
  async function signedInitialize(app: InboxApp, conversationId: string, secret?: string): Promise<CanvasInput> {
    const built = await simulator.canvasInitialize(app.appId, { url: app.initializeUrl, conversationId, clientId: app.clientId, dryRun: true });
    const webhookKey = app.clientId ? undefined : new URL(app.initializeUrl).pathname.split('/').at(-2)!;
    return {
      target: webhookKey ? { kind: 'token', webhookKey } : { kind: 'oauth' },
      body: Buffer.from(built.body),
      signature: secret ? signCanvasBody(built.body, secret) : built.headers['X-Body-Signature'],
    };
  }
  /** The card's send button: a workspace with one product sends to it (`send:<productId>`). */
  const choices = (answer: CanvasResponse) => (answer.canvas.content.components as Component[]).flatMap((c) => (c.type === 'button' ? [c.id] : []));
  const say = (answer: CanvasResponse) => (answer.canvas.content.components as Component[]).flatMap((c) => (c.type === 'text' ? [c.text!] : [])).join(' ');

  it('reads no route for a token URL it has answered, and yet stops at once at a replaced secret and a disconnect', async () => {
    const app = await tokenApp();
    await setProduct(app, 'prod_web', 'Web app');
    const conv = await conversation(app.appId);
    const signed = await signedInitialize(app, conv.id);
    expect(choices(await initializeCanvas(deps, signed))).toEqual(['send:prod_web']);

    proxy.resetStats();
    expect(choices(await initializeCanvas(deps, signed))).toEqual(['send:prod_web']);
    expect(proxy.stats().requests).toEqual({ Query: 2 });

    // Another container stores a new client secret: the old one is refused here at once.
    const rotated = await api('PUT', `/v1/workspaces/${app.workspaceId}/intercom/webhook-secret`, { token: app.token, body: { clientSecret: 'a-new-client-secret' } });
    expect(rotated.status, rotated.text).toBe(200);
    await expect(initializeCanvas(deps, signed)).rejects.toMatchObject({ statusCode: 401, code: 'invalid_signature' });
    const resigned = await signedInitialize(app, conv.id, 'a-new-client-secret');
    expect(choices(await initializeCanvas(deps, resigned))).toEqual(['send:prod_web']);
    proxy.resetStats();
    expect(choices(await initializeCanvas(deps, resigned))).toEqual(['send:prod_web']);
    expect(proxy.stats().requests).toEqual({ Query: 2 });

    expect((await api('DELETE', `/v1/workspaces/${app.workspaceId}/intercom`, { token: app.token })).status).toBe(204);
    await expect(initializeCanvas(deps, resigned)).rejects.toMatchObject({ statusCode: 404, code: 'webhook_not_found' });
  });

  it("reads no route for Timebook's app URL it has answered, and follows the Intercom workspace to the Timebook workspace it is connected to now", async () => {
    const app = await oauthApp();
    await setProduct(app, 'prod_first', 'First workspace’s product');
    const conv = await conversation(app.appId);
    const signed = await signedInitialize(app, conv.id);
    expect(choices(await initializeCanvas(deps, signed))).toEqual(['send:prod_first']);
    proxy.resetStats();
    expect(choices(await initializeCanvas(deps, signed))).toEqual(['send:prod_first']);
    expect(proxy.stats().requests).toEqual({ Query: 2 });

    expect((await api('DELETE', `/v1/workspaces/${app.workspaceId}/intercom`, { token: app.token })).status).toBe(204);
    expect(say(await initializeCanvas(deps, signed))).toContain('Timebook is not connected to this Intercom workspace.');

    const second = newWorkspaceId();
    const token = await adminToken([second]);
    const connected = await oauthFlow(api, simulator).connect(second, token, app.appId);
    expect(connected.status, connected.text).toBe(200);
    await setProduct({ workspaceId: second, token }, 'prod_second', 'Second workspace’s product');
    expect(choices(await initializeCanvas(deps, signed))).toEqual(['send:prod_second']);
  });
});
