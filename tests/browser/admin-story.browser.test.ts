import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleConfig } from '../../dev/console-server';
import { SimulatorClient } from '../../dev/intercom-simulator';
import { LOCAL_PRODUCT, seedLocalWorkspace, type SeededWorkspace } from '../../dev/local-workspace';
import { adminToken, newWorkspaceId } from '../support/api';
import { launchChromium, type LaunchedBrowser } from '../support/browser';
import { stack } from '../support/local-stack';

/*
 * The admin guide's story (docs/admin-guide.md), by clicks only: a Timebook admin in the console and
 * the same person in the local Intercom (the simulator's page), side by side in two tabs, with the
 * data `npm start` seeds. Nothing goes through an API by hand: every webhook is one the simulator's
 * subscription sends by itself after a click.
 *
 * Each screen is photographed. `npm run docs:screenshots` runs this file with
 * CONSOLE_SCREENSHOT_DIR=docs/images, which refreshes the guide's pictures; otherwise they go to a
 * temporary folder and are only checked to be pictures.
 */

const simulator = new SimulatorClient(stack.intercomUrl);
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOT_DIR
  ? resolve(process.env.CONSOLE_SCREENSHOT_DIR)
  : mkdtempSync(join(tmpdir(), 'timebook-console-shots-'));
/** Long enough for a cold function on a busy machine; the console refreshes every few seconds. */
const WAIT = { timeout: 30_000 };

let chromium: LaunchedBrowser;
let context: BrowserContext;
let console_: Page;
let intercom: Page;
let acme: SeededWorkspace;
let workspaceId: string;
let jwt: string;
let webhookUrl: string;
let conversationId: string;
/** When the console was first opened: the start of "from npm start's URL to a ticket". */
let opened = 0;
const shots: string[] = [];
/** Time spent taking pictures, which a person clicking through does not spend. */
let shotMs = 0;

/** A picture of the page; `fullPage: false` keeps a long list to the first screen. */
async function shot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  const started = Date.now();
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage, animations: 'disabled', caret: 'hide' });
  shots.push(path);
  shotMs += Date.now() - started;
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  workspaceId = newWorkspaceId('ws_story');
  jwt = await adminToken([workspaceId], { sub: 'story-admin' });
  // The workspace `npm start` seeds, under an app id of this run's own.
  acme = await seedLocalWorkspace(simulator, `acme-${workspaceId.slice(-8)}`);

  chromium = await launchChromium();
  context = await chromium.newContext();
  // The stack's console serves the dev workspace's config; this run's workspace replaces it.
  const served = (await (await fetch(`${stack.appUrl}/config.json`)).json()) as ConsoleConfig;
  await context.route(`${stack.appUrl}/config.json`, (route) => route.fulfill({ json: { ...served, workspaceId, products: [LOCAL_PRODUCT] } }));
  console_ = await context.newPage();
  intercom = await context.newPage();
});

afterAll(async () => {
  await chromium?.close();
});

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const nav = (name: string) => console_.getByRole('navigation').getByRole('link', { name, exact: true });

