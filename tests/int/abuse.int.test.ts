import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, api, type ApiResponse } from '../support/api';
import { allStoredText, functionLogText } from '../support/evidence';
import { connectedWorkspace, enableFeedback, simulator, type ConnectedWorkspace } from '../support/feedback-world';
import { stack } from '../support/local-stack';
import { secretNamesOf } from '../support/secrets';

/**
 * The abuse suite: generated bad webhook, inbox-app and admin requests. Each must get the right 4xx, and none
 * may queue or store anything, or echo a token or secret in a response or a log line.
 */

interface Case {
  name: string;
  expected: number;
  send: () => Promise<ApiResponse>;
}

const sign = (body: string | Buffer, secret: string) => `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;

/** A notification sent now, by the clock: the intake refuses notifications days old. */
function envelope(appId: string, overrides: Record<string, unknown> = {}) {
  return {
    type: 'notification_event',
    app_id: appId,
    data: { type: 'notification_event_data', item: { type: 'conversation', id: '1', created_at: 1 } },
    links: {},
    id: `notif_abuse_${randomBytes(6).toString('hex')}`,
    topic: 'conversation.user.replied',
    delivery_status: 'pending',
    delivery_attempts: 1,
    delivered_at: 0,
    first_sent_at: Math.floor(Date.now() / 1000),
    created_at: Math.floor(Date.now() / 1000),
    self: null,
    ...overrides,
  };
}

async function runAll(cases: Case[], concurrency = 8): Promise<Array<{ name: string; expected: number; response: ApiResponse }>> {
  const results: Array<{ name: string; expected: number; response: ApiResponse }> = [];
  const queue = [...cases];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        results.push({ name: next.name, expected: next.expected, response: await next.send() });
      }
    }),
  );
  return results;
}

let a: ConnectedWorkspace;
let b: ConnectedWorkspace;
/** A conversation of a's, which a good inbox-app submit would make a ticket from. */
let conversationId: string;

beforeAll(async () => {
  a = await connectedWorkspace();
  b = await connectedWorkspace();
  await enableFeedback(a, 'prod_a', [a.tags['Feature request']!]);
  conversationId = (await simulator.createConversation(a.intercom.appId, { body: '<p>Dark mode, please.</p>' })).id;
}, 120_000);

const signCanvas = (body: string | Buffer, secret: string) => createHmac('sha256', secret).update(body).digest('hex');

describe('the abuse suite', () => {
  it('answers at least 1,000 generated bad requests with the right 4xx, storing, queueing and leaking nothing', async () => {
    const webhookPath = (ws: ConnectedWorkspace) => new URL(ws.webhookUrl).pathname;
    const post = (path: string, body: string | Buffer, signature?: string, contentType = 'application/json') => () =>
      api('POST', path, {
        rawBody: body as string,
        headers: { 'content-type': contentType, ...(signature ? { 'x-hub-signature': signature } : {}) },
      });
    const cases: Case[] = [];
    const add = (name: string, expected: number, send: () => Promise<ApiResponse>) => cases.push({ name, expected, send });

    // Webhooks.
    for (let i = 0; i < 70; i += 1) {
      const body = JSON.stringify(envelope(a.intercom.appId, { topic: i % 2 ? 'conversation_part.tag.created' : 'contact.user.created' }));
      add(`unsigned #${i}`, 401, post(webhookPath(a), body));
      add(`random signature #${i}`, 401, post(webhookPath(a), body, `sha1=${randomBytes(20).toString('hex')}`));
      add(`malformed signature #${i}`, 401, post(webhookPath(a), body, [`sha256=${randomBytes(32).toString('hex')}`, 'sha1=', sign(body, a.intercom.clientSecret).slice(5), `sha1=${'z'.repeat(40)}`][i % 4]));
      add(`signed by the other workspace #${i}`, 401, post(webhookPath(a), body, sign(body, b.intercom.clientSecret)));
      add(`signed for the OAuth app with a customer secret #${i}`, 401, post('/v1/webhooks/intercom', body, sign(body, a.intercom.clientSecret)));
      const truncated = body.slice(0, Math.max(1, Math.floor((body.length * (i + 1)) / 71)));
      add(`truncated, original signature #${i}`, 401, post(webhookPath(a), truncated, sign(body, a.intercom.clientSecret)));
      add(`truncated, signed #${i}`, 400, post(webhookPath(a), truncated, sign(truncated, a.intercom.clientSecret)));
      const garbage = [`not json ${i}`, `<xml>${i}</xml>`, '', '[]', '{"type":"notification_event"}', `{"type":"notification_event","app_id":${i}}`][i % 6]!;
      add(`not a notification, signed #${i}`, 400, post(webhookPath(a), garbage, sign(garbage, a.intercom.clientSecret)));
      const huge = Buffer.alloc(240 * 1024 + 1 + i * 97, 'a');
      add(`huge body #${i}`, 413, post(webhookPath(a), huge, sign(huge, a.intercom.clientSecret)));
      const otherApp = JSON.stringify(envelope(b.intercom.appId));
      add(`app_id of another workspace #${i}`, 403, post(webhookPath(a), otherApp, sign(otherApp, a.intercom.clientSecret)));
      const old = JSON.stringify(envelope(a.intercom.appId, { created_at: 1553378744 - i * 86400 }));
      add(`replayed old notification #${i}`, 400, post(webhookPath(a), old, sign(old, a.intercom.clientSecret)));
      const unknownKey = `/v1/webhooks/intercom/${randomBytes(32).toString('base64url')}`;
      add(`unknown webhook key #${i}`, 404, post(unknownKey, body, sign(body, a.intercom.clientSecret)));
    }

    // Inbox-app (Canvas Kit) requests: a real submit for a's conversation, as the simulator signs it, then spoiled.
    const canvasPath = (ws: ConnectedWorkspace, step: 'initialize' | 'submit') => `/v1/intercom/canvas/${new URL(ws.webhookUrl).pathname.split('/').pop()}/${step}`;
    const postCanvas = (path: string, body: string | Buffer, signature?: string) => () =>
      api('POST', path, { rawBody: body as string, headers: { 'content-type': 'application/json', ...(signature ? { 'x-body-signature': signature } : {}) } });
    for (const step of ['initialize', 'submit'] as const) {
      const built = await simulator.canvasSubmit(a.intercom.appId, { url: `${stack.apiUrl}${canvasPath(a, step)}`, conversationId, componentId: 'send:prod_a', dryRun: true });
      const good = built.body;
      const otherWorkspace = good.replace(`"workspace_id":"${a.intercom.appId}"`, `"workspace_id":"${b.intercom.appId}"`);
      expect(otherWorkspace).not.toBe(good);
      for (let i = 0; i < 12; i += 1) {
        add(`canvas ${step}: unsigned #${i}`, 401, postCanvas(canvasPath(a, step), good));
        add(`canvas ${step}: random signature #${i}`, 401, postCanvas(canvasPath(a, step), good, randomBytes(32).toString('hex')));
        add(`canvas ${step}: a webhook's signature #${i}`, 401, postCanvas(canvasPath(a, step), good, sign(good, a.intercom.clientSecret)));
        add(`canvas ${step}: signed by the other workspace #${i}`, 401, postCanvas(canvasPath(a, step), good, signCanvas(good, b.intercom.clientSecret)));
        add(`canvas ${step}: replayed at the other workspace's URL #${i}`, 401, postCanvas(canvasPath(b, step), good, built.headers['X-Body-Signature']));
        add(`canvas ${step}: replayed with another workspace id #${i}`, 401, postCanvas(canvasPath(a, step), otherWorkspace, built.headers['X-Body-Signature']));
        add(`canvas ${step}: another workspace id, signed #${i}`, 403, postCanvas(canvasPath(a, step), otherWorkspace, signCanvas(otherWorkspace, a.intercom.clientSecret)));
        add(`canvas ${step}: OAuth app URL, customer secret #${i}`, 401, postCanvas(`/v1/intercom/canvas/${step}`, good, signCanvas(good, a.intercom.clientSecret)));
        const truncated = good.slice(0, Math.max(1, Math.floor((good.length * (i + 1)) / 13)));
        add(`canvas ${step}: truncated, signed #${i}`, 400, postCanvas(canvasPath(a, step), truncated, signCanvas(truncated, a.intercom.clientSecret)));
        const notCanvas = ['{}', '[]', `{"workspace_id":"${a.intercom.appId}"}`, `{"workspace_id":"${a.intercom.appId}","admin":{"id":"1"}}`][i % 4]!;
        add(`canvas ${step}: not a canvas request, signed #${i}`, 400, postCanvas(canvasPath(a, step), notCanvas, signCanvas(notCanvas, a.intercom.clientSecret)));
        if (i % 3 === 0) {
          const huge = Buffer.alloc(1024 * 1024 + 1 + i, 'a');
          add(`canvas ${step}: huge body #${i}`, 413, postCanvas(canvasPath(a, step), huge, signCanvas(huge, a.intercom.clientSecret)));
        }
        add(`canvas ${step}: unknown key #${i}`, 404, postCanvas(`/v1/intercom/canvas/${randomBytes(32).toString('base64url')}/${step}`, good, built.headers['X-Body-Signature']));
      }
    }

    // Admin routes.
    const base = (ws: ConnectedWorkspace) => `/v1/workspaces/${ws.workspaceId}`;
    const routes = (ws: ConnectedWorkspace): Array<[string, string, unknown]> => [
      ['POST', `${base(ws)}/intercom/oauth/start`, undefined],
      ['POST', `${base(ws)}/intercom/token`, { accessToken: 'x' }],
      ['PUT', `${base(ws)}/intercom/webhook-secret`, { clientSecret: 'x' }],
      ['GET', `${base(ws)}/intercom`, undefined],
      ['PATCH', `${base(ws)}/intercom/settings`, { syncFeedback: true }],
      ['GET', `${base(ws)}/intercom/tags`, undefined],
      ['DELETE', `${base(ws)}/intercom`, undefined],
      ['GET', `${base(ws)}/products/prod_a/intercom-feedback`, undefined],
      ['PUT', `${base(ws)}/products/prod_a/intercom-feedback`, { enabled: false, triggerTagIds: [] }],
      ['GET', `${base(ws)}/products/prod_a/feedback`, undefined],
      ['GET', `${base(ws)}/products/prod_a/feedback/tkt_00000000000000000000000000`, undefined],
      ['GET', `${base(ws)}/contacts`, undefined],
    ];
    const wrongKey = new TextEncoder().encode('not-the-admin-secret');
    const claims = { workspace_ids: [a.workspaceId] };
    const badTokens: Array<[string, Promise<string | undefined>]> = [
      ['no token', Promise.resolve(undefined)],
      ['garbage token', Promise.resolve('not.a.jwt')],
      ['forged signature', Promise.resolve(a.token.replace(/\.[\w-]+$/, '.AAAA'))],
      ['other key', new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setAudience('timebook-intercom').setExpirationTime('1h').sign(wrongKey)],
      ['expired', adminToken([a.workspaceId], { expiresIn: '-5m' })],
      ['wrong audience', adminToken([a.workspaceId], { audience: 'billing' })],
      ['alg none', Promise.resolve(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, sub: 'x', aud: 'timebook-intercom' })).toString('base64url')}.`)],
    ];
    for (const [label, tokenPromise] of badTokens) {
      const token = await tokenPromise;
      for (const [method, path, body] of routes(a)) add(`${label}: ${method} ${path}`, 401, () => api(method, path, { token, body }));
    }
    for (const [method, path, body] of routes(b)) {
      for (let i = 0; i < 3; i += 1) add(`another workspace #${i}: ${method} ${path}`, 403, () => api(method, path, { token: a.token, body }));
    }
    const badBodies: Array<[string, string, unknown]> = [];
    for (let i = 0; i < 12; i += 1) {
      const long = 'x'.repeat(1025 + i * 500);
      badBodies.push(
        ['POST', `${base(a)}/intercom/token`, [{ accessToken: 123 + i }, { accessToken: long }, { accessToken: 'tok', extra: i }, { accessToken: `a b ${i}` }][i % 4]],
        ['PUT', `${base(a)}/intercom/webhook-secret`, [{ clientSecret: null }, { clientSecret: long }, { clientSecret: 's', webhookKey: 'mine' }, {}][i % 4]],
        ['PATCH', `${base(a)}/intercom/settings`, [{ syncFeedback: 'yes' }, { syncContacts: 1 }, {}, { syncFeedback: true, admin: true }][i % 4]],
        [
          'PUT',
          `${base(a)}/products/prod_a/intercom-feedback`,
          [{ enabled: 'true', triggerTagIds: [] }, { enabled: true, triggerTagIds: 'x' }, { enabled: true, triggerTagIds: [long] }, { enabled: true, triggerTagIds: [], note: i }][i % 4],
        ],
      );
    }
    for (const [method, path, body] of badBodies) add(`bad body: ${method} ${path} ${JSON.stringify(body).slice(0, 40)}`, 400, () => api(method, path, { token: a.token, body }));
    for (let i = 0; i < 10; i += 1) {
      add(`not JSON body #${i}`, 400, () => api('POST', `${base(a)}/intercom/token`, { token: a.token, rawBody: `{accessToken: ${i}`, headers: { 'content-type': 'application/json' } }));
      add(`bad limit #${i}`, 400, () => api('GET', `${base(a)}/products/prod_a/feedback?limit=${[0, 101, -1, 'ten', 1e9][i % 5]}`, { token: a.token }));
      add(`forged cursor #${i}`, 400, () =>
        api('GET', `${base(a)}/products/prod_a/feedback?cursor=${Buffer.from(JSON.stringify({ gsi1pk: `WORKSPACE#${b.workspaceId}#PRODUCT#prod_a#INBOX`, i })).toString('base64url')}`, { token: a.token }),
      );
    }

    const storedBefore = await allStoredText();
    const statusBefore = (await api('GET', `${base(a)}/intercom`, { token: a.token })).body;
    const secretsBefore = await secretNamesOf([a.workspaceId, b.workspaceId]);
    const results = await runAll(cases);
    console.log(`abuse suite: ${results.length} generated bad requests`);

    expect(results.length).toBeGreaterThanOrEqual(1_000);
    const wrong = results.filter((r) => r.response.status !== r.expected).map((r) => `${r.name}: ${r.response.status} ${r.response.text.slice(0, 120)}`);
    expect(wrong).toEqual([]);
    for (const { response } of results) {
      if (response.status !== 413) expect(response.body?.error?.code, response.text).toMatch(/^[a-z_]+$/);
    }

    // Nothing queued or stored: no event applied for either workspace, no new item, no new secret.
    expect((await api('GET', `${base(a)}/intercom`, { token: a.token })).body).toEqual(statusBefore);
    const queued = functionLogText().split('\n').filter((line) => line.includes('"Webhook queued"') && (line.includes(a.workspaceId) || line.includes(b.workspaceId)));
    expect(queued).toEqual([]);
    const storedAfter = await allStoredText();
    for (const ws of [a, b]) {
      const count = (text: string) => text.split(ws.workspaceId).length;
      expect(count(storedAfter)).toBe(count(storedBefore));
    }
    expect(await secretNamesOf([a.workspaceId, b.workspaceId])).toEqual(secretsBefore);

    // No token or secret in any answer or log line.
    const secrets = [a.intercom.accessToken, b.intercom.accessToken, a.intercom.clientSecret, b.intercom.clientSecret, stack.adminJwtSecret, stack.intercomClientSecret];
    const answers = results.map((r) => r.response.text).join('\n');
    const log = functionLogText();
    for (const secret of secrets) {
      expect(answers.includes(secret), 'a response contains a secret').toBe(false);
      expect(log.includes(secret), 'a log line contains a secret').toBe(false);
    }
  }, 300_000);

  it('acknowledges a topic it does not use without queueing it', async () => {
    const body = JSON.stringify(envelope(a.intercom.appId, { topic: 'company.created' }));
    const response = await api('POST', new URL(a.webhookUrl).pathname, {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature': sign(body, a.intercom.clientSecret) },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, ignored: true });
    const id = JSON.parse(body).id as string;
    expect(functionLogText()).not.toContain(id);
  });
});

