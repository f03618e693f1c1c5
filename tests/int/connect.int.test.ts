import { beforeAll, describe, expect, it } from 'vitest';
import { SimulatorClient, type CreatedWorkspace } from '../../dev/intercom-simulator';
import { signOAuthState } from '../../lib/connect/oauth';
import { adminToken, api, newWorkspaceId } from '../support/api';
import { allStoredText, functionLogText } from '../support/evidence';
import { oauthFlow } from '../../dev/oauth-flow';
import { secretsManager, stack } from '../support/local-stack';
import { accessTokenName, secretNamesOf, storedAccessToken } from '../support/secrets';

const simulator = new SimulatorClient(stack.intercomUrl);
/** A Timebook workspace, its admin JWT, and a fresh Intercom workspace in the simulator. */
async function setup(options: Parameters<SimulatorClient['createWorkspace']>[0] = {}) {
  const workspaceId = newWorkspaceId();
  const intercom = await simulator.createWorkspace(options);
  await simulator.createTags(intercom.appId, { names: ['Feature request', 'Bug'] });
  const token = await adminToken([workspaceId]);
  return { workspaceId, intercom, token, base: `/v1/workspaces/${workspaceId}/intercom` };
}

async function connectByToken(ctx: { base: string; token: string; intercom: CreatedWorkspace }) {
  const response = await api('POST', `${ctx.base}/token`, { token: ctx.token, body: { accessToken: ctx.intercom.accessToken } });
  expect(response.status, response.text).toBe(200);
  return response;
}

describe('connecting with an access token', () => {
  it('accepts a good token, reports what it could not check, and keeps the token only in Secrets Manager', async () => {
    const ctx = await setup();
    const response = await connectByToken(ctx);

    expect(response.body).toMatchObject({
      connected: true,
      method: 'token',
      status: 'connected',
      intercom: { appId: ctx.intercom.appId, name: ctx.intercom.name, region: ctx.intercom.region },
      settings: { syncFeedback: true, syncContacts: false, writeBack: false },
      webhook: { url: null, secretConfigured: false },
    });
    // The simulator's token carries every permission, the optional "Write conversations" too.
    expect(response.body.permissions.missingOptional).toEqual([]);
    expect(response.body.permissions.verified).toHaveLength(5);
    expect(response.body.permissions.unverifiable).toEqual([
      expect.objectContaining({ permission: 'Read and write users' }),
    ]);
    expect(await storedAccessToken(ctx.workspaceId)).toBe(ctx.intercom.accessToken);
    expect(await allStoredText()).not.toContain(ctx.intercom.accessToken);
    expect(response.text).not.toContain(ctx.intercom.accessToken);
    expect(functionLogText()).not.toContain(ctx.intercom.accessToken);

    const status = await api('GET', ctx.base, { token: ctx.token });
    expect(status.body).toMatchObject({ connected: true, method: 'token', contactsSync: { state: 'idle' } });
  });

  it('answers a dead token with intercom_token_invalid and stores nothing', async () => {
    const ctx = await setup();
    const response = await api('POST', `${ctx.base}/token`, { token: ctx.token, body: { accessToken: 'dG9rOmRlYWQ=' } });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('intercom_token_invalid');
    expect(await secretNamesOf([ctx.workspaceId])).toEqual([]);
    expect((await api('GET', ctx.base, { token: ctx.token })).body).toMatchObject({ connected: false, status: 'disconnected' });
  });

  it.each(['token_unauthorized', 'forbidden'] as const)(
    'names "Read tags" when the token lacks it (Intercom answering %s)',
    async (missingPermissionStyle) => {
      const ctx = await setup({ missingPermissionStyle });
      const limited = await simulator.createToken(ctx.intercom.appId, {
        permissions: ['Read and list users and companies', 'Read and write users', 'Read one user and one company', 'Read conversations', 'Read admins'],
      });
      const response = await api('POST', `${ctx.base}/token`, { token: ctx.token, body: { accessToken: limited.token } });
      expect(response.status).toBe(422);
      expect(response.body.error).toMatchObject({ code: 'intercom_permissions_missing', missing: ['Read tags'] });
      expect(response.body.error.message).toContain('Read tags');
      expect(await secretNamesOf([ctx.workspaceId])).toEqual([]);
    },
  );

  it('rejects a body that is not { accessToken } with a 400 naming the field', async () => {
    const ctx = await setup();
    const response = await api('POST', `${ctx.base}/token`, { token: ctx.token, body: { accessToken: 42, extra: true } });
    expect(response.status).toBe(400);
    expect(response.body.error.issues.map((issue: { path: string }) => issue.path)).toEqual(
      expect.arrayContaining(['body.accessToken', 'body']),
    );
  });
});

