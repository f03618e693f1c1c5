import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntercomSimulator, type IntercomSimulator } from '../../dev/intercom-simulator';

type Json = Record<string, any>;

let sim: IntercomSimulator;

beforeAll(async () => {
  sim = await startIntercomSimulator({ port: 0, oauthClients: [{ clientId: 'faulty', clientSecret: 'secret', redirectUris: ['https://t.test/cb'] }] });
});

afterAll(async () => {
  await sim.stop();
});

async function get(token: string, path: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${sim.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
}

describe('fail-next rules', () => {
  it('fails exactly the next N matching requests, in Intercom error shape', async () => {
    const ws = await sim.client.createWorkspace();
    await sim.client.failNext(ws.appId, { method: 'GET', pathPrefix: '/contacts', status: 503, count: 2 });
    const first = await get(ws.accessToken, '/contacts');
    const other = await get(ws.accessToken, '/me');
    const second = await get(ws.accessToken, '/contacts?per_page=5');
    const third = await get(ws.accessToken, '/contacts');
    expect([first.status, other.status, second.status, third.status]).toEqual([503, 200, 503, 200]);
    expect(first.body).toMatchObject({ type: 'error.list', errors: [{ code: 'service_unavailable' }] });
    expect(first.headers.get('x-ratelimit-limit')).toBe('1666');
  });

  it('applies global rules to the OAuth token endpoint too', async () => {
    const ws = await sim.client.createWorkspace();
    const { code } = await sim.client.authorize({ clientId: 'faulty', appId: ws.appId, redirectUri: 'https://t.test/cb' });
    await sim.client.failNext(null, { method: 'POST', pathPrefix: '/auth/eagle/token', status: 500 });
    const exchange = () =>
      fetch(`${sim.url}/auth/eagle/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ code, client_id: 'faulty', client_secret: 'secret' }),
      });
    const failed = await exchange();
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as Json).errors[0].code).toBe('server_error');
    expect((await exchange()).status).toBe(200);
  });
});

describe('random faults', () => {
  it('repeat the same sequence of errors for the same seed', async () => {
    const ws = await sim.client.createWorkspace();
    const run = async (): Promise<number[]> => {
      await sim.client.setFaults(ws.appId, { seed: 99, errorRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await get(ws.accessToken, '/admins')).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(200);
    expect(first.some((status) => status === 500 || status === 503)).toBe(true);
    expect(first.every((status) => [200, 500, 503].includes(status))).toBe(true);
  });

  it('forces 429 with exhausted rate-limit headers', async () => {
    const ws = await sim.client.createWorkspace();
    await sim.client.setFaults(ws.appId, { rateLimitRate: 1 });
    const { status, body, headers } = await get(ws.accessToken, '/me');
    expect(status).toBe(429);
    expect(body.errors[0].code).toBe('rate_limit_exceeded');
    expect(headers.get('x-ratelimit-remaining')).toBe('0');
    await sim.client.clearFaults(ws.appId);
    expect((await get(ws.accessToken, '/me')).status).toBe(200);
  });

  it("keeps one workspace's faults away from another", async () => {
    const broken = await sim.client.createWorkspace();
    const healthy = await sim.client.createWorkspace();
    await sim.client.setFaults(broken.appId, { errorRate: 1, errorStatuses: [502] });
    expect((await get(broken.accessToken, '/me')).status).toBe(502);
    expect((await get(healthy.accessToken, '/me')).status).toBe(200);
    const stats = await sim.client.getStats(broken.appId);
    expect(stats.byRoute['GET /me']?.byStatus).toEqual({ '502': 1 });
  });

  it('reports the configured latency settings', async () => {
    const ws = await sim.client.createWorkspace();
    const snapshot = await sim.client.setFaults(ws.appId, { latencyMs: 5, jitterMs: 5, spikeRate: 0.1, spikeMs: 50 });
    expect(snapshot.settings).toEqual({ latencyMs: 5, jitterMs: 5, spikeRate: 0.1, spikeMs: 50 });
    expect((await get(ws.accessToken, '/me')).status).toBe(200);
  });
});
