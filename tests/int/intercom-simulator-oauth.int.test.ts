import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntercomSimulator, type IntercomSimulator } from '../../dev/intercom-simulator';

type Json = Record<string, any>;

const CLIENT = { clientId: 'timebook-test', clientSecret: 'timebook-secret' };
const REDIRECT = 'https://timebook.test/v1/intercom/oauth/callback';

let sim: IntercomSimulator;

beforeAll(async () => {
  sim = await startIntercomSimulator({ port: 0, oauthClients: [{ ...CLIENT, redirectUris: [REDIRECT] }] });
});

afterAll(async () => {
  await sim.stop();
});

/** The consent form's hidden fields and workspace choices, read as a browser would. */
function readForm(html: string): { action: string; fields: Record<string, string>; appIds: string[] } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1] as string] = match[2] as string;
  const appIds = [...html.matchAll(/name="app_id" value="([^"]+)"/g)].map((match) => match[1] as string);
  return { action, fields, appIds };
}

async function exchange(body: string, contentType: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${sim.url}/auth/eagle/token`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: response.status, body: (await response.json()) as Json };
}

const formExchange = (fields: Record<string, string>) => exchange(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');

async function codeFor(appId: string): Promise<string> {
  const result = await sim.client.authorize({ clientId: CLIENT.clientId, appId, redirectUri: REDIRECT, state: 's' });
  return result.code as string;
}

describe('OAuth install', () => {
  it('runs consent page → code → token → /me', async () => {
    const ws = await sim.client.createWorkspace({ name: 'Round trip' });
    const consent = await fetch(
      `${sim.url}/oauth?client_id=${CLIENT.clientId}&state=st%2B1&redirect_uri=${encodeURIComponent(REDIRECT)}&app_id=${ws.appId}`,
    );
    expect(consent.status).toBe(200);
    expect(consent.headers.get('content-type')).toMatch(/text\/html/);
    const form = readForm(await consent.text());
    expect(form.appIds).toEqual([ws.appId]);
    expect(form.fields).toMatchObject({ client_id: CLIENT.clientId, redirect_uri: REDIRECT, state: 'st+1' });

    const submitted = await fetch(`${sim.url}${form.action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, app_id: ws.appId, decision: 'authorize' }).toString(),
      redirect: 'manual',
    });
    expect(submitted.status).toBe(302);
    const location = new URL(submitted.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st+1');
    const code = location.searchParams.get('code') as string;
    expect(code.length).toBeGreaterThan(10);

    const token = await formExchange({ code, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(token.status).toBe(200);
    expect(token.body).toEqual({ token_type: 'Bearer', token: expect.any(String), access_token: token.body.token });

    const me = await fetch(`${sim.url}/me`, { headers: { Authorization: `Bearer ${token.body.token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as Json).app).toMatchObject({ id_code: ws.appId, name: 'Round trip' });
  });

  it('issues codes that sometimes end in "=" and survive URL encoding', async () => {
    const ws = await sim.client.createWorkspace();
    const codes = [await codeFor(ws.appId), await codeFor(ws.appId), await codeFor(ws.appId)];
    expect(codes.some((code) => code.endsWith('='))).toBe(true);
    for (const code of codes) {
      expect((await formExchange({ code, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret })).status).toBe(200);
    }
  });

  it('accepts a JSON token request', async () => {
    const ws = await sim.client.createWorkspace();
    const body = JSON.stringify({ code: await codeFor(ws.appId), client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    const token = await exchange(body, 'application/json');
    expect(token.status).toBe(200);
    expect(token.body.token_type).toBe('Bearer');
  });

  it('refuses a used code, a wrong client secret and an unknown code with 401', async () => {
    const ws = await sim.client.createWorkspace();
    const code = await codeFor(ws.appId);
    const wrongSecret = await formExchange({ code, client_id: CLIENT.clientId, client_secret: 'nope' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.type).toBe('error.list');
    expect((await formExchange({ code, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret })).status).toBe(200);
    const reused = await formExchange({ code, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(reused.status).toBe(401);
    expect(reused.body.errors[0]).toEqual({ code: 'unauthorized', message: 'Unauthorized Code' });
    expect((await formExchange({ code: 'made-up=', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret })).status).toBe(401);
  });

  it('redirects with error=access_denied when the user cancels', async () => {
    const ws = await sim.client.createWorkspace();
    const result = await sim.client.authorize({ clientId: CLIENT.clientId, appId: ws.appId, redirectUri: REDIRECT, state: 'x', decision: 'cancel' });
    expect(result).toMatchObject({ code: null, error: 'access_denied', state: 'x' });
  });

  it('refuses an unregistered redirect_uri on the consent page', async () => {
    const response = await fetch(`${sim.url}/oauth?client_id=${CLIENT.clientId}&redirect_uri=${encodeURIComponent('https://evil.test/cb')}`);
    expect(response.status).toBe(400);
  });

  it('revokes the token on /auth/uninstall', async () => {
    const ws = await sim.client.createWorkspace();
    const token = await formExchange({ code: await codeFor(ws.appId), client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    const auth = { Authorization: `Bearer ${token.body.token}` };
    const uninstall = await fetch(`${sim.url}/auth/uninstall`, { method: 'POST', headers: auth });
    expect(uninstall.status).toBe(200);
    const after = await fetch(`${sim.url}/tags`, { headers: auth });
    expect(after.status).toBe(401);
    expect(((await after.json()) as Json).errors[0].code).toBe('unauthorized');
    const tokens = await sim.client.listTokens(ws.appId);
    expect(tokens.tokens.find((t) => t.token === token.body.token)).toMatchObject({ kind: 'oauth', revoked: true });
  });
});