describe('the admin guide, clicked through', () => {
  it('signs in to the console and connects Intercom with an access token', async () => {
    opened = Date.now();
    await console_.goto(`${stack.appUrl}/settings/integrations/intercom`);
    await console_.getByLabel('Admin JWT').fill(jwt);
    await console_.getByRole('button', { name: 'Sign in' }).click();
    await heading(console_, 'Integrations: Intercom').waitFor();
    await console_.getByText('Not connected').waitFor();
    await shot(console_, 'console-integrations-not-connected');

    await console_.getByRole('radio', { name: 'Access token' }).check();
    await console_.getByLabel('Intercom access token').fill(acme.accessToken);
    await console_.getByRole('button', { name: 'Connect', exact: true }).click();
    await console_.getByText(`Connected to ${acme.name} by access token.`).waitFor(WAIT);
  });

  it('generates the webhook URL and subscribes it in Intercom', async () => {
    await console_.getByLabel('Client secret').fill(acme.clientSecret);
    await console_.getByRole('button', { name: 'Generate webhook URL' }).click();
    const url = console_.getByLabel('Webhook URL');
    await expect.poll(() => url.inputValue(), WAIT).toMatch(/\/v1\/webhooks\/intercom\/[A-Za-z0-9_-]{20,}$/);
    webhookUrl = await url.inputValue();
    await shot(console_, 'console-integrations-connected');

    // In Intercom: the app's webhook page takes the URL; its topics are ticked already.
    await intercom.goto(`${stack.intercomUrl}/_sim/ui`);
    await intercom.getByRole('link', { name: acme.name }).click();
    await intercom.getByLabel('Webhook URL').fill(webhookUrl);
    await intercom.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => intercom.getByRole('status').textContent(), WAIT).toMatch(/subscri/i);
    await shot(intercom, 'intercom-webhook-subscription');
  });

  it('switches feedback on for the product with the "Feature request" tag', async () => {
    await console_.bringToFront();
    await nav(`${LOCAL_PRODUCT.name}: feedback settings`).click();
    await heading(console_, `${LOCAL_PRODUCT.name}: feedback settings`).waitFor();
    await console_.getByRole('switch', { name: 'Intercom feedback' }).check();
    await console_.getByRole('checkbox', { name: 'Feature request', exact: true }).check();
    await console_.getByRole('button', { name: 'Save' }).click();
    await console_.getByText('Saved: feedback is on.').waitFor(WAIT);
    await shot(console_, 'console-product-feedback');
  });

  it('tags a conversation in Intercom, and the ticket appears in the open inbox by itself', async () => {
    await nav(`${LOCAL_PRODUCT.name}: inbox`).click();
    await heading(console_, `${LOCAL_PRODUCT.name}: feedback inbox`).waitFor();
    await console_.getByText('No tickets yet.').waitFor(WAIT);
    const loads: string[] = [];
    console_.on('load', () => loads.push(console_.url()));

    const conversation = acme.conversations[0]!;
    conversationId = conversation.id;
    await intercom.bringToFront();
    await intercom.getByRole('link', { name: `Conversation ${conversationId}` }).click();
    await intercom.getByLabel('Tag', { exact: true }).selectOption({ label: 'Feature request' });
    const tagged = Date.now();
    await intercom.getByRole('button', { name: 'Apply tag' }).click();
    await expect.poll(() => intercom.getByRole('status').textContent(), WAIT).toContain('conversation_part.tag.created');

    const ticket = console_.locator('ol.tickets > li');
    await ticket.first().waitFor(WAIT);
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    const now = Date.now();
    console.log(
      `admin guide: a ticket was visible in the console ${seconds(now - opened - shotMs)} s after the console was opened ` +
        `(sign in, token, webhook URL, subscription, feedback settings, tag: all by clicks; ${seconds(shotMs)} s of screenshots left out), ` +
        `${seconds(now - tagged)} s after the tag`,
    );
    expect(loads).toEqual([]);
    expect(await ticket.count()).toBe(1);
    await console_.bringToFront();
    await shot(console_, 'console-feedback-inbox');
    await shot(intercom, 'intercom-conversation-tagged');
  });

  it("redacts a message in Intercom, and the ticket shows it redacted", async () => {
    await console_.locator('ol.tickets > li a').first().click();
    const first = console_.locator('ol.messages > li').first();
    await first.waitFor(WAIT);
    const original = (await first.locator('p.body').textContent())!;
    expect(original.length).toBeGreaterThan(10);

    await intercom.bringToFront();
    await intercom.getByRole('button', { name: /^Redact/ }).first().click();
    await expect.poll(() => intercom.getByRole('status').textContent(), WAIT).toContain('conversation_part.redacted');

    // The open ticket page reads the ticket again by itself.
    await console_.bringToFront();
    await expect.poll(() => first.getAttribute('class'), WAIT).toContain('redacted');
    expect(await console_.locator('li.message.redacted').count()).toBe(1);
    expect(await first.textContent()).not.toContain(original);
    await shot(console_, 'console-ticket');
  });

  it('switches contact sync on and the bar reaches 100%', async () => {
    await nav('Integrations: Intercom').click();
    await console_.getByRole('switch', { name: 'Sync contacts' }).check();
    await console_.getByText('Contact sync is on.').waitFor(WAIT);
    await nav('Contacts').click();
    await heading(console_, 'Contacts').waitFor();
    await expect
      .poll(() => console_.locator('#sync-progress-text').textContent(), { timeout: 60_000, interval: 500 })
      .toMatch(new RegExp(`^100% · ${acme.contactCount} of ${acme.contactCount} contacts · completed$`));
    await console_.getByText('Page 1: 50 contacts.').waitFor(WAIT);
    await shot(console_, 'console-contacts', { fullPage: false });
  });

  it('connects by OAuth instead: Intercom’s consent page, then back to the console', async () => {
    await nav('Integrations: Intercom').click();
    console_.once('dialog', (dialog) => void dialog.accept());
    await console_.getByRole('button', { name: 'Disconnect Intercom' }).click();
    await console_.getByText('Intercom is disconnected.').waitFor(WAIT);

    await console_.getByRole('button', { name: 'Connect with OAuth' }).click();
    await console_.waitForURL(`${stack.intercomUrl}/oauth?**`);
    await console_.getByRole('radio', { name: new RegExp(`\\(${acme.appId},`) }).check();
    await shot(console_, 'intercom-oauth-consent');
    await console_.getByRole('button', { name: 'Authorize access' }).click();
    await console_.waitForURL(`${stack.appUrl}/settings/integrations/intercom`);
    await console_.getByText(`Connected to ${acme.name} by OAuth.`).waitFor(WAIT);
  });

  it('took a picture of every screen', () => {
    expect(shots).toHaveLength(9);
    for (const path of shots) {
      const png = readFileSync(path);
      expect(png.subarray(1, 4).toString('latin1'), path).toBe('PNG');
      expect(png.length, path).toBeGreaterThan(10_000);
    }
  });
});