describe('OAuth', () => {
  const oauth = oauthFlow(api, simulator);

  it('round-trips: the callback hands code and state to the frontend, which completes it with the admin JWT', async () => {
    const ctx = await setup();
    const authorizeUrl = await oauth.start(ctx.workspaceId, ctx.token);
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${stack.intercomUrl}/oauth`);
    expect(authorizeUrl.searchParams.get('client_id')).toBe(stack.intercomClientId);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${stack.apiUrl}/v1/intercom/oauth/callback`);

    const page = await oauth.callback(await oauth.consent(authorizeUrl, ctx.intercom.appId));
    // APP_URL has a base path (/timebook here), which the redirect keeps.
    expect(`${page.origin}${page.pathname}`).toBe(`${stack.appUrl}/settings/integrations/intercom/oauth`);
    expect(page.searchParams.get('state')).toBe(authorizeUrl.searchParams.get('state'));
    expect(page.searchParams.get('code')).toBeTruthy();
    expect((await api('GET', ctx.base, { token: ctx.token })).body.connected).toBe(false);

    const completed = await oauth.complete(ctx.workspaceId, ctx.token, page);
    expect(completed.status, completed.text).toBe(200);
    expect(completed.body).toMatchObject({
      connected: true,
      method: 'oauth',
      intercom: { appId: ctx.intercom.appId },
      webhook: { url: `${stack.apiUrl}/v1/webhooks/intercom`, secretConfigured: true },
      settings: { writeBack: false },
      permissions: { missingOptional: [] },
    });
    expect((await api('GET', ctx.base, { token: ctx.token })).body).toMatchObject({ connected: true, method: 'oauth' });
    const token = await storedAccessToken(ctx.workspaceId);
    expect(token).toBeTruthy();
    expect(await allStoredText()).not.toContain(token);
    expect(completed.text).not.toContain(token);
    expect(functionLogText()).not.toContain(token);
    const tags = await api('GET', `${ctx.base}/tags`, { token: ctx.token });
    expect(tags.body.tags.map((tag: { name: string }) => tag.name).sort()).toEqual(['Bug', 'Feature request']);
  });

  it('rejects a tampered state, an expired state and a replayed one, at the callback and at completion', async () => {
    const ctx = await setup();
    const callbackUrl = await oauth.consent(await oauth.start(ctx.workspaceId, ctx.token), ctx.intercom.appId);

    const tampered = new URL(callbackUrl);
    const state = tampered.searchParams.get('state')!;
    tampered.searchParams.set('state', `${state.slice(0, -4)}${state.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`);
    expect((await oauth.callback(tampered)).searchParams.get('error')).toBe('invalid_state');
    const tamperedCompletion = await oauth.complete(ctx.workspaceId, ctx.token, tampered);
    expect(tamperedCompletion.status).toBe(400);
    expect(tamperedCompletion.body.error.code).toBe('oauth_state_invalid');

    // Signed eleven minutes before the real now, so that it has expired whatever the time of day.
    const expired = new URL(callbackUrl);
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    expired.searchParams.set(
      'state',
      await signOAuthState(stack.intercomClientSecret, { workspaceId: ctx.workspaceId, adminSub: 'test-admin', nonce: 'expired-nonce' }, elevenMinutesAgo),
    );
    expect((await oauth.callback(expired)).searchParams.get('error')).toBe('state_expired');
    const expiredCompletion = await oauth.complete(ctx.workspaceId, ctx.token, expired);
    expect(expiredCompletion.status).toBe(400);
    expect(expiredCompletion.body.error).toMatchObject({ code: 'oauth_state_invalid', message: expect.stringContaining('expired') });

    const page = await oauth.callback(callbackUrl);
    expect((await oauth.complete(ctx.workspaceId, ctx.token, page)).status).toBe(200);
    const replay = await oauth.complete(ctx.workspaceId, ctx.token, page);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toMatchObject({ code: 'oauth_state_invalid', message: expect.stringContaining('already used') });
    expect((await oauth.callback(callbackUrl)).searchParams.get('error')).toBe('state_already_used');
  });

  it('refuses a consent link completed by anyone but the admin who started it: nothing connects and the code is not exchanged', async () => {
    const ctx = await setup();
    // The admin starts OAuth and forwards the consent link to an Intercom admin of another company.
    const otherCompany = await simulator.createWorkspace({ name: 'Other company' });
    const page = await oauth.callback(await oauth.consent(await oauth.start(ctx.workspaceId, ctx.token), otherCompany.appId));
    expect(page.searchParams.get('code')).toBeTruthy();

    // That company's browser completes it: as another admin of the same workspace, and as the admin of its own workspace.
    const sameWorkspaceOtherAdmin = await adminToken([ctx.workspaceId], { sub: 'other-admin' });
    const ownWorkspace = newWorkspaceId();
    const ownWorkspaceAdmin = await adminToken([ownWorkspace], { sub: 'other-admin' });
    const attempts = [
      await oauth.complete(ctx.workspaceId, sameWorkspaceOtherAdmin, page),
      await oauth.complete(ownWorkspace, ownWorkspaceAdmin, page),
    ];
    for (const attempt of attempts) {
      expect(attempt.status, attempt.text).toBe(400);
      expect(attempt.body.error.code).toBe('oauth_state_invalid');
    }
    expect((await oauth.complete(ctx.workspaceId, ownWorkspaceAdmin, page)).status).toBe(403);
    for (const [workspaceId, token] of [[ctx.workspaceId, ctx.token], [ownWorkspace, ownWorkspaceAdmin]] as const) {
      expect((await api('GET', `/v1/workspaces/${workspaceId}/intercom`, { token })).body).toMatchObject({ connected: false });
      expect(await secretNamesOf([workspaceId])).toEqual([]);
    }

    // The code was never spent: Intercom codes are single-use, and the admin who started it can still use it.
    const own = await oauth.complete(ctx.workspaceId, ctx.token, page);
    expect(own.status, own.text).toBe(200);
    expect(own.body.intercom.appId).toBe(otherCompany.appId);
  });

  it('reports a refused consent as access_denied', async () => {
    const ctx = await setup();
    const page = await oauth.callback(await oauth.consent(await oauth.start(ctx.workspaceId, ctx.token), ctx.intercom.appId, 'cancel'));
    expect(`${page.origin}${page.pathname}`).toBe(`${stack.appUrl}/settings/integrations/intercom/oauth`);
    expect(page.searchParams.get('error')).toBe('access_denied');
    expect(page.searchParams.get('code')).toBeNull();
    expect((await api('GET', ctx.base, { token: ctx.token })).body.connected).toBe(false);
  });

  it('answers 409 intercom_app_in_use when the Intercom workspace is connected to another Timebook workspace', async () => {
    const first = await setup();
    expect((await oauth.connect(first.workspaceId, first.token, first.intercom.appId)).status).toBe(200);
    const second = await setup();
    const refused = await oauth.connect(second.workspaceId, second.token, first.intercom.appId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('intercom_app_in_use');
    expect(await secretNamesOf([second.workspaceId])).toEqual([]);
  });
});

