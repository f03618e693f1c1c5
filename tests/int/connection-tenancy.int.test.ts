import { describe, expect, it } from 'vitest';
import { oauthFlow } from '../../dev/oauth-flow';
import { disconnect } from '../../lib/connect/manage-connection';
import type { Dependencies } from '../../lib/platform/dependencies';
import { adminToken, api, newWorkspaceId } from '../support/api';
import { SEEDED_CONTACT_TIMES } from '../support/seed-times';
import { simulator } from '../support/feedback-world';
import { inProcessDependencies } from '../support/in-process';
import { stack } from '../support/local-stack';
import { secretNamesOf, storedAccessToken } from '../support/secrets';

/*
 * A connection among other workspaces' connections, and a connection whose steps fail half-way:
 * routes never change hands by accident, a disconnect that failed is finished by the next one, and
 * a secret name is never needed again while Secrets Manager is still deleting it.
 */

const oauth = oauthFlow(api, simulator);

async function admin(label = 'ws') {
  const workspaceId = newWorkspaceId(label);
  return { workspaceId, token: await adminToken([workspaceId]), base: `/v1/workspaces/${workspaceId}/intercom` };
}

async function pingOAuthApp(appId: string) {
  const ping = await simulator.deliverWebhook({ appId, topic: 'ping', url: `${stack.apiUrl}/v1/webhooks/intercom`, secret: stack.intercomClientSecret });
  return ping.deliveries[0]!.status;
}

async function connectByToken(ws: { base: string; token: string }, accessToken: string) {
  return api('POST', `${ws.base}/token`, { token: ws.token, body: { accessToken } });
}

describe('routes between workspaces', () => {
  it("a workspace that reconnects never removes the route another workspace took over since", async () => {
    const shared = await simulator.createWorkspace({ name: 'Shared Intercom' });
    const elsewhere = await simulator.createWorkspace({ name: 'Elsewhere' });
    const a = await admin('a');
    const b = await admin('b');

    expect((await oauth.connect(a.workspaceId, a.token, shared.appId)).status).toBe(200);
    expect((await api('DELETE', a.base, { token: a.token })).status).toBe(204);
    expect((await oauth.connect(b.workspaceId, b.token, shared.appId)).status).toBe(200);
    expect(await pingOAuthApp(shared.appId)).toBe(200);

    // A connects something else, by token and then by OAuth: B's webhooks must still arrive.
    expect((await connectByToken(a, elsewhere.accessToken)).status).toBe(200);
    expect(await pingOAuthApp(shared.appId)).toBe(200);
    expect((await api('DELETE', a.base, { token: a.token })).status).toBe(204);
    expect((await oauth.connect(a.workspaceId, a.token, elsewhere.appId)).status).toBe(200);
    expect(await pingOAuthApp(shared.appId)).toBe(200);
    expect((await api('GET', b.base, { token: b.token })).body).toMatchObject({ connected: true, intercom: { appId: shared.appId } });
  });
});

describe('secret names are never reused', () => {
  it('connects again at once after a disconnect, by token and by OAuth, while the old secrets are still being deleted', async () => {
    const intercom = await simulator.createWorkspace({});
    const ws = await admin();
    expect((await connectByToken(ws, intercom.accessToken)).status).toBe(200);
    expect((await api('PUT', `${ws.base}/webhook-secret`, { token: ws.token, body: { clientSecret: intercom.clientSecret } })).status).toBe(200);

    expect((await api('DELETE', ws.base, { token: ws.token })).status).toBe(204);
    const again = await connectByToken(ws, intercom.accessToken);
    expect(again.status, again.text).toBe(200);
    const secret = await api('PUT', `${ws.base}/webhook-secret`, { token: ws.token, body: { clientSecret: intercom.clientSecret } });
    expect(secret.status, secret.text).toBe(200);

    expect((await api('DELETE', ws.base, { token: ws.token })).status).toBe(204);
    const byOAuth = await oauth.connect(ws.workspaceId, ws.token, intercom.appId);
    expect(byOAuth.status, byOAuth.text).toBe(200);
    expect(await storedAccessToken(ws.workspaceId)).toBeTruthy();
    expect(await secretNamesOf([ws.workspaceId])).toHaveLength(1);
  });

  it('stores a webhook secret at once after a token connect to another Intercom workspace replaced the former webhook', async () => {
    const first = await simulator.createWorkspace({});
    const second = await simulator.createWorkspace({});
    const ws = await admin();
    expect((await connectByToken(ws, first.accessToken)).status).toBe(200);
    expect((await api('PUT', `${ws.base}/webhook-secret`, { token: ws.token, body: { clientSecret: first.clientSecret } })).status).toBe(200);

    expect((await connectByToken(ws, second.accessToken)).status).toBe(200);
    const secret = await api('PUT', `${ws.base}/webhook-secret`, { token: ws.token, body: { clientSecret: second.clientSecret } });
    expect(secret.status, secret.text).toBe(200);
    const ping = await simulator.deliverWebhook({ appId: second.appId, topic: 'ping', url: secret.body.webhookUrl });
    expect(ping.deliveries[0]!.status).toBe(200);
    // The former connection's token and webhook secret are gone; only the new connection's two remain.
    expect(await secretNamesOf([ws.workspaceId])).toHaveLength(2);
  });
});