describe('tenant isolation', () => {
  it('keeps tickets apart for two workspaces with the same conversation and tag ids', async () => {
    const first = await simulator.createWorkspace({});
    const second = await simulator.createWorkspace({});
    for (const ws of [first, second]) {
      await simulator.createTags(ws.appId, { tags: [{ id: '777', name: 'Feature request' }] });
      await simulator.createConversation(ws.appId, { id: '424242', body: `<p>Only for ${ws.appId}</p>` });
    }
    const [one, two] = [await connectedWorkspace(first), await connectedWorkspace(second)];
    for (const ws of [one, two]) {
      await enableFeedback(ws, 'shared_product', ['777']);
      const tag = await simulator.tagConversation(ws.intercom.appId, '424242', { tagId: '777' });
      const sent = await simulator.deliverWebhook({
        appId: ws.intercom.appId,
        url: ws.webhookUrl,
        topic: 'conversation_part.tag.created',
        conversationId: '424242',
        tagId: '777',
        partIds: [tag.partId],
      });
      expect(sent.deliveries[0]!.status).toBe(200);
    }
    const inboxOf = async (ws: ConnectedWorkspace) => {
      for (let i = 0; i < 120; i += 1) {
        const page = await api('GET', `/v1/workspaces/${ws.workspaceId}/products/shared_product/feedback`, { token: ws.token });
        if (page.body.tickets.length > 0) return page.body.tickets;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return [];
    };
    const [ticketsOne, ticketsTwo] = [await inboxOf(one), await inboxOf(two)];
    expect(ticketsOne).toHaveLength(1);
    expect(ticketsTwo).toHaveLength(1);
    expect(ticketsOne[0].id).not.toBe(ticketsTwo[0].id);
    expect(ticketsOne[0].excerpt).toBe(`Only for ${first.appId}`);
    expect(ticketsTwo[0].excerpt).toBe(`Only for ${second.appId}`);
    const crossRead = await api('GET', `/v1/workspaces/${one.workspaceId}/products/shared_product/feedback/${ticketsTwo[0].id}`, { token: one.token });
    expect(crossRead.status).toBe(404);
    const crossToken = await api('GET', `/v1/workspaces/${two.workspaceId}/products/shared_product/feedback/${ticketsTwo[0].id}`, { token: one.token });
    expect(crossToken.status).toBe(403);
  });
});
