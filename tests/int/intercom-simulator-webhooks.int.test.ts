import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIntercomSimulator, type CreatedWorkspace, type IntercomSimulator } from '../../dev/intercom-simulator';

type Json = Record<string, any>;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: Json;
  signatureValid: boolean;
}

let sim: IntercomSimulator;
let receiver: Server;
let receiverUrl: string;
/** Secrets the receiver accepts, per app id, as the service would hold them. */
const secrets = new Map<string, string>();
let received: Received[] = [];

function verify(raw: Buffer, header: string | undefined, secret: string | undefined): boolean {
  if (!header?.startsWith('sha1=') || secret === undefined) return false;
  const expected = Buffer.from(createHmac('sha1', secret).update(raw).digest('hex'));
  const given = Buffer.from(header.slice('sha1='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

beforeAll(async () => {
  sim = await startIntercomSimulator({ port: 0 });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8')) as Json;
      const header = req.headers['x-hub-signature'];
      const signatureValid = verify(raw, typeof header === 'string' ? header : undefined, secrets.get(body.app_id));
      received.push({ path: req.url ?? '', headers: req.headers, raw, body, signatureValid });
      res.writeHead(signatureValid ? 200 : 401);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/webhooks/intercom`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await sim.stop();
});

beforeEach(() => {
  received = [];
});

async function workspace(apiVersion = '2.16'): Promise<CreatedWorkspace> {
  const ws = await sim.client.createWorkspace({ apiVersion });
  secrets.set(ws.appId, ws.clientSecret);
  return ws;
}

describe('webhook delivery', () => {
  it('signs the raw body with the workspace client secret and sends Intercom headers', async () => {
    const ws = await workspace();
    const conversation = await sim.client.createConversation(ws.appId, { parts: [{ kind: 'admin_reply', body: '<p>Hello there</p>' }] });
    const result = await sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'conversation.admin.replied', conversationId: conversation.id });
    expect(result.deliveries.map((d) => d.status)).toEqual([200]);
    expect(received).toHaveLength(1);
    const [hit] = received as [Received];
    expect(hit.signatureValid).toBe(true);
    expect(hit.raw.toString('utf8')).toBe(result.body);
    expect(hit.headers['user-agent']).toBe('intercom-parrot-service-client/1.0');
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.body).toMatchObject({
      type: 'notification_event',
      app_id: ws.appId,
      topic: 'conversation.admin.replied',
      data: { type: 'notification_event_data', item: { type: 'conversation', id: conversation.id } },
    });
    const parts = hit.body.data.item.conversation_parts;
    expect(parts.total_count).toBe(1);
    expect(parts.conversation_parts[0]).toMatchObject({ part_type: 'comment', body: 'Hello there', author: { type: 'admin' } });
  });

  it('can sign with a wrong secret so the receiver rejects it', async () => {
    const ws = await workspace();
    const result = await sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'ping', secret: 'not-the-secret' });
    expect(result.deliveries.map((d) => d.status)).toEqual([401]);
    expect(received[0]?.signatureValid).toBe(false);
    expect(received[0]?.body).toMatchObject({ topic: 'ping', id: null, data: { item: { type: 'ping' } } });
  });

  it('delivers the same notification twice when asked', async () => {
    const ws = await workspace();
    const contact = await sim.client.createContact(ws.appId, { role: 'user', email: 'twice@example.com' });
    const result = await sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'contact.user.created', contactId: contact.id, times: 2 });
    expect(result.deliveries.map((d) => d.status)).toEqual([200, 200]);
    expect(received).toHaveLength(2);
    expect(received[0]?.raw.equals(received[1]?.raw as Buffer)).toBe(true);
    expect(received[0]?.body.id).toMatch(/^notif_/);
  });

  it('sends contact items with ISO-8601 times and contact.deleted as a minimal item', async () => {
    const ws = await workspace();
    const contact = await sim.client.createContact(ws.appId, { role: 'lead', email: 'lead@example.com', externalId: 'L-1', createdAt: 1768020119 });
    await sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'contact.lead.created', contactId: contact.id });
    await sim.client.deleteContact(ws.appId, contact.id);
    await sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'contact.deleted', contactId: contact.id });
    const [created, deleted] = received;
    expect(created?.body.data.item).toMatchObject({ type: 'contact', role: 'lead', workspace_id: ws.appId, created_at: '2026-01-10T04:41:59.000+00:00' });
    expect(deleted?.body.data.item).toEqual({ id: contact.id, external_id: 'L-1', type: 'contact', deleted: true });
  });

  it('reports redaction and part tags from the current state', async () => {
    const ws = await workspace('2.14');
    const conversation = await sim.client.createConversation(ws.appId, { parts: [{ kind: 'user_reply', body: '<p>secret</p>' }] });
    const partId = conversation.parts[0]?.id as string;
    await sim.client.redact(ws.appId, conversation.id, { partId });
    const applied = await sim.client.tagConversation(ws.appId, conversation.id, { tagName: 'Bug', partId: conversation.sourceId });
    await sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'conversation_part.redacted', conversationId: conversation.id });
    await sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'conversation_part.tag.created', conversationId: conversation.id, shape: '1.x' });
    const [redacted, tagged] = received;
    expect(redacted?.body.data.item.conversation_parts.conversation_parts).toEqual([
      expect.objectContaining({ id: partId, redacted: true, body: '<p><i>This message was deleted</i></p>' }),
    ]);
    expect(tagged?.body.data.item.tags_added.tags).toEqual([{ type: 'tag', id: applied.id, name: 'Bug' }]);
    expect(tagged?.body.data.item.conversation_parts.conversation_parts[0].id).toBe(conversation.sourceId);
  });

  it('answers 400 for a topic whose object is missing', async () => {
    const ws = await workspace();
    await expect(
      sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'conversation.user.replied' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      sim.client.deliverWebhook({ appId: ws.appId, url: receiverUrl, topic: 'contact.user.created', contactId: 'nope' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(received).toHaveLength(0);
  });
});

describe('batch delivery', () => {
  async function batch(appId: string, order: 'given' | 'shuffled', seed?: number): Promise<string[]> {
    received = [];
    const result = await sim.client.deliverWebhookBatch({
      url: receiverUrl,
      appId,
      order,
      seed,
      notifications: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map((message) => ({ topic: 'ping' as const, message })),
    });
    const sent = result.results.map((r) => r.envelope.data.item.message as string);
    expect(received.map((r) => r.body.data.item.message)).toEqual(sent);
    expect(result.results.every((r) => r.deliveries[0]?.status === 200)).toBe(true);
    return sent;
  }

  it('keeps the given order', async () => {
    const ws = await workspace();
    expect(await batch(ws.appId, 'given')).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  });

  it('shuffles the same way for the same seed', async () => {
    const ws = await workspace();
    const first = await batch(ws.appId, 'shuffled', 42);
    const second = await batch(ws.appId, 'shuffled', 42);
    expect(second).toEqual(first);
    expect(first).not.toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect([...first].sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  });
});

describe('buildWebhook', () => {
  it('returns a signed notification without sending it', async () => {
    const ws = await workspace();
    const built = await sim.client.buildWebhook({ appId: ws.appId, topic: 'ping', createdAt: 1553288147 });
    expect(received).toHaveLength(0);
    expect(built.envelope).toMatchObject({ topic: 'ping', created_at: 1553288147, first_sent_at: 1553288147 });
    expect(built.headers['X-Hub-Signature']).toBe(`sha1=${createHmac('sha1', ws.clientSecret).update(built.body).digest('hex')}`);
  });
});
