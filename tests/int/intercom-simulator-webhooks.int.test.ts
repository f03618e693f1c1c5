import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startIntercomSimulator,
  webhookTopics,
  type CreatedWorkspace,
  type DeliverySummary,
  type IntercomSimulator,
  type WebhookSubscriptionInput,
} from '../../dev/intercom-simulator';

type Json = Record<string, any>;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: Json;
  signatureValid: boolean;
}

/**
 * A URL of the receiver with behaviour of its own: what it answers to HEAD and POST, and which
 * secret it checks signatures with, as the service would hold it for that app.
 */
interface Endpoint {
  url: string;
  hits: Received[];
  heads: IncomingHttpHeaders[];
  /** The status for the next POST (default 200). */
  respond: (hit: Received) => number;
  headStatus: number;
  /** Waits this long before answering a POST. */
  delayMs: number;
  secret: (appId: string) => string | undefined;
}

let sim: IntercomSimulator;
let receiver: Server;
let receiverBase: string;
let receiverUrl: string;
/** Secrets the receiver accepts, per app id, as the service would hold them. */
const secrets = new Map<string, string>();
let received: Received[] = [];
const endpoints = new Map<string, Endpoint>();
let endpointCount = 0;

function verify(raw: Buffer, header: string | undefined, secret: string | undefined): boolean {
  if (!header?.startsWith('sha1=') || secret === undefined) return false;
  const expected = Buffer.from(createHmac('sha1', secret).update(raw).digest('hex'));
  const given = Buffer.from(header.slice('sha1='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A fresh receiver URL; by default it answers 200 and checks signatures with the workspace's secret. */
function endpoint(options: Partial<Omit<Endpoint, 'url' | 'hits' | 'heads'>> = {}): Endpoint {
  const path = `/hooks/${++endpointCount}`;
  const created: Endpoint = {
    url: `${receiverBase}${path}`,
    hits: [],
    heads: [],
    respond: () => 200,
    headStatus: 200,
    delayMs: 0,
    secret: (appId) => secrets.get(appId),
    ...options,
  };
  endpoints.set(path, created);
  return created;
}

beforeAll(async () => {
  sim = await startIntercomSimulator({ port: 0 });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      const target = endpoints.get(path);
      if (req.method === 'HEAD') {
        target?.heads.push(req.headers);
        res.writeHead(target?.headStatus ?? 200);
        res.end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8')) as Json;
      const header = req.headers['x-hub-signature'];
      const secret = target ? target.secret(body.app_id) : secrets.get(body.app_id);
      const hit = { path, headers: req.headers, raw, body, signatureValid: verify(raw, typeof header === 'string' ? header : undefined, secret) };
      if (!target) {
        received.push(hit);
        res.writeHead(hit.signatureValid ? 200 : 401);
        res.end();
        return;
      }
      target.hits.push(hit);
      const status = hit.signatureValid ? target.respond(hit) : 401;
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status);
        res.end();
      }, target.delayMs);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  receiverUrl = `${receiverBase}/v1/webhooks/intercom`;
});

afterAll(async () => {
  receiver.closeAllConnections();
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

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (path: string): Json => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Json;
const redactedExample = fixture('intercom-examples/webhook-conversation_part.redacted.zulip-2026.json');
const contactExample = fixture('contacts/webhook-contact.user.created.zulip-2026.json');

/** 2026-01-01T00:00:00Z: the simulator's clock stands here in the tests below. */
const T0 = 1_767_225_600;

/** Every topic the simulator delivers (ping is always subscribed). */
const ALL_TOPICS = webhookTopics.filter((topic) => topic !== 'ping');

describe('webhook subscriptions', () => {
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    await sim.client.setClock(T0);
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await sim.client.releaseClock();
  });

  async function subscribe(appId: string, hook: Endpoint, input: Omit<WebhookSubscriptionInput, 'url'>) {
    const saved = await sim.client.setWebhookSubscription(appId, { url: hook.url, ...input });
    cleanups.push(() => sim.client.deleteWebhookSubscription(appId).catch(() => undefined));
    return saved;
  }

  async function deliveries(appId: string): Promise<DeliverySummary[]> {
    return (await sim.client.webhookDeliveries({ appId })).deliveries;
  }

  it('are validated with HEAD when saved: a URL that does not answer 2xx is refused', async () => {
    const ws = await workspace();
    const refusing = endpoint({ headStatus: 405 });
    await expect(sim.client.setWebhookSubscription(ws.appId, { url: refusing.url, topics: ['contact.deleted'] })).rejects.toMatchObject({
      status: 400,
      code: 'url_not_validated',
    });
    expect(refusing.heads).toHaveLength(1);
    await expect(sim.client.getWebhookSubscription(ws.appId)).rejects.toMatchObject({ status: 404 });

    const hook = endpoint();
    const saved = await subscribe(ws.appId, hook, { topics: ['conversation_part.tag.created'] });
    expect(hook.heads).toHaveLength(1);
    expect(hook.heads[0]?.['user-agent']).toBe('intercom-parrot-service-client/1.0');
    expect(saved).toMatchObject({
      app: { type: 'private', appId: ws.appId },
      url: hook.url,
      topics: ['ping', 'conversation_part.tag.created'],
      state: 'live',
      rules: { timeoutMs: 5000, retryAfterSeconds: 60, pauseAfterErrors: 1000, pauseWindowSeconds: 900, pauseSeconds: 900 },
    });
  });

  it("deliver every change by themselves, signed with the app's client secret, shaped as Intercom's examples", async () => {
    const ws = await workspace();
    const hook = endpoint();
    await subscribe(ws.appId, hook, { topics: ALL_TOPICS });
    const { client } = sim;

    const user = await client.createContact(ws.appId, { role: 'user', email: 'una@example.com' });
    await client.updateContact(ws.appId, user.id, { name: 'Una User' });
    const lead = await client.createContact(ws.appId, { role: 'lead', email: 'lee@example.com', externalId: 'L-7' });
    await client.updateContact(ws.appId, lead.id, { role: 'user' });
    const absorbed = await client.createContact(ws.appId, { role: 'lead' });
    await client.mergeContacts(ws.appId, { from: absorbed.id, into: user.id });
    await client.archiveContact(ws.appId, lead.id);
    await client.unarchiveContact(ws.appId, lead.id);
    await client.deleteContact(ws.appId, lead.id);
    const conversation = await client.createConversation(ws.appId, {
      contactId: user.id,
      parts: [{ kind: 'user_reply', body: '<p>The export is slow</p>' }],
    });
    const customerPart = conversation.parts[0]!.id;
    const adminReply = await client.addPart(ws.appId, conversation.id, { kind: 'admin_reply', body: '<p>Looking into it</p>' });
    const botReply = await client.addPart(ws.appId, conversation.id, { kind: 'bot_reply', body: '<p>Fin here</p>' });
    const note = await client.addPart(ws.appId, conversation.id, { kind: 'admin_note', body: '<p>Internal</p>' });
    await client.addPart(ws.appId, conversation.id, { kind: 'close' });
    const tag = await client.tagConversation(ws.appId, conversation.id, { tagName: 'Bug', partId: customerPart });
    await client.redact(ws.appId, conversation.id, { partId: customerPart });
    await client.redact(ws.appId, conversation.id, { source: true });

    const topics = hook.hits.map((hit) => hit.body.topic);
    expect(topics).toEqual([
      'contact.user.created',
      'contact.user.updated',
      'contact.lead.created',
      'contact.lead.signed_up',
      'contact.lead.created',
      'contact.merged',
      'contact.archived',
      'contact.unarchive',
      'contact.deleted',
      'conversation.user.replied',
      'conversation.admin.replied',
      'conversation.operator.replied',
      'conversation.admin.noted',
      'conversation_part.tag.created',
      'conversation_part.redacted',
      'conversation_part.redacted',
    ]);
    for (const hit of hook.hits) {
      expect(hit.signatureValid, hit.body.topic).toBe(true);
      expect(hit.headers['user-agent']).toBe('intercom-parrot-service-client/1.0');
      expect(Object.keys(hit.body)).toEqual(Object.keys(redactedExample));
      expect(hit.body).toMatchObject({ app_id: ws.appId, delivery_attempts: 1, created_at: T0, first_sent_at: T0, delivery_status: 'pending' });
      expect(hit.body.id).toMatch(/^notif_/);
    }
    expect(new Set(hook.hits.map((hit) => hit.body.id)).size).toBe(hook.hits.length);

    const item = (index: number): Json => hook.hits[index]!.body.data.item;
    const parts = (index: number): Json[] => item(index).conversation_parts.conversation_parts;
    expect(Object.keys(item(0))).toEqual(Object.keys(contactExample.data.item));
    expect(item(0)).toMatchObject({ id: user.id, role: 'user', created_at: '2026-01-01T00:00:00.000+00:00' });
    expect(item(1)).toMatchObject({ id: user.id, name: 'Una User' });
    expect(item(3)).toMatchObject({ id: lead.id, role: 'user' });
    expect(item(5)).toMatchObject({ id: user.id, merged_from: { type: 'contact', id: absorbed.id } });
    expect(item(8)).toEqual({ id: lead.id, external_id: 'L-7', type: 'contact', deleted: true });
    // Conversation items carry only the part that triggered them.
    expect(Object.keys(item(9)).sort()).toEqual(Object.keys(redactedExample.data.item).sort());
    expect(parts(9)).toEqual([expect.objectContaining({ id: customerPart, body: 'The export is slow', author: expect.objectContaining({ type: 'user', id: user.id }) })]);
    expect(parts(10)).toEqual([expect.objectContaining({ id: adminReply.part.id, body: 'Looking into it' })]);
    expect(parts(11)).toEqual([expect.objectContaining({ id: botReply.part.id, author: expect.objectContaining({ type: 'bot' }) })]);
    expect(parts(12)).toEqual([expect.objectContaining({ id: note.part.id, part_type: 'note' })]);
    expect(parts(13)).toEqual([expect.objectContaining({ id: customerPart, tags: [{ type: 'tag', id: tag.id, name: 'Bug' }] })]);
    expect(parts(14)).toEqual([expect.objectContaining({ id: customerPart, redacted: true })]);
    expect(parts(15)).toEqual([]);
    expect(item(15).source.redacted).toBe(true);

    const log = await sim.client.webhookDeliveries({ appId: ws.appId });
    expect(log.counts).toMatchObject({ sent: 16, retrying: 0, failed: 0, dropped: 0 });
    expect(log.deliveries.map((delivery) => delivery.notificationId)).toEqual(hook.hits.map((hit) => hit.body.id));
    expect(log.deliveries[13]).toMatchObject({ topic: 'conversation_part.tag.created', conversationId: conversation.id, tagId: tag.id, partIds: [customerPart] });
    expect(log.deliveries[13]?.attempts).toEqual([expect.objectContaining({ attempt: 1, at: T0, status: 200, url: hook.url })]);
  });

  it('send only the topics subscribed to, and ping; a change made with notify: false sends nothing', async () => {
    const ws = await workspace();
    const hook = endpoint();
    await subscribe(ws.appId, hook, { topics: ['conversation_part.tag.created'], shape: '1.x' });
    const conversation = await sim.client.createConversation(ws.appId, { parts: [{ kind: 'user_reply' }] });
    await sim.client.tagConversation(ws.appId, conversation.id, { tagName: 'Quiet', notify: false });
    const loud = await sim.client.tagConversation(ws.appId, conversation.id, { tagName: 'Loud' });
    const ping = await sim.client.pingWebhookSubscription(ws.appId);
    expect(hook.hits.map((hit) => hit.body.topic)).toEqual(['conversation_part.tag.created', 'ping']);
    expect(hook.hits[0]?.body.data.item.tags_added.tags).toEqual([{ type: 'tag', id: loud.id, name: 'Loud' }]);
    expect(hook.hits[1]?.body).toMatchObject({ id: null, app_id: ws.appId, data: { item: { type: 'ping' } } });
    expect(ping).toMatchObject({ topic: 'ping', status: 'sent', notificationId: null });
  });

  it('retry a failed delivery once, a minute later, with delivery_attempts 2 and the first first_sent_at', async () => {
    const ws = await workspace();
    let failures = 1;
    const hook = endpoint({ respond: () => (failures-- > 0 ? 500 : 200) });
    await subscribe(ws.appId, hook, { topics: ['conversation_part.tag.created'] });
    const conversation = await sim.client.createConversation(ws.appId, { parts: [{ kind: 'user_reply' }] });
    await sim.client.tagConversation(ws.appId, conversation.id, { tagName: 'Bug' });

    const [pending] = await deliveries(ws.appId);
    expect(pending).toMatchObject({ status: 'retrying', nextAttemptAt: T0 + 60, attempts: [{ attempt: 1, at: T0, status: 500 }] });
    expect((await sim.client.advanceClock(59)).fired).toEqual([]);
    expect(hook.hits).toHaveLength(1);
    const advanced = await sim.client.advanceClock(1);
    expect(advanced).toMatchObject({ now: T0 + 60, frozen: true, fired: [{ id: pending!.id, status: 'sent' }] });

    const [first, second] = hook.hits;
    expect(second?.signatureValid).toBe(true);
    expect(second?.body).toMatchObject({ id: first?.body.id, delivery_attempts: 2, first_sent_at: T0, created_at: T0 });
    expect(second?.body.data).toEqual(first?.body.data);
    const [done] = await deliveries(ws.appId);
    expect(done).toMatchObject({ status: 'sent', retried: true, nextAttemptAt: null });
    expect(done?.attempts.map((attempt) => [attempt.at, attempt.status])).toEqual([
      [T0, 500],
      [T0 + 60, 200],
    ]);
  });

  it('drop a notification as failed after the second failure, and replay it later as first built', async () => {
    const ws = await workspace();
    let broken = true;
    const hook = endpoint({ respond: () => (broken ? 503 : 200) });
    await subscribe(ws.appId, hook, { topics: ['conversation.user.replied'] });
    const conversation = await sim.client.createConversation(ws.appId, {});
    const reply = await sim.client.addPart(ws.appId, conversation.id, { kind: 'user_reply', body: '<p>my card number</p>' });
    await sim.client.advanceClock(60);
    await sim.client.advanceClock(3600);
    expect(hook.hits.map((hit) => hit.body.delivery_attempts)).toEqual([1, 2]);
    const [failed] = await deliveries(ws.appId);
    expect(failed).toMatchObject({ status: 'failed', retried: true, nextAttemptAt: null, droppedBecause: null });
    expect((await sim.client.webhookDeliveries({ appId: ws.appId, status: 'failed' })).counts.failed).toBe(1);

    // The notification carries the text as it was, even after a redaction: a late delivery would too.
    await sim.client.redact(ws.appId, conversation.id, { partId: reply.part.id, notify: false });
    broken = false;
    const replayed = await sim.client.replayWebhookDelivery(failed!.id);
    expect(replayed.status).toBe(200);
    const late = hook.hits[2]!;
    expect(late.signatureValid).toBe(true);
    expect(late.body).toMatchObject({ id: failed!.notificationId, delivery_attempts: 1 });
    expect(late.body.data.item.conversation_parts.conversation_parts[0]).toMatchObject({ id: reply.part.id, body: 'my card number' });
    expect((await sim.client.webhookDelivery(failed!.id)).status).toBe('failed');
  });

  it('count an answer slower than the timeout as a failure', async () => {
    const ws = await workspace();
    const hook = endpoint({ delayMs: 400 });
    await subscribe(ws.appId, hook, { topics: ['contact.user.created'], rules: { timeoutMs: 150 } });
    await sim.client.createContact(ws.appId, { role: 'user' });
    const [slow] = await deliveries(ws.appId);
    expect(slow).toMatchObject({ status: 'retrying', attempts: [{ status: null, error: 'no response within 150 ms' }] });
    hook.delayMs = 0;
    await sim.client.advanceClock(60);
    expect((await deliveries(ws.appId))[0]).toMatchObject({ status: 'sent', retried: true });
  });

  it('disable the subscription on 410: nothing more is sent until it is saved again', async () => {
    const ws = await workspace();
    let status = 410;
    const hook = endpoint({ respond: () => status });
    await subscribe(ws.appId, hook, { topics: ['contact.user.created'] });
    await sim.client.createContact(ws.appId, { role: 'user' });
    await sim.client.createContact(ws.appId, { role: 'user' });
    await sim.client.advanceClock(120);
    expect(hook.hits).toHaveLength(1);
    expect((await deliveries(ws.appId)).map((d) => [d.status, d.droppedBecause])).toEqual([
      ['failed', null],
      ['dropped', 'disabled'],
    ]);
    expect(await sim.client.getWebhookSubscription(ws.appId)).toMatchObject({ state: 'disabled', disabledAt: T0 });

    status = 200;
    expect(await subscribe(ws.appId, hook, { topics: ['contact.user.created'] })).toMatchObject({ state: 'live' });
    await sim.client.createContact(ws.appId, { role: 'user' });
    expect(hook.hits).toHaveLength(2);
  });

  it('pause after more consecutive errors than the threshold, drop what happens meanwhile, and resume after the pause', async () => {
    const ws = await workspace();
    let broken = true;
    const hook = endpoint({ respond: () => (broken ? 500 : 200) });
    await subscribe(ws.appId, hook, { topics: ['conversation_part.tag.created'], rules: { pauseAfterErrors: 3 } });
    const conversations: Array<{ id: string }> = [];
    for (let i = 0; i < 8; i++) conversations.push(await sim.client.createConversation(ws.appId, { parts: [{ kind: 'user_reply' }] }));
    const tag = (index: number) => sim.client.tagConversation(ws.appId, conversations[index]!.id, { tagName: 'Bug' });

    // Errors 1 to 3 leave it live; the 4th, within the 15 minutes, pauses it for 15 minutes.
    for (let i = 0; i < 3; i++) await tag(i);
    expect(await sim.client.getWebhookSubscription(ws.appId)).toMatchObject({ state: 'live', recentErrors: 3 });
    await tag(3);
    expect(await sim.client.getWebhookSubscription(ws.appId)).toMatchObject({ state: 'paused', pausedUntil: T0 + 900 });
    await tag(4);
    expect(hook.hits).toHaveLength(4);

    // The retries fall due inside the pause and are dropped with it; so is what happens until it ends.
    broken = false;
    const retries = await sim.client.advanceClock(60);
    expect(retries.fired.map((delivery) => delivery.droppedBecause)).toEqual(['paused', 'paused', 'paused', 'paused']);
    await sim.client.advanceClock(839);
    await tag(5);
    expect(hook.hits).toHaveLength(4);

    await sim.client.advanceClock(1);
    expect(await sim.client.getWebhookSubscription(ws.appId)).toMatchObject({ state: 'live', recentErrors: 0 });
    await tag(6);
    expect(hook.hits).toHaveLength(5);
    expect(hook.hits[4]?.body.data.item.id).toBe(conversations[6]!.id);

    const log = await sim.client.webhookDeliveries({ appId: ws.appId });
    console.log('pause, end to end (threshold 3):', log.counts);
    expect(log.counts).toMatchObject({ sent: 1, failed: 0, dropped: 6, retrying: 0 });
    expect(log.deliveries.map((d) => [d.conversationId, d.status, d.attempts.length])).toEqual([
      [conversations[0]!.id, 'dropped', 1],
      [conversations[1]!.id, 'dropped', 1],
      [conversations[2]!.id, 'dropped', 1],
      [conversations[3]!.id, 'dropped', 1],
      [conversations[4]!.id, 'dropped', 0],
      [conversations[5]!.id, 'dropped', 0],
      [conversations[6]!.id, 'sent', 1],
    ]);
  });

  it("send an OAuth app's notifications of every install to its one URL; a private app hears only its workspace", async () => {
    const app = await sim.client.createOAuthClient({ name: 'Timebook' });
    const shared = endpoint({ secret: () => app.clientSecret });
    const [a, b, c] = [await workspace(), await workspace(), await workspace()];
    await sim.client.installOAuthApp(app.clientId, { appId: a.appId });
    const installB = await sim.client.installOAuthApp(app.clientId, { appId: b.appId });
    expect((await sim.client.oauthInstallations(app.clientId)).appIds.sort()).toEqual([a.appId, b.appId].sort());
    await sim.client.setOAuthWebhookSubscription(app.clientId, { url: shared.url, topics: ['conversation_part.tag.created'] });
    cleanups.push(() => sim.client.deleteOAuthWebhookSubscription(app.clientId));
    const ownA = endpoint();
    const ownC = endpoint();
    await subscribe(a.appId, ownA, { topics: ['conversation_part.tag.created'] });
    await subscribe(c.appId, ownC, { topics: ['conversation_part.tag.created'] });

    const tagIn = async (ws: CreatedWorkspace) => {
      const conversation = await sim.client.createConversation(ws.appId, { parts: [{ kind: 'user_reply' }] });
      await sim.client.tagConversation(ws.appId, conversation.id, { tagName: 'Bug' });
    };
    await tagIn(a);
    await tagIn(b);
    await tagIn(c);

    expect(shared.hits.map((hit) => hit.body.app_id)).toEqual([a.appId, b.appId]);
    for (const hit of shared.hits) {
      expect(hit.signatureValid).toBe(true);
      expect(verify(hit.raw, hit.headers['x-hub-signature'] as string, secrets.get(hit.body.app_id))).toBe(false);
    }
    expect(ownA.hits.map((hit) => [hit.body.app_id, hit.signatureValid])).toEqual([[a.appId, true]]);
    expect(ownC.hits.map((hit) => [hit.body.app_id, hit.signatureValid])).toEqual([[c.appId, true]]);
    // The same change reaches two apps as two notifications.
    expect(shared.hits[0]?.body.id).not.toBe(ownA.hits[0]?.body.id);

    // Uninstalled (its token revoked), a workspace is no longer heard from.
    await sim.client.revokeToken(b.appId, installB.token);
    await tagIn(b);
    expect(shared.hits).toHaveLength(2);
    expect((await sim.client.webhookDeliveries({ clientId: app.clientId })).counts.sent).toBe(2);
    expect((await sim.client.webhookDeliveries({ appId: a.appId, appType: 'private' })).deliveries).toHaveLength(1);
  });
});