describe('admin authentication', () => {
  const routes = (workspaceId: string): Array<[string, string, unknown?]> => {
    const base = `/v1/workspaces/${workspaceId}/intercom`;
    return [
      ['POST', `${base}/oauth/start`],
      ['POST', `${base}/token`, { accessToken: 'x' }],
      ['PUT', `${base}/webhook-secret`, { clientSecret: 'x' }],
      ['GET', base],
      ['PATCH', `${base}/settings`, { syncFeedback: false }],
      ['GET', `${base}/tags`],
      ['DELETE', base],
    ];
  };

  it("answers 403 on every route of another workspace, and leaves that workspace as it was", async () => {
    const victim = await setup();
    await connectByToken(victim);
    const attacker = await adminToken([newWorkspaceId('attacker')]);
    for (const [method, path, body] of routes(victim.workspaceId)) {
      const response = await api(method, path, { token: attacker, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.error.code).toBe('workspace_forbidden');
    }
    expect((await api('GET', victim.base, { token: victim.token })).body).toMatchObject({ connected: true, method: 'token' });
  });

  it('answers 401 without a token, with a forged one, an expired one and one for another audience', async () => {
    const workspaceId = newWorkspaceId();
    const forged = (await adminToken([workspaceId])).replace(/\.[\w-]+$/, '.c2lnbmF0dXJl');
    const expired = await adminToken([workspaceId], { expiresIn: '-1m' });
    const otherAudience = await adminToken([workspaceId], { audience: 'another-service' });
    for (const [method, path, body] of routes(workspaceId)) {
      for (const token of [undefined, forged, expired, otherAudience]) {
        const response = await api(method, path, { token, body });
        expect(response.status, `${method} ${path}`).toBe(401);
      }
    }
  });
});

describe('webhook secret and URL', () => {
  it('generates a URL that accepts a signed ping, refuses a wrong signature, and survives a new secret', async () => {
    const ctx = await setup();
    await connectByToken(ctx);
    const first = await api('PUT', `${ctx.base}/webhook-secret`, { token: ctx.token, body: { clientSecret: ctx.intercom.clientSecret } });
    expect(first.status, first.text).toBe(200);
    const webhookUrl: string = first.body.webhookUrl;
    const key = webhookUrl.split('/').pop()!;
    expect(webhookUrl).toBe(`${stack.apiUrl}/v1/webhooks/intercom/${key}`);
    expect(Buffer.from(key, 'base64url').length).toBeGreaterThanOrEqual(16);

    const ping = (secret?: string) =>
      simulator.deliverWebhook({ appId: ctx.intercom.appId, topic: 'ping', url: webhookUrl, ...(secret ? { secret } : {}) });
    expect((await ping()).deliveries[0]!.status).toBe(200);
    expect((await ping('not-the-client-secret')).deliveries[0]!.status).toBe(401);
    const head = await fetch(webhookUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);

    const rotated = await api('PUT', `${ctx.base}/webhook-secret`, { token: ctx.token, body: { clientSecret: 'the-new-client-secret' } });
    expect(rotated.body.webhookUrl).toBe(webhookUrl);
    expect((await ping()).deliveries[0]!.status).toBe(401);
    expect((await ping('the-new-client-secret')).deliveries[0]!.status).toBe(200);
    expect(await allStoredText()).not.toContain('the-new-client-secret');
    expect(functionLogText()).not.toContain('the-new-client-secret');

    const status = await api('GET', ctx.base, { token: ctx.token });
    expect(status.body.webhook).toMatchObject({ url: webhookUrl, secretConfigured: true });
  });

  it('refuses a webhook secret before Intercom is connected', async () => {
    const ctx = await setup();
    const response = await api('PUT', `${ctx.base}/webhook-secret`, { token: ctx.token, body: { clientSecret: 'abc' } });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('intercom_not_connected');
  });
});

describe('settings, token health and disconnecting', () => {
  it('changes settings and rejects unknown or mistyped fields', async () => {
    const ctx = await setup();
    await connectByToken(ctx);
    const changed = await api('PATCH', `${ctx.base}/settings`, { token: ctx.token, body: { syncFeedback: false } });
    expect(changed.status).toBe(200);
    expect(changed.body.settings).toEqual({ syncFeedback: false, syncContacts: false, writeBack: false });
    const wrongType = await api('PATCH', `${ctx.base}/settings`, { token: ctx.token, body: { syncFeedback: 'yes' } });
    expect(wrongType.status).toBe(400);
    const unknown = await api('PATCH', `${ctx.base}/settings`, { token: ctx.token, body: { syncEverything: true } });
    expect(unknown.status).toBe(400);
  });

  it('marks the connection needs_reauth when Intercom says the token is revoked', async () => {
    const ctx = await setup();
    await connectByToken(ctx);
    await simulator.revokeToken(ctx.intercom.appId, ctx.intercom.accessToken);
    const tags = await api('GET', `${ctx.base}/tags`, { token: ctx.token });
    expect(tags.status).toBe(409);
    expect(tags.body.error.code).toBe('intercom_needs_reauth');
    const status = await api('GET', ctx.base, { token: ctx.token });
    expect(status.body.status).toBe('needs_reauth');
    expect(status.body.reauth.reason).toBe('unauthorized');
    expect(Date.parse(status.body.reauth.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('reports a missing "Read tags" on the tag list as a permission, not a dead token', async () => {
    const ctx = await setup();
    await connectByToken(ctx);
    await simulator.updateWorkspace(ctx.intercom.appId, { missingPermissionStyle: 'forbidden' });
    const limited = await simulator.createToken(ctx.intercom.appId, {
      permissions: ['Read and list users and companies', 'Read one user and one company', 'Read conversations', 'Read admins'],
    });
    // The stored token loses the permission: replace it behind the service's back.
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    await secretsManager.send(new PutSecretValueCommand({ SecretId: await accessTokenName(ctx.workspaceId), SecretString: limited.token }));
    const tags = await api('GET', `${ctx.base}/tags`, { token: ctx.token });
    expect(tags.status).toBe(422);
    expect(tags.body.error).toMatchObject({ code: 'intercom_permissions_missing', missing: ['Read tags'] });
    expect((await api('GET', ctx.base, { token: ctx.token })).body.status).toBe('connected');
  });

  it('disconnects a token workspace: 204, secrets gone, webhook URL 404, and it can connect again', async () => {
    const ctx = await setup();
    await connectByToken(ctx);
    const { body } = await api('PUT', `${ctx.base}/webhook-secret`, { token: ctx.token, body: { clientSecret: ctx.intercom.clientSecret } });

    const removed = await api('DELETE', ctx.base, { token: ctx.token });
    expect(removed.status).toBe(204);
    expect(await secretNamesOf([ctx.workspaceId])).toEqual([]);
    expect((await api('GET', ctx.base, { token: ctx.token })).body).toMatchObject({ connected: false, status: 'disconnected' });
    const ping = await simulator.deliverWebhook({ appId: ctx.intercom.appId, topic: 'ping', url: body.webhookUrl });
    expect(ping.deliveries[0]!.status).toBe(404);

    await connectByToken(ctx);
    expect((await api('GET', ctx.base, { token: ctx.token })).body).toMatchObject({ connected: true, webhook: { url: null } });
  });

  it('disconnects an OAuth workspace by uninstalling the app, which revokes the token', async () => {
    const ctx = await setup();
    expect((await oauthFlow(api, simulator).connect(ctx.workspaceId, ctx.token, ctx.intercom.appId)).status).toBe(200);
    const token = (await storedAccessToken(ctx.workspaceId))!;

    expect((await api('DELETE', ctx.base, { token: ctx.token })).status).toBe(204);
    const me = await fetch(`${stack.intercomUrl}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    const ping = await simulator.deliverWebhook({
      appId: ctx.intercom.appId,
      topic: 'ping',
      url: `${stack.apiUrl}/v1/webhooks/intercom`,
      secret: stack.intercomClientSecret,
    });
    expect(ping.deliveries[0]!.status).toBe(404);
  });
});
