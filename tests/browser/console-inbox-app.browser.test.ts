import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleConfig } from '../../dev/console-server';
import { SimulatorClient, type AdminSummary, type CreatedWorkspace } from '../../dev/intercom-simulator';
import { PERMISSIONS } from '../../lib/connect/permissions';
import { adminToken, api, newWorkspaceId } from '../support/api';
import { launchChromium, type LaunchedBrowser } from '../support/browser';
import { stack } from '../support/local-stack';

/*
 * The console's side of the inbox app and write-back, in headless Chromium against the real API
 * and the simulator: the write-back switch (refused for a token without "Write conversations",
 * then on), the inbox app's URLs, a ticket sent from the simulator's inbox app shown with its
 * source and sender, and the preview of the card. The connection is made through the API (the
 * console's connect screens have their own test); every step under test is a click.
 */

const simulator = new SimulatorClient(stack.intercomUrl);
const PRODUCT = { id: 'prod_inbox_app', name: 'Inbox app product' };
const WAIT = { timeout: 30_000 };

let chromium: LaunchedBrowser;
let context: BrowserContext;
let page: Page;
let workspaceId: string;
let jwt: string;
let intercom: CreatedWorkspace;
let sender: AdminSummary;
let submitUrl: string;
let conversationId: string;

async function call(method: string, path: string, body?: unknown) {
  const response = await api(method, `/v1/workspaces/${workspaceId}${path}`, { token: jwt, body });
  expect(response.status, response.text).toBeLessThan(300);
  return response.body;
}

beforeAll(async () => {
  workspaceId = newWorkspaceId('ws_inbox_app');
  jwt = await adminToken([workspaceId], { sub: 'inbox-app-admin' });
  // The pasted token has every permission the integration needs, but not "Write conversations".
  intercom = await simulator.createWorkspace({
    name: 'Inbox App Support',
    tokenPermissions: Object.values(PERMISSIONS),
  });
  sender = await simulator.createAdmin(intercom.appId, { name: 'Sam Sender', email: 'sam@example.com' });
  await call('POST', '/intercom/token', { accessToken: intercom.accessToken });
  await call('PUT', '/intercom/webhook-secret', { clientSecret: intercom.clientSecret });
  await call('PUT', `/products/${PRODUCT.id}/intercom-feedback`, { enabled: true, triggerTagIds: [], productName: PRODUCT.name });

  chromium = await launchChromium();
  context = await chromium.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(stack.appUrl).origin });
  const served = (await (await fetch(`${stack.appUrl}/config.json`)).json()) as ConsoleConfig;
  await context.route(`${stack.appUrl}/config.json`, (route) => route.fulfill({ json: { ...served, workspaceId, jwt, products: [PRODUCT] } }));
  page = await context.newPage();
});

afterAll(async () => {
  await chromium?.close();
});

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const navLink = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });
const facts = () => page.locator('.facts').first();

