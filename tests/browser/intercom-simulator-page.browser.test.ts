import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntercomSimulator, type IntercomSimulator, type OAuthClient } from '../../dev/intercom-simulator';
import { LOCAL_WORKSPACE, seedLocalWorkspace, type SeededWorkspace } from '../../dev/local-workspace';
import { launchChromium, type LaunchedBrowser } from '../support/browser';
import { utc } from '../support/seed-times';

// The simulator page and the OAuth consent page driven in headless Chromium by clicks (and typing
// into fields) only: what a person does to play Intercom locally. A receiver stands in for the
// service's webhook URL and checks each notification's signature.

let sim: IntercomSimulator;
let chromium: LaunchedBrowser;
let receiver: Server;
let origin: string;
let seeded: SeededWorkspace;
let oauthClient: OAuthClient;
const received: Array<{ topic: string; signed: boolean }> = [];

beforeAll(async () => {
  sim = await startIntercomSimulator({ port: 0 });
  await sim.client.setClock(utc('2026-02-02T10:00:00Z'));
  seeded = await seedLocalWorkspace(sim.client);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') {
        const raw = Buffer.concat(chunks);
        const signature = `sha1=${createHmac('sha1', LOCAL_WORKSPACE.clientSecret).update(raw).digest('hex')}`;
        received.push({ topic: (JSON.parse(raw.toString('utf8')) as { topic: string }).topic, signed: req.headers['x-hub-signature'] === signature });
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(req.method === 'GET' ? '<!doctype html><title>Back in the app</title><p>Back in the app.</p>' : '');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  oauthClient = await sim.client.createOAuthClient({ name: 'Timebook', redirectUris: [`${origin}/oauth/callback`] });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  receiver?.closeAllConnections();
  if (receiver) await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await sim?.stop();
});

/** The notice the page shows after a form went through. */
const notice = (page: Page) => page.getByRole('status');

describe('the simulator page in a browser', () => {
  it('subscribes a URL, tags, replies, notes, redacts, adds and archives a contact, each delivering its webhook', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${sim.url}/_sim/ui`);
    await page.getByRole('link', { name: 'Acme Support' }).click();
    await expect.poll(() => page.title()).toBe('Acme Support · Intercom simulator');

    await page.getByLabel('Webhook URL').fill(`${origin}/v1/webhooks/intercom/acme`);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => notice(page).textContent()).toContain('Subscribed');

    // The keyboard alone sends a ping: the field, then Enter submits its form.
    await page.getByLabel('Ping message (optional)').focus();
    await page.keyboard.type('hello');
    await page.keyboard.press('Enter');
    await expect.poll(() => notice(page).textContent()).toContain('Webhook ping delivered');

    const conversationId = seeded.conversations[0]?.id as string;
    await page.getByRole('link', { name: `Conversation ${conversationId}` }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Conversation ${conversationId}`);

    await page.getByLabel('Tag', { exact: true }).selectOption({ label: 'Feature request' });
    await page.getByRole('button', { name: 'Apply tag' }).click();
    await expect.poll(() => notice(page).textContent()).toContain('Webhook conversation_part.tag.created delivered');

    await page.getByLabel('Reply as the customer').fill('Any news on this?');
    await page.getByRole('button', { name: 'Send customer reply' }).click();
    await expect.poll(() => notice(page).textContent()).toContain('Webhook conversation.user.replied delivered');

    await page.getByLabel('Reply as a teammate').fill('It is on the roadmap.');
    await page.getByRole('button', { name: 'Send teammate reply' }).click();
    await expect.poll(() => notice(page).textContent()).toContain('Webhook conversation.admin.replied delivered');

    await page.getByLabel('Internal note').fill('Linked to the Q3 epic.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => notice(page).textContent()).toContain('Webhook conversation.admin.noted delivered');

    // A reply of blanks passes the browser's own check but is refused on the page.
    await page.getByLabel('Reply as the customer').fill('   ');
    await page.getByRole('button', { name: 'Send customer reply' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Write the message first');

    await page.getByRole('button', { name: /^Redact part/ }).first().click();
    await expect.poll(() => notice(page).textContent()).toContain('Webhook conversation_part.redacted delivered');
    await expect.poll(() => page.locator('.part.redacted').count()).toBe(1);

    await page.getByRole('link', { name: 'Acme Support' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await expect.poll(() => notice(page).textContent()).toContain('Webhook contact.user.created delivered');

    await page.getByRole('button', { name: 'Archive Ada Lovelace' }).click();
    await expect.poll(() => notice(page).textContent()).toContain('Webhook contact.archived delivered');

    expect(received).toEqual(
      [
        'ping',
        'conversation_part.tag.created',
        'conversation.user.replied',
        'conversation.admin.replied',
        'conversation.admin.noted',
        'conversation_part.redacted',
        'contact.user.created',
        'contact.archived',
      ].map((topic) => ({ topic, signed: true })),
    );
    // The delivery log on the page shows the receiver's answers.
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'contact.archived' }).textContent()).toContain('sent200');
    await context.close();
  });
});

