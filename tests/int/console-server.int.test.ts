import { describe, expect, it } from 'vitest';
import { stack } from '../support/local-stack';

/** The stack's console server: the page under APP_URL's base path (/timebook in the tests). */
describe('the console server', () => {
  const origin = new URL(stack.appUrl).origin;

  it('answers index.html with the base path for every route under it, so the page can route itself', async () => {
    for (const path of ['/', '/settings/integrations/intercom', '/products/prod_x/feedback/tkt_0123', '/contacts']) {
      const response = await fetch(`${stack.appUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await response.text();
      expect(html).toContain('<base href="/timebook/">');
      expect(html).toContain('<script type="module" src="console.js">');
    }
    const csp = (await fetch(`${stack.appUrl}/contacts`)).headers.get('content-security-policy');
    expect(csp).toContain(`connect-src 'self' ${stack.apiUrl}`);
    expect(csp).toContain("script-src 'self'");
  });

  it('serves the bundle, the stylesheet and config.json, and nothing else', async () => {
    const script = await fetch(`${stack.appUrl}/console.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('timebook-console.jwt');
    expect((await fetch(`${stack.appUrl}/console.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const config = await (await fetch(`${stack.appUrl}/config.json`)).json();
    expect(config).toEqual({
      apiUrl: stack.apiUrl,
      workspaceId: 'ws_demo',
      products: [{ id: 'mobile-app', name: 'Mobile app' }],
      simulatorUrl: `${stack.intercomUrl}/_sim/ui`,
    });

    expect((await fetch(`${stack.appUrl}/missing.js`)).status).toBe(404);
    expect((await fetch(`${origin}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${origin}/timebookish`)).status).toBe(404);
    expect((await fetch(`${stack.appUrl}/contacts`, { method: 'POST' })).status).toBe(405);
    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/timebook/');
  });
});
