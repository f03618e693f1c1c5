import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimulatorClient, type CreatedWorkspace } from '../../dev/intercom-simulator';
import { signOAuthState } from '../../lib/connect/oauth';
import { adminToken, api, newWorkspaceId } from '../support/api';
import { allStoredText, functionLogText } from '../support/evidence';
import { secretsManager, stack } from '../support/local-stack';

const simulator = new SimulatorClient(stack.intercomUrl);
const accessTokenSecret = (workspaceId: string) => `${stack.secretsPrefix}/workspaces/${workspaceId}/access-token`;

async function storedSecret(name: string): Promise<string | undefined> {
  try {
    return (await secretsManager.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

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
      settings: { syncFeedback: true, syncContacts: false },
      webhook: { url: null, secretConfigured: false },
    });
    expect(response.body.permissions.verified).toHaveLength(5);
    expect(response.body.permissions.unverifiable).toEqual([
      expect.objectContaining({ permission: 'Read and write users' }),
    ]);
    expect(await storedSecret(accessTokenSecret(ctx.workspaceId))).toBe(ctx.intercom.accessToken);
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
    expect(await storedSecret(accessTokenSecret(ctx.workspaceId))).toBeUndefined();
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
      expect(await storedSecret(accessTokenSecret(ctx.workspaceId))).toBeUndefined();
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
  async function start(ctx: { base: string; token: string }) {
    const response = await api('POST', `${ctx.base}/oauth/start`, { token: ctx.token });
    expect(response.status, response.text).toBe(200);
    return new URL(response.body.authorizeUrl);
  }

  async function consent(authorizeUrl: URL, appId: string) {
    const result = await simulator.authorize({
      clientId: authorizeUrl.searchParams.get('client_id')!,
      appId,
      redirectUri: authorizeUrl.searchParams.get('redirect_uri')!,
      state: authorizeUrl.searchParams.get('state')!,
    });
    return new URL(result.location);
  }

  async function callback(url: URL) {
    const response = await fetch(`${stack.apiUrl}${url.pathname}${url.search}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!);
  }

  it('round-trips through the consent page and stores the token only in Secrets Manager', async () => {
    const ctx = await setup();
    const authorizeUrl = await start(ctx);
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${stack.intercomUrl}/oauth`);
    expect(authorizeUrl.searchParams.get('client_id')).toBe(stack.intercomClientId);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${stack.apiUrl}/v1/intercom/oauth/callback`);

    const redirect = await callback(await consent(authorizeUrl, ctx.intercom.appId));
    expect(redirect.pathname).toBe('/settings/integrations/intercom');
    expect(redirect.searchParams.get('status')).toBe('connected');

    const status = await api('GET', ctx.base, { token: ctx.token });
    expect(status.body).toMatchObject({
      connected: true,
      method: 'oauth',
      intercom: { appId: ctx.intercom.appId },
      webhook: { url: `${stack.apiUrl}/v1/webhooks/intercom`, secretConfigured: true },
    });
    const token = await storedSecret(accessTokenSecret(ctx.workspaceId));
    expect(token).toBeTruthy();
    expect(await allStoredText()).not.toContain(token);
    expect(functionLogText()).not.toContain(token);
    const tags = await api('GET', `${ctx.base}/tags`, { token: ctx.token });
    expect(tags.body.tags.map((tag: { name: string }) => tag.name).sort()).toEqual(['Bug', 'Feature request']);
  });

  it('rejects a tampered state, an expired state and a replayed state', async () => {
    const ctx = await setup();
    const landing = await consent(await start(ctx), ctx.intercom.appId);

    const tampered = new URL(landing);
    const state = tampered.searchParams.get('state')!;
    tampered.searchParams.set('state', `${state.slice(0, -4)}${state.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`);
    expect((await callback(tampered)).searchParams.get('error')).toBe('invalid_state');

    const expired = new URL(landing);
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    expired.searchParams.set(
      'state',
      await signOAuthState(stack.intercomClientSecret, { workspaceId: ctx.workspaceId, nonce: 'expired-nonce' }, elevenMinutesAgo),
    );
    expect((await callback(expired)).searchParams.get('error')).toBe('state_expired');

    expect((await callback(landing)).searchParams.get('status')).toBe('connected');
    const replay = await callback(landing);
    expect(replay.searchParams.get('error')).toBe('state_already_used');
    expect(replay.searchParams.get('status')).toBeNull();
  });

  it('reports a refused consent as access_denied', async () => {
    const ctx = await setup();
    const authorizeUrl = await start(ctx);
    const result = await simulator.authorize({
      clientId: authorizeUrl.searchParams.get('client_id')!,
      appId: ctx.intercom.appId,
      redirectUri: authorizeUrl.searchParams.get('redirect_uri')!,
      state: authorizeUrl.searchParams.get('state')!,
      decision: 'cancel',
    });
    const redirect = await callback(new URL(result.location));
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect((await api('GET', ctx.base, { token: ctx.token })).body.connected).toBe(false);
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
    expect(changed.body.settings).toEqual({ syncFeedback: false, syncContacts: false });
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
    await secretsManager.send(new PutSecretValueCommand({ SecretId: accessTokenSecret(ctx.workspaceId), SecretString: limited.token }));
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
    expect(await storedSecret(accessTokenSecret(ctx.workspaceId))).toBeUndefined();
    expect((await api('GET', ctx.base, { token: ctx.token })).body).toMatchObject({ connected: false, status: 'disconnected' });
    const ping = await simulator.deliverWebhook({ appId: ctx.intercom.appId, topic: 'ping', url: body.webhookUrl });
    expect(ping.deliveries[0]!.status).toBe(404);

    await connectByToken(ctx);
    expect((await api('GET', ctx.base, { token: ctx.token })).body).toMatchObject({ connected: true, webhook: { url: null } });
  });

  it('disconnects an OAuth workspace by uninstalling the app, which revokes the token', async () => {
    const ctx = await setup();
    const startResponse = await api('POST', `${ctx.base}/oauth/start`, { token: ctx.token });
    const authorizeUrl = new URL(startResponse.body.authorizeUrl);
    const landing = await simulator.authorize({
      clientId: authorizeUrl.searchParams.get('client_id')!,
      appId: ctx.intercom.appId,
      redirectUri: authorizeUrl.searchParams.get('redirect_uri')!,
      state: authorizeUrl.searchParams.get('state')!,
    });
    const landingUrl = new URL(landing.location);
    await fetch(`${stack.apiUrl}${landingUrl.pathname}${landingUrl.search}`, { redirect: 'manual' });
    const token = (await storedSecret(accessTokenSecret(ctx.workspaceId)))!;

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
