import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type LaunchedBrowser } from '../support/browser';

// The browser the other browser tests drive starts, renders a local page and runs its script.
describe('headless Chromium', () => {
  let chromium: LaunchedBrowser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    chromium = await launchChromium();
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>t</title><button id="b">Count</button><output id="o">0</output>' +
        '<script>document.getElementById("b").onclick=()=>{const o=document.getElementById("o");o.textContent=String(Number(o.textContent)+1)}</script>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await chromium?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  it('clicks a button and reads what its script wrote', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Count' }).click();
    await page.getByRole('button', { name: 'Count' }).click();
    await expect.poll(() => page.locator('#o').textContent()).toBe('2');
    await context.close();
  });
});
