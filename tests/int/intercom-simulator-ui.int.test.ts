import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIntercomSimulator, type ConversationSummary, type CreatedWorkspace, type IntercomSimulator } from '../../dev/intercom-simulator';
import { LOCAL_WEBHOOK_TOPICS } from '../../dev/local-workspace';
import { SEEDED_CONTACT_TIMES, SEEDED_CONVERSATION_TIMES, utc } from '../support/seed-times';

// The simulator page (/_sim/ui) over HTTP: each form posts, answers 303 back to its page, and the
// change it makes reaches a local receiver as Intercom's signed webhook; bad input answers the page
// with the error and changes nothing.

type Json = Record<string, any>;

interface Hit {
  topic: string;
  body: Json;
  signatureValid: boolean;
}

/** The simulator's clock stands still here, so every time the page shows is this one. */
const NOW = utc('2026-02-02T10:00:00Z');
const NAME = 'Acme <b>Support</b> & "Co"';

let sim: IntercomSimulator;
let receiver: Server;
let receiverUrl: string;
/** Paths of the receiver that refuse Intercom's HEAD check. */
let refusingHeadUrl: string;
let hits: Hit[] = [];
let ws: CreatedWorkspace;
let conversation: ConversationSummary;
let base: string;

function verify(raw: Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha1=')) return false;
  const expected = Buffer.from(createHmac('sha1', secret).update(raw).digest('hex'));
  const given = Buffer.from(header.slice('sha1='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

beforeAll(async () => {
  sim = await startIntercomSimulator({ port: 0 });
  await sim.client.setClock(NOW);
  ws = await sim.client.createWorkspace({ name: NAME, clientSecret: 'ui-test-client-secret' });
  await sim.client.createTags(ws.appId, { names: ['Feature request', 'Bug'] });
  await sim.client.seedContacts(ws.appId, { count: 20, seed: 3, ...SEEDED_CONTACT_TIMES });
  [conversation] = (await sim.client.seedConversations(ws.appId, { count: 2, seed: 5, ...SEEDED_CONVERSATION_TIMES })).conversations as [ConversationSummary];
  base = `${sim.url}/_sim/ui/workspaces/${ws.appId}`;

  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/refuses-head') {
        res.writeHead(404);
        res.end();
        return;
      }
      if (req.method === 'POST') {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse(raw.toString('utf8')) as Json;
        hits.push({ topic: body.topic, body, signatureValid: verify(raw, req.headers['x-hub-signature'], ws.clientSecret) });
      }
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  receiverUrl = `${origin}/v1/webhooks/intercom/hook`;
  refusingHeadUrl = `${origin}/refuses-head`;
});

afterAll(async () => {
  receiver?.closeAllConnections();
  if (receiver) await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await sim?.stop();
});

beforeEach(() => {
  hits = [];
});

async function get(path: string): Promise<{ status: number; html: string }> {
  const response = await fetch(path.startsWith('http') ? path : `${base}${path}`);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  return { status: response.status, html: await response.text() };
}

/** Posts a form as a browser does, without following the redirect. */
async function post(path: string, fields: Array<[string, string]>): Promise<{ status: number; location: string | null; html: string }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** A form that succeeded: 303 back to `page`, whose notice then says what happened. */
async function expectDone(answer: { status: number; location: string | null }, page: string): Promise<string> {
  expect(answer.status).toBe(303);
  const location = new URL(answer.location ?? '', sim.url);
  expect(location.pathname).toBe(`/_sim/ui/workspaces/${ws.appId}${page}`);
  const { status, html } = await get(location.toString());
  expect(status).toBe(200);
  return /<div class="notice" role="status"><p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
}

const errorOf = (html: string): string => /<div class="error" role="alert"><p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
const conv = (): string => `/conversations/${conversation.id}`;
const subscribed = (): Promise<{ url: string; topics: string[] } | null> =>
  sim.client.getWebhookSubscription(ws.appId).catch(() => null);

describe('the simulator page', () => {
  it('lists the workspaces and shows a workspace with its name escaped, marked as the simulator', async () => {
    const index = await get(`${sim.url}/_sim/ui`);
    expect(index.status).toBe(200);
    expect(index.html).toContain('<title>Workspaces · Intercom simulator</title>');
    expect(index.html).toContain(`href="/_sim/ui/workspaces/${ws.appId}"`);
    const page = await get('');
    expect(page.html).toContain('<strong>Intercom simulator</strong>');
    expect(page.html).toContain('Acme &lt;b&gt;Support&lt;/b&gt; &amp; &quot;Co&quot;');
    expect(page.html).not.toContain(NAME);
    expect(page.html).toContain('Simulator clock: 2026-02-02 10:00:00 UTC (stopped)');
  });

  it('offers the topics the service handles, checked, before anything is subscribed', async () => {
    const { html } = await get('');
    const checked = [...html.matchAll(/name="topics" value="([^"]+)" checked/g)].map((match) => match[1]);
    expect(new Set(checked)).toEqual(new Set(LOCAL_WEBHOOK_TOPICS));
  });

  it('refuses a webhook URL that is not a URL, no topic, or a URL failing HEAD, and subscribes nothing', async () => {
    const notUrl = await post('/webhook-subscription', [['url', 'localhost hooks'], ['topics', 'contact.user.created']]);
    expect(notUrl.status).toBe(400);
    expect(errorOf(notUrl.html)).toContain('The webhook URL must be a full http:// or https:// URL.');
    expect(notUrl.html).toContain('value="localhost hooks"');

    const noTopic = await post('/webhook-subscription', [['url', receiverUrl]]);
    expect(noTopic.status).toBe(400);
    expect(errorOf(noTopic.html)).toContain('Choose at least one topic.');

    const unknownTopic = await post('/webhook-subscription', [['url', receiverUrl], ['topics', 'conversation.exploded']]);
    expect(unknownTopic.status).toBe(400);

    const head = await post('/webhook-subscription', [['url', refusingHeadUrl], ['topics', 'contact.user.created']]);
    expect(head.status).toBe(400);
    expect(errorOf(head.html)).toContain('Intercom validates the URL with HEAD');

    expect(await subscribed()).toBeNull();
    expect(hits).toEqual([]);
  });

  it('subscribes the URL with the chosen topics, pings it, and lists the deliveries with their HTTP status', async () => {
    const topics = LOCAL_WEBHOOK_TOPICS.map((topic): [string, string] => ['topics', topic]);
    const notice = await expectDone(await post('/webhook-subscription', [['url', receiverUrl], ...topics]), '');
    expect(notice).toContain(`Subscribed ${receiverUrl}`);
    expect(await subscribed()).toMatchObject({ url: receiverUrl, topics: ['ping', ...[...LOCAL_WEBHOOK_TOPICS].sort()] });

    const pinged = await expectDone(await post('/webhook-subscription/ping', [['message', 'hello <there>']]), '');
    expect(pinged).toContain(`Webhook ping delivered to ${receiverUrl}: answered 200.`);
    expect(hits.map((hit) => [hit.topic, hit.signatureValid, hit.body.data.item.message])).toEqual([['ping', true, 'hello <there>']]);

    const { html } = await get('');
    expect(html).toMatch(/<td>dlv_\d+<\/td><td>2026-02-02 10:00:00 UTC<\/td><td>ping<\/td><td>workspace app<\/td><td>sent<\/td><td>200<\/td><td>1<\/td>/);
  });

  it('tags a conversation with an existing tag and with a new one, each delivering conversation_part.tag.created', async () => {
    const bug = (await sim.client.createTags(ws.appId, { names: ['Bug'] })).tags[0]?.id as string;
    const notice = await expectDone(await post(`${conv()}/tags`, [['tagId', bug], ['partId', '']]), conv());
    expect(notice).toContain('Webhook conversation_part.tag.created delivered');
    const created = await expectDone(await post(`${conv()}/tags`, [['tagId', ''], ['newTagName', '<img src=x>']]), conv());
    expect(created).toContain('with &quot;&lt;img src=x&gt;&quot;');

    expect(hits.map((hit) => [hit.topic, hit.signatureValid])).toEqual([
      ['conversation_part.tag.created', true],
      ['conversation_part.tag.created', true],
    ]);
    expect(hits[0]?.body.data.item.id).toBe(conversation.id);
    const { html } = await get(conv());
    expect(html).toContain('<span class="tag">&lt;img src=x&gt;</span>');
    expect(html).not.toContain('<img src=x>');
    const stored = await sim.client.getConversation(ws.appId, conversation.id);
    expect(stored.tagIds).toContain(bug);
  });

  it('refuses a tag form without a tag, or with an unknown tag, and tags nothing', async () => {
    const before = (await sim.client.getConversation(ws.appId, conversation.id)).tagIds;
    const none = await post(`${conv()}/tags`, [['tagId', ''], ['newTagName', '  ']]);
    expect(none.status).toBe(400);
    expect(errorOf(none.html)).toContain('Choose a tag, or type the name of a new one.');
    const unknown = await post(`${conv()}/tags`, [['tagId', '999']]);
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.html)).toContain('Unknown tag 999');
    expect((await sim.client.getConversation(ws.appId, conversation.id)).tagIds).toEqual(before);
    expect(hits).toEqual([]);
  });

  it('removes a tag without a webhook, as Intercom sends none', async () => {
    const { tags } = await sim.client.createTags(ws.appId, { names: ['Feature request'] });
    const tagId = tags[0]?.id as string;
    await sim.client.tagConversation(ws.appId, conversation.id, { tagId, notify: false });
    const notice = await expectDone(await post(`${conv()}/tags/${tagId}/delete`, []), conv());
    expect(notice).toContain('Removed the tag &quot;Feature request&quot;');
    expect((await sim.client.getConversation(ws.appId, conversation.id)).tagIds).not.toContain(tagId);
    expect(hits).toEqual([]);
  });

  it('replies as the customer and as a teammate and adds a note, each delivering its topic, the text escaped', async () => {
    const admin = ws.admins[0]?.id as string;
    await expectDone(await post(`${conv()}/parts`, [['kind', 'user_reply'], ['body', 'Any news?\n<script>alert(1)</script>']]), conv());
    await expectDone(await post(`${conv()}/parts`, [['kind', 'admin_reply'], ['body', 'Soon.'], ['adminId', admin]]), conv());
    await expectDone(await post(`${conv()}/parts`, [['kind', 'admin_note'], ['body', 'Internal: roadmap Q3'], ['adminId', admin]]), conv());
    expect(hits.map((hit) => [hit.topic, hit.signatureValid])).toEqual([
      ['conversation.user.replied', true],
      ['conversation.admin.replied', true],
      ['conversation.admin.noted', true],
    ]);

    const parts = (await sim.client.getConversation(ws.appId, conversation.id)).parts.slice(-3);
    expect(parts.map((part) => [part.partType, part.authorType, part.body])).toEqual([
      ['comment', 'user', '<p>Any news?<br>&lt;script&gt;alert(1)&lt;/script&gt;</p>'],
      ['comment', 'admin', '<p>Soon.</p>'],
      ['note', 'admin', '<p>Internal: roadmap Q3</p>'],
    ]);
    expect(parts.every((part) => part.createdAt === NOW)).toBe(true);
    const { html } = await get(conv());
    expect(html).toContain('Any news?\n&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('(internal note)');
  });

  it('refuses an empty reply or an unknown kind of message, and adds no part', async () => {
    const before = (await sim.client.getConversation(ws.appId, conversation.id)).parts.length;
    const empty = await post(`${conv()}/parts`, [['kind', 'user_reply'], ['body', '   \n ']]);
    expect(empty.status).toBe(400);
    expect(errorOf(empty.html)).toContain('Write the message first: it is empty.');
    const kind = await post(`${conv()}/parts`, [['kind', 'close'], ['body', 'bye']]);
    expect(kind.status).toBe(400);
    expect(errorOf(kind.html)).toContain('Unknown kind of message.');
    expect((await sim.client.getConversation(ws.appId, conversation.id)).parts).toHaveLength(before);
    expect(hits).toEqual([]);
  });

  it('redacts a part, delivering conversation_part.redacted, and refuses an unknown part', async () => {
    const target = (await sim.client.getConversation(ws.appId, conversation.id)).parts.find((part) => part.body !== null && !part.redacted);
    const unknown = await post(`${conv()}/redact`, [['partId', '1']]);
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.html)).toContain('Unknown conversation part 1');
    const notice = await expectDone(await post(`${conv()}/redact`, [['partId', target?.id as string]]), conv());
    expect(notice).toContain('Webhook conversation_part.redacted delivered');
    expect(hits.map((hit) => [hit.topic, hit.signatureValid])).toEqual([['conversation_part.redacted', true]]);
    const parts = (await sim.client.getConversation(ws.appId, conversation.id)).parts;
    expect(parts.find((part) => part.id === target?.id)?.redacted).toBe(true);
    const { html } = await get(conv());
    expect(html).toContain(`<li class="part redacted" id="part-${target?.id}">`);
  });

  it('adds a contact and archives it, delivering contact.user.created and contact.archived', async () => {
    const notice = await expectDone(await post('/contacts', [['name', 'Ada <Lovelace>'], ['email', 'ada@example.com'], ['role', 'user']]), '');
    expect(notice).toContain('Added user Ada &lt;Lovelace&gt; &lt;ada@example.com&gt;');
    const contactId = hits[0]?.body.data.item.id as string;
    expect(hits.map((hit) => [hit.topic, hit.signatureValid, hit.body.data.item.email])).toEqual([['contact.user.created', true, 'ada@example.com']]);
    const contact = await sim.client.getContact(ws.appId, contactId);
    expect(contact).toMatchObject({ name: 'Ada <Lovelace>', created_at: NOW });
    const { html } = await get('');
    expect(html).toContain('<td>Ada &lt;Lovelace&gt;</td><td>ada@example.com</td><td>user</td>');

    hits = [];
    const archived = await expectDone(await post(`/contacts/${contactId}/archive`, []), '');
    expect(archived).toContain('Webhook contact.archived delivered');
    expect(hits.map((hit) => [hit.topic, hit.signatureValid])).toEqual([['contact.archived', true]]);
    const again = await post(`/contacts/${contactId}/archive`, []);
    expect(again.status).toBe(404);
    expect(errorOf(again.html)).toContain(`Unknown contact ${contactId}`);
  });

  it('refuses a contact without a name or with a bad email, and adds none', async () => {
    const before = (await sim.client.getWorkspace(ws.appId)).counts.contacts;
    const noName = await post('/contacts', [['name', ' '], ['email', 'grace@example.com'], ['role', 'user']]);
    expect(noName.status).toBe(400);
    expect(errorOf(noName.html)).toContain('Enter the name.');
    const badEmail = await post('/contacts', [['name', 'Grace'], ['email', 'grace at example'], ['role', 'lead']]);
    expect(badEmail.status).toBe(400);
    expect(errorOf(badEmail.html)).toContain('Enter a valid email address');
    expect(badEmail.html).toContain('value="grace at example"');
    expect((await sim.client.getWorkspace(ws.appId)).counts.contacts).toBe(before);
    expect(hits).toEqual([]);
  });

  it('unsubscribes: a change then delivers nothing, and the page says so', async () => {
    await expectDone(await post('/webhook-subscription/delete', []), '');
    expect(await subscribed()).toBeNull();
    const notice = await expectDone(await post(`${conv()}/parts`, [['kind', 'user_reply'], ['body', 'Hello?']]), conv());
    expect(notice).toContain('No webhook subscription follows conversation.user.replied, so nothing was delivered.');
    const ping = await post('/webhook-subscription/ping', []);
    expect(ping.status).toBe(404);
    expect(hits).toEqual([]);
  });

  it('answers 404 pages for an unknown workspace, conversation or page', async () => {
    expect((await get(`${sim.url}/_sim/ui/workspaces/nope`)).status).toBe(404);
    const missing = await get('/conversations/1');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('Unknown conversation 1');
    expect((await post('/conversations/1/parts', [['kind', 'user_reply'], ['body', 'x']])).status).toBe(404);
    expect((await get(`${sim.url}/_sim/ui/elsewhere`)).status).toBe(404);
  });
});

describe('the OAuth consent page', () => {
  it('is marked as the simulator, labels its workspace choice, and has Authorize and Cancel buttons', async () => {
    const client = await sim.client.createOAuthClient({ name: 'Timebook', redirectUris: ['http://localhost:5173/oauth/callback'] });
    const { status, html } = await get(`${sim.url}/oauth?client_id=${client.clientId}&state=s1`);
    expect(status).toBe(200);
    expect(html).toContain('<strong>Intercom simulator</strong>');
    expect(html).toContain('<legend>Install into workspace</legend>');
    expect(html).toContain(`<label><input type="radio" name="app_id" value="${ws.appId}" checked> Acme &lt;b&gt;Support&lt;/b&gt;`);
    expect(html).toContain('<button type="submit" name="decision" value="authorize">Authorize access</button>');
    expect(html).toContain('value="cancel" class="secondary">Cancel</button>');
  });
});