/** The service's use cases in this process, on the local stack, with one step of its stores made to fail once. */
function dependencies(fail: Partial<Record<Exclude<FailingStep, 'revoke'>, true>>): Dependencies {
  const once = <T extends object, K extends keyof T>(target: T, method: K, step: Exclude<FailingStep, 'revoke'>): T => {
    if (!fail[step]) return target;
    const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
    let failed = false;
    return new Proxy(target, {
      get: (object, key, receiver) =>
        key === method
          ? async (...args: unknown[]) => {
              if (!failed) {
                failed = true;
                throw new Error(`${step} failed`);
              }
              return original(...args);
            }
          : Reflect.get(object, key, receiver),
    });
  };
  return inProcessDependencies(({ connections, contactSync, secrets }) => ({
    connections: once(connections, 'saveDisconnected', 'mark disconnected'),
    contactSync: once(contactSync, 'disable', 'stop sync'),
    secrets: once(secrets, 'delete', 'delete secrets'),
  }));
}

/** A step of the disconnect made to fail once: in the service's stores, or at Intercom (`revoke`). */
type FailingStep = 'mark disconnected' | 'stop sync' | 'revoke' | 'delete secrets';

describe('a disconnect that fails half-way', () => {
  it.each<FailingStep>(['mark disconnected', 'stop sync', 'revoke', 'delete secrets'])(
    'is finished by a second disconnect when "%s" fails: no token left, the app uninstalled, no sync, webhooks 404',
    async (step) => {
      const intercom = await simulator.createWorkspace({});
      await simulator.seedContacts(intercom.appId, { ...SEEDED_CONTACT_TIMES, count: 20, seed: 3 });
      const ws = await admin();
      expect((await oauth.connect(ws.workspaceId, ws.token, intercom.appId)).status).toBe(200);
      const settings = await api('PATCH', `${ws.base}/settings`, { token: ws.token, body: { syncContacts: true } });
      expect(settings.status, settings.text).toBe(200);
      const token = (await storedAccessToken(ws.workspaceId))!;

      if (step === 'revoke') {
        // Intercom answers 500 to the uninstall, and to both of the client's retries.
        await simulator.failNext(intercom.appId, { method: 'POST', pathPrefix: '/auth/uninstall', status: 500, count: 3 });
        await expect(disconnect(dependencies({}), ws.workspaceId)).rejects.toMatchObject({ status: 500 });
      } else {
        await expect(disconnect(dependencies({ [step]: true }), ws.workspaceId)).rejects.toThrow(`${step} failed`);
      }
      await disconnect(dependencies({}), ws.workspaceId);

      expect(await secretNamesOf([ws.workspaceId])).toEqual([]);
      const me = await fetch(`${stack.intercomUrl}/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(401);
      const status = (await api('GET', ws.base, { token: ws.token })).body;
      expect(status).toMatchObject({ connected: false, status: 'disconnected', settings: { syncContacts: false } });
      expect(status.contactsSync.state).not.toBe('running');
      expect(await pingOAuthApp(intercom.appId)).toBe(404);
    },
  );

  it('answers a second DELETE after a complete one with 204, and changes nothing', async () => {
    const intercom = await simulator.createWorkspace({});
    const ws = await admin();
    expect((await connectByToken(ws, intercom.accessToken)).status).toBe(200);
    expect((await api('DELETE', ws.base, { token: ws.token })).status).toBe(204);
    expect((await api('DELETE', ws.base, { token: ws.token })).status).toBe(204);
    expect(await secretNamesOf([ws.workspaceId])).toEqual([]);
    expect((await api('GET', ws.base, { token: ws.token })).body).toMatchObject({ connected: false });
  });
});