describe('the console: inbox app and write-back', () => {
  it('refuses write-back for a token without "Write conversations" with the API’s words, and says the permission is missing', async () => {
    await page.goto(`${stack.appUrl}/settings/integrations/intercom`);
    await heading('Integrations: Intercom').waitFor();
    await facts().getByText('Optional permission missing: Write conversations — needed for write-back').waitFor(WAIT);

    const writeBack = page.getByRole('switch', { name: 'Write back to Intercom' });
    expect(await writeBack.isChecked()).toBe(false);
    await writeBack.check();
    const alert = page.getByRole('alert');
    await alert.getByText('intercom_permissions_missing').waitFor(WAIT);
    expect(await alert.textContent()).toContain("The Intercom app lacks: Write conversations. Tick it in the app's Authentication page, then switch write-back on again.");
    expect(await alert.getByRole('listitem').allTextContents()).toEqual(['Write conversations']);
    await expect.poll(() => writeBack.isChecked()).toBe(false);
  });

  it('switches write-back on once the token has the permission', async () => {
    // The admin ticks the permission in Intercom: a new token is pasted (through the API here).
    const granted = await simulator.createToken(intercom.appId, {});
    await call('POST', '/intercom/token', { accessToken: granted.token });
    await page.reload();
    await heading('Integrations: Intercom').waitFor();
    const writeBack = page.getByRole('switch', { name: 'Write back to Intercom' });
    await writeBack.waitFor();
    // By keyboard, as the other switches.
    await writeBack.focus();
    await page.keyboard.press('Space');
    await page.getByText('Write-back is on.').waitFor(WAIT);
    expect(await writeBack.isChecked()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await facts().textContent()).not.toContain('Optional permission missing');
    expect((await call('GET', '/intercom')).settings.writeBack).toBe(true);
  });

  it('shows the inbox app’s two URLs with copy buttons and where they go', async () => {
    const status = await call('GET', '/intercom');
    submitUrl = status.inboxApp.submitUrl;
    expect(await page.getByLabel('Initialize URL').inputValue()).toBe(status.inboxApp.initializeUrl);
    expect(await page.getByLabel('Submit URL').inputValue()).toBe(submitUrl);
    expect(submitUrl).toMatch(new RegExp(`^${stack.apiUrl}/v1/intercom/canvas/[A-Za-z0-9_-]{20,}/submit$`));
    expect(await page.getByLabel('Submit URL').getAttribute('readonly')).not.toBeNull();
    await page.getByRole('button', { name: 'Copy submit URL' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(submitUrl);
    const card = page.getByRole('region', { name: 'Inbox app' });
    expect(await card.textContent()).toContain('choose the Inbox location “Within the Conversation Details”, and paste the initialize URL and the submit URL');
  });

  it('shows a ticket sent from the inbox app as such, with its sender, in the inbox and on the ticket', async () => {
    const conversation = await simulator.createConversation(intercom.appId, { title: 'Bulk edit projects', body: '<p>Could we edit many projects at once?</p>' });
    conversationId = conversation.id;
    // Intercom refuses the link-back note (a 400 no retry changes): the status reports it.
    await simulator.failNext(intercom.appId, { method: 'POST', pathPrefix: `/conversations/${conversationId}/reply`, status: 400, count: 1 });
    // In Intercom, Sam opens the conversation's details and clicks "Send to Timebook" in the card.
    const sent = await simulator.canvasSubmit(intercom.appId, { url: submitUrl, conversationId, adminId: sender.id, componentId: `send:${PRODUCT.id}` });
    expect(sent.status, sent.responseText).toBe(200);

    await navLink(`${PRODUCT.name}: inbox`).click();
    await heading(`${PRODUCT.name}: feedback inbox`).waitFor();
    const item = page.locator('ol.tickets > li').filter({ hasText: 'Bulk edit projects' });
    await item.waitFor(WAIT);
    expect(await item.locator('.meta').textContent()).toContain('Sent from the inbox app by Sam Sender <sam@example.com>');

    await item.getByRole('link', { name: 'Bulk edit projects' }).click();
    await heading('Bulk edit projects').waitFor();
    const about = await facts().textContent();
    expect(about).toContain('SourceSent from the inbox app');
    expect(about).toContain('Sent bySam Sender <sam@example.com>');
  });

  it('previews the inbox app’s card for the conversation: its ticket and the form, display-only', async () => {
    const open = page.getByRole('button', { name: 'Preview the inbox app' });
    expect(await open.getAttribute('aria-expanded')).toBe('false');
    await open.click();
    const preview = page.getByRole('group', { name: 'Inbox app preview' });
    await preview.waitFor(WAIT);
    expect(await open.getAttribute('aria-expanded')).toBe('true');

    // The same JSON the inbox app answers, rendered: the ticket, linked to its page, then the form.
    expect(await preview.getByRole('heading', { name: 'Timebook' }).isVisible()).toBe(true);
    const ticketLink = preview.getByRole('link', { name: PRODUCT.name });
    expect(await ticketLink.getAttribute('href')).toMatch(new RegExp(`/products/${PRODUCT.id}/feedback/tkt_[0-9a-f]{26}$`));
    expect(await preview.getByRole('listitem').textContent()).toContain('Bulk edit projects');
    expect(await preview.getByText(`Product: ${PRODUCT.name}`).isVisible()).toBe(true);
    const title = preview.getByLabel('Title (optional)');
    expect(await title.isDisabled()).toBe(true);
    const send = preview.getByRole('button', { name: 'Send to Timebook (preview)' });
    expect(await send.isDisabled()).toBe(true);
    expect(await preview.textContent()).toContain('Nothing here sends anything.');

    // Exactly what the API's preview answers for the conversation.
    const canvas = await call('GET', `/intercom/inbox-app/preview?conversationId=${conversationId}`);
    const texts = (canvas.canvas.content.components as Array<{ type: string; text?: string }>).filter((c) => c.type === 'text').map((c) => c.text!.replace(/\\(.)/g, '$1'));
    expect(await preview.locator('.canvas-text, .canvas-header').allTextContents()).toEqual(texts);

    await open.click();
    expect(await preview.isHidden()).toBe(true);
  });

  it('shows the write-back failure in the status: the count and the last error', async () => {
    await navLink('Integrations: Intercom').click();
    await heading('Integrations: Intercom').waitFor();
    await facts().getByText('1 note not posted yet', { exact: true }).waitFor(WAIT);
    const status = await call('GET', '/intercom');
    expect(status.writeBack.failedTickets).toEqual([expect.objectContaining({ state: 'failed', productId: PRODUCT.id })]);
    expect(await facts().textContent()).toContain(`Write-back’s last error${status.writeBack.lastError}`);
    // Refused, the note was not posted, and nothing reached the ticket.
    const parts = (await simulator.getConversation(intercom.appId, conversationId)).parts;
    expect(parts.filter((part) => part.partType === 'note')).toEqual([]);
  });
});