/**
 * Form controls of the page without a label, and buttons without text. Run in the page as a
 * script (the project compiles without the DOM's types).
 */
const UNLABELLED = `(() => {
  const missing = [];
  for (const control of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const texts = [...(control.labels ?? [])].map((label) => label.textContent.trim());
    if (!texts.some((text) => text !== '')) missing.push(control.tagName.toLowerCase() + '#' + (control.id || control.name));
  }
  for (const button of document.querySelectorAll('button')) if (button.textContent.trim() === '') missing.push(button.outerHTML);
  return missing;
})()`;

const unlabelled = (page: Page): Promise<string[]> => page.evaluate<string[]>(UNLABELLED);

/** What the focused element says: its text, or a field's value. */
const FOCUSED = `(() => { const el = document.activeElement; return (el && (el.textContent.trim() || el.value)) || ''; })()`;

describe('the pages are usable without a mouse or sight', () => {
  it('labels every control and gives the page one h1 and a banner', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const conversationId = seeded.conversations[1]?.id as string;
    for (const path of ['/_sim/ui', `/_sim/ui/workspaces/${seeded.appId}`, `/_sim/ui/workspaces/${seeded.appId}/conversations/${conversationId}`]) {
      await page.goto(`${sim.url}${path}`);
      expect(await unlabelled(page)).toEqual([]);
      expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
      expect(await page.getByRole('banner').textContent()).toContain('Intercom simulator');
    }
    await page.goto(`${sim.url}/oauth?client_id=${oauthClient.clientId}`);
    expect(await unlabelled(page)).toEqual([]);
    // The skip link comes first, then the workspace choice and the two buttons, in that order.
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate<string>(FOCUSED));
    }
    expect(focused).toEqual(['Skip to content', LOCAL_WORKSPACE.appId, 'Authorize access', 'Cancel']);
    await context.close();
  });
});

describe('the OAuth consent page in a browser', () => {
  const consentUrl = (state: string): string =>
    `${sim.url}/oauth?client_id=${oauthClient.clientId}&redirect_uri=${encodeURIComponent(`${origin}/oauth/callback`)}&state=${state}`;

  it('authorizes by clicks: back on the redirect_uri with a code that exchanges for a token', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(consentUrl('st-1'));
    await page.getByRole('radio', { name: /Acme Support/ }).check();
    await page.getByRole('button', { name: 'Authorize access' }).click();
    await page.waitForURL(`${origin}/oauth/callback?**`);
    const back = new URL(page.url());
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code') as string;
    expect(code).toBeTruthy();
    const exchange = await fetch(`${sim.url}/auth/eagle/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code, client_id: oauthClient.clientId, client_secret: oauthClient.clientSecret }).toString(),
    });
    expect(exchange.status).toBe(200);
    const me = await fetch(`${sim.url}/me`, { headers: { authorization: `Bearer ${((await exchange.json()) as { token: string }).token}` } });
    expect(((await me.json()) as { app: { id_code: string } }).app.id_code).toBe(LOCAL_WORKSPACE.appId);
    await context.close();
  });

  it('cancels by a click: back on the redirect_uri with access_denied', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(consentUrl('st-2'));
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${origin}/oauth/callback?**`);
    const back = new URL(page.url());
    expect([back.searchParams.get('error'), back.searchParams.get('state'), back.searchParams.get('code')]).toEqual(['access_denied', 'st-2', null]);
    await context.close();
  });
});
