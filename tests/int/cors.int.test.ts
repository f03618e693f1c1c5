import { describe, expect, it } from 'vitest';
import { stack } from '../support/local-stack';

/** The local stack's APP_URL is its console's address, as the global setup starts it. */
const APP_ORIGIN = new URL(stack.appUrl).origin;
const STATUS_PATH = '/v1/workspaces/ws_cors/intercom';

function preflight(origin: string, method = 'GET') {
  return fetch(`${stack.apiUrl}${STATUS_PATH}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });
}

describe("cross-origin calls (serverless-offline applies serverless.yml's CORS settings)", () => {
  it("lets the frontend at APP_URL's origin call an admin route with its JWT", async () => {
    const response = await preflight(APP_ORIGIN, 'PATCH');

    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type']),
    );
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toContain('PATCH');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives any other origin no permission', async () => {
    const nextPort = `http://localhost:${Number(new URL(APP_ORIGIN).port) + 1}`;
    for (const origin of ['https://elsewhere.example', nextPort, `${APP_ORIGIN}.evil.example`]) {
      const response = await preflight(origin);

      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});
