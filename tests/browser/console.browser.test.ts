import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleConfig } from '../../dev/console-server';
import { SimulatorClient, type CreatedWorkspace } from '../../dev/intercom-simulator';
import { PERMISSIONS } from '../../lib/connect/permissions';
import { CONTACT_TOPICS, FEEDBACK_TOPICS } from '../../lib/events/topics';
import { adminToken, newWorkspaceId } from '../support/api';
import { launchChromium, type LaunchedBrowser } from '../support/browser';
import { stack } from '../support/local-stack';
import { SEEDED_CONTACT_TIMES, utc } from '../support/seed-times';

/*
 * The admin console (console/, served by the stack's console server at APP_URL, which carries the
 * base path /timebook here) driven by clicks in headless Chromium, against the real API and the
 * simulator. Data and Intercom's side of the story go through the simulator's control API; every
 * Timebook step is a click on the page. The steps build on each other and share one page.
 */

const simulator = new SimulatorClient(stack.intercomUrl);
const PRODUCT = { id: 'prod_console', name: 'Console product' };
const CONTACT_COUNT = 120;
/** Long enough for a cold function on a busy machine; the page itself refreshes every 2-3 s. */
const WAIT = { timeout: 30_000 };

let chromium: LaunchedBrowser;
let context: BrowserContext;
let page: Page;
let workspaceId: string;
let jwt: string;
let intercom: CreatedWorkspace;
let webhookUrl: string;
let conversationId: string;
/** Every URL the page requested or navigated to: none may carry the JWT. */
const visited: string[] = [];
/** How many documents the page loaded (a reload would add one). */
let documentLoads = 0;
/** When the console was first opened, for the time to the first ticket. */
let opened = 0;

beforeAll(async () => {
  workspaceId = newWorkspaceId('ws_console');
  jwt = await adminToken([workspaceId], { sub: 'console-admin' });
  intercom = await simulator.createWorkspace({ name: 'Console Support' });
  await simulator.createTags(intercom.appId, { names: ['Feature request', 'Bug'] });

  chromium = await launchChromium();
  context = await chromium.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.appUrl).origin });
  // The stack's console serves the dev workspace's config; this test's workspace and product replace them.
  const served = (await (await fetch(`${stack.appUrl}/config.json`)).json()) as ConsoleConfig;
  await context.route(`${stack.appUrl}/config.json`, (route) =>
    route.fulfill({ json: { ...served, workspaceId, products: [PRODUCT] } }),
  );
  page = await context.newPage();
  page.on('request', (request) => visited.push(request.url()));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url());
  });
  page.on('load', () => (documentLoads += 1));
});

afterAll(async () => {
  await chromium?.close();
});

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const alertText = () => page.getByRole('alert').first();
const navLink = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });

describe('the admin console', () => {
  it('serves its config with the API and the simulator, and asks for a JWT when the config has none', async () => {
    const served = (await (await fetch(`${stack.appUrl}/config.json`)).json()) as ConsoleConfig;
    expect(served).toMatchObject({ apiUrl: stack.apiUrl, simulatorUrl: `${stack.intercomUrl}/_sim/ui` });
    expect(served.jwt).toBeUndefined();

    opened = Date.now();
    await page.goto(`${stack.appUrl}/settings/integrations/intercom`);
    await heading('Sign in').waitFor();
    await page.getByLabel('Admin JWT').fill('not a jwt');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => alertText().textContent(), WAIT).toContain('That is not a JWT');

    await page.getByLabel('Admin JWT').fill(jwt);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Integrations: Intercom').waitFor();
    expect(await page.getByRole('link', { name: 'Intercom simulator' }).getAttribute('href')).toBe(`${stack.intercomUrl}/_sim/ui`);
    await page.getByText('Not connected').waitFor();
  });

  it('connects by access token; a token without "Read tags" is refused, naming the permission', async () => {
    const withoutTags = await simulator.createToken(intercom.appId, {
      permissions: Object.values(PERMISSIONS).filter((name) => name !== PERMISSIONS.readTags),
    });
    await page.getByRole('radio', { name: 'Access token' }).check();
    await page.getByLabel('Intercom access token').fill(withoutTags.token);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('intercom_permissions_missing').waitFor();
    expect(await alert.getByRole('listitem').allTextContents()).toEqual(['Read tags']);
    expect(await alert.textContent()).toContain('The Intercom app lacks: Read tags.');

    await page.getByLabel('Intercom access token').fill(intercom.accessToken);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByText(`Connected to ${intercom.name} by access token.`).waitFor();
    await page.getByText('Connected', { exact: true }).waitFor();
    expect(await page.getByText(`${intercom.name} (${intercom.appId})`).isVisible()).toBe(true);
  });

  it('generates the webhook URL from the client secret, copies it, and lists the topics to subscribe', async () => {
    await page.getByLabel('Client secret').fill(intercom.clientSecret);
    await page.getByRole('button', { name: 'Generate webhook URL' }).click();
    const url = page.getByLabel('Webhook URL');
    await expect.poll(() => url.inputValue(), WAIT).toMatch(new RegExp(`^${stack.apiUrl}/v1/webhooks/intercom/[A-Za-z0-9_-]{20,}$`));
    webhookUrl = await url.inputValue();
    // The same client secret signs the inbox app's requests: its URLs appear with the webhook URL's key.
    const key = webhookUrl.split('/').pop();
    await expect.poll(() => page.getByLabel('Initialize URL').inputValue(), WAIT).toBe(`${stack.apiUrl}/v1/intercom/canvas/${key}/initialize`);

    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(webhookUrl);
    const topics = [...FEEDBACK_TOPICS, ...CONTACT_TOPICS];
    expect(await page.locator('.topic-list code').allTextContents()).toEqual(topics);

    // In Intercom's Developer Hub the admin pastes the URL and ticks the topics.
    await simulator.setWebhookSubscription(intercom.appId, { url: webhookUrl, topics });
  });

  it('switches feedback on with a tag from the live picker; a tag gone from Intercom is refused with the API’s message', async () => {
    await navLink(`${PRODUCT.name}: feedback settings`).click();
    await heading(`${PRODUCT.name}: feedback settings`).waitFor();
    const staleTag = page.getByRole('checkbox', { name: 'Feature request' });
    await staleTag.waitFor();
    const staleId = await staleTag.getAttribute('value');

    // Meanwhile in Intercom every tag is deleted and made again (new ids), and the data arrives.
    await simulator.resetWorkspace(intercom.appId);
    await simulator.createTags(intercom.appId, { names: ['Feature request', 'Bug'] });
    await simulator.seedContacts(intercom.appId, { count: CONTACT_COUNT, seed: 3, ...SEEDED_CONTACT_TIMES });

    await page.getByRole('switch', { name: 'Intercom feedback' }).check();
    await staleTag.check();
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('unknown_tag_ids').waitFor();
    expect(await alert.textContent()).toContain(`These tags do not exist in Intercom: ${staleId}.`);

    await page.getByRole('button', { name: 'Refresh tags' }).click();
    await page.getByRole('checkbox', { name: `${staleId} (not in Intercom)` }).uncheck();
    const freshTag = page.getByRole('checkbox', { name: 'Feature request', exact: true });
    expect(await freshTag.getAttribute('value')).not.toBe(staleId);
    await freshTag.check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved: feedback is on.').waitFor();
    expect(await alertText().isHidden()).toBe(true);
    expect(await page.locator('.facts').last().textContent()).toContain('Feature request');
  });

  it('shows a newly tagged conversation in the inbox without a reload', async () => {
    await navLink(`${PRODUCT.name}: inbox`).click();
    await heading(`${PRODUCT.name}: feedback inbox`).waitFor();
    await page.getByText('No tickets yet.').waitFor();
    const loadsBefore = documentLoads;

    const conversation = await simulator.createConversation(intercom.appId, {
      createdAt: utc('2026-01-08T10:00:00Z'),
      title: 'Export projects to CSV',
      body: '<p>Could we export every project to CSV?</p>',
    });
    conversationId = conversation.id;
    const tagged = Date.now();
    // The agent applies the trigger tag; the simulator delivers the webhook by itself.
    await simulator.tagConversation(intercom.appId, conversationId, { tagName: 'Feature request' });

    const ticketLink = page.getByRole('link', { name: 'Export projects to CSV' });
    await ticketLink.waitFor(WAIT);
    const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
    console.log(`console: the ticket appeared in the inbox ${seconds(tagged)} s after the tag, ${seconds(opened)} s after the console was opened (signed in, connected, webhook, tags: all by clicks)`);
    expect(documentLoads).toBe(loadsBefore);

    // A later one goes on top: newest first.
    const later = await simulator.createConversation(intercom.appId, { createdAt: utc('2026-01-09T10:00:00Z'), title: 'Dark mode for reports' });
    await simulator.tagConversation(intercom.appId, later.id, { tagName: 'Feature request' });
    await page.getByRole('link', { name: 'Dark mode for reports' }).waitFor(WAIT);
    expect(await page.locator('ol.tickets > li h2').allTextContents()).toEqual(['Dark mode for reports', 'Export projects to CSV']);
    await page.getByText('Page 1: 2 tickets.').waitFor();
    expect(documentLoads).toBe(loadsBefore);
  });

  it('shows the ticket: messages, a note marked as a note, a redacted message as redacted, the customer and the Intercom link', async () => {
    await simulator.addPart(intercom.appId, conversationId, { kind: 'admin_note', body: '<p>Asked by three customers this week</p>' });
    const reply = await simulator.addPart(intercom.appId, conversationId, { kind: 'user_reply', body: '<p>My card is 4111 1111 1111 1111</p>' });
    await simulator.redact(intercom.appId, conversationId, { partId: reply.part.id });

    await page.getByRole('link', { name: 'Export projects to CSV' }).click();
    await heading('Export projects to CSV').waitFor();
    const messages = page.locator('ol.messages > li');
    await expect.poll(async () => (await messages.allTextContents()).join('\n'), WAIT).toContain('This message was redacted in Intercom.');
    const texts = await messages.allTextContents();
    expect(texts[0]).toContain('Could we export every project to CSV?');
    expect(await page.locator('li.message.note').textContent()).toMatch(/Note.*Asked by three customers this week/);
    expect(await page.locator('li.message.redacted').textContent()).toContain('Redacted');
    expect(texts.join('\n')).not.toContain('4111');
    const link = page.getByRole('link', { name: `Open conversation ${conversationId} in Intercom` });
    expect(await link.getAttribute('href')).toBe(`https://app.intercom.com/a/inbox/${intercom.appId}/inbox/conversation/${conversationId}`);
    expect(await page.locator('.facts').first().textContent()).toMatch(/Customer.*contact [0-9a-f]{24}/);
  });

  it('switches contact sync on; the bar reaches 100% and the list pages', async () => {
    await navLink('Integrations: Intercom').click();
    // By keyboard: the switch takes the focus and Space flips it.
    const syncContacts = page.getByRole('switch', { name: 'Sync contacts' });
    await syncContacts.focus();
    await page.keyboard.press('Space');
    await page.getByText('Contact sync is on.').waitFor();
    await navLink('Contacts').click();
    await heading('Contacts').waitFor();

    const bar = page.locator('progress#sync-progress');
    // The simulator's conversation brought one lead more than the seeded contacts.
    await expect.poll(() => page.locator('#sync-progress-text').textContent(), { timeout: 45_000, interval: 500 }).toMatch(/^100% · \d+ of \d+ contacts · completed$/);
    const [value, max] = [Number(await bar.getAttribute('value')), Number(await bar.getAttribute('max'))];
    expect(value).toBe(max);
    expect(max).toBeGreaterThanOrEqual(CONTACT_COUNT);

    await page.getByText('Page 1: 50 contacts.').waitFor(WAIT);
    const firstPage = await page.locator('table.contacts tbody tr').allTextContents();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2: 50 contacts.').waitFor();
    const secondPage = await page.locator('table.contacts tbody tr').allTextContents();
    expect(secondPage.some((row) => firstPage.includes(row))).toBe(false);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(/^Page 3: \d+ contacts\.$/).waitFor();
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('Page 2: 50 contacts.').waitFor();
  });

  it('disconnects after a confirmation, then connects by OAuth through Intercom’s consent page and completes it', async () => {
    await navLink('Integrations: Intercom').click();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Disconnect Intercom' }).click();
    await page.getByText('Intercom is disconnected.').waitFor();
    await page.getByText('Not connected').waitFor();

    // Cancelled on Intercom's page: the console says so, with the code the callback gave.
    await page.getByRole('button', { name: 'Connect with OAuth' }).click();
    await page.waitForURL(`${stack.intercomUrl}/oauth?**`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${stack.appUrl}/settings/integrations/intercom`);
    await page.getByRole('alert').getByText('access_denied').waitFor(WAIT);
    expect(await page.getByRole('alert').textContent()).toContain('Intercom access was not authorized on the consent page.');

    await page.getByRole('button', { name: 'Connect with OAuth' }).click();
    await page.waitForURL(`${stack.intercomUrl}/oauth?**`);
    await page.getByRole('radio', { name: new RegExp(`\\(${intercom.appId},`) }).check();
    await page.getByRole('button', { name: 'Authorize access' }).click();

    await page.waitForURL(`${stack.appUrl}/settings/integrations/intercom`);
    await page.getByText(`Connected to ${intercom.name} by OAuth.`).waitFor(WAIT);
    // The code and state left the address bar (and the history entry) at once.
    expect(page.url()).toBe(`${stack.appUrl}/settings/integrations/intercom`);
    await page.getByText('OAuth (Timebook’s Intercom app)').waitFor();
    expect(visited.some((url) => url.startsWith(`${stack.appUrl}/settings/integrations/intercom/oauth?code=`))).toBe(true);
  });

  it('keeps the JWT out of every URL and out of localStorage (sessionStorage holds it for the tab)', async () => {
    expect(visited.length).toBeGreaterThan(10);
    expect(visited.filter((url) => url.includes(jwt))).toEqual([]);
    const storage = await page.evaluate<{ local: string; session: string }>(
      '({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) })',
    );
    expect(storage.local).not.toContain(jwt);
    expect(storage.session).toContain(jwt);
  });
});
