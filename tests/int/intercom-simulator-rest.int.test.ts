import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntercomSimulator, type IntercomSimulator } from '../../dev/intercom-simulator';
import { SEEDED_CONTACT_TIMES, SEEDED_CONVERSATION_TIMES, utc } from '../support/seed-times';

type Json = Record<string, any>;

let sim: IntercomSimulator;

beforeAll(async () => {
  sim = await startIntercomSimulator({ port: 0 });
});

afterAll(async () => {
  await sim.stop();
});

async function api(
  token: string | null,
  path: string,
  init: RequestInit = {},
  baseUrl = sim.url,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Intercom-Version': '2.16' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
}

const search = (token: string, body: unknown) => api(token, '/contacts/search', { method: 'POST', body: JSON.stringify(body) });

describe('authentication', () => {
  it.each([
    ['no token', null],
    ['an unknown token', 'dG9rOm5vcGU='],
  ])('answers 401 unauthorized for %s', async (_label, token) => {
    const { status, body } = await api(token, '/me');
    expect(status).toBe(401);
    expect(body).toMatchObject({ type: 'error.list', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] });
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 401 once a token is revoked', async () => {
    const ws = await sim.client.createWorkspace();
    expect((await api(ws.accessToken, '/me')).status).toBe(200);
    await sim.client.revokeToken(ws.appId, ws.accessToken);
    const { status, body } = await api(ws.accessToken, '/me');
    expect(status).toBe(401);
    expect(body.errors[0].code).toBe('unauthorized');
  });

  it('identifies the workspace with /me', async () => {
    const ws = await sim.client.createWorkspace({ name: 'Acme', region: 'EU', timezone: 'Europe/Berlin' });
    const { status, body } = await api(ws.accessToken, '/me');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      type: 'admin',
      id: ws.admins[0]?.id,
      email_verified: true,
      app: { type: 'app', id_code: ws.appId, name: 'Acme', region: 'EU', timezone: 'Europe/Berlin', created_at: ws.createdAt },
    });
  });
});

describe('permissions', () => {
  const allButTags = [
    'Read and list users and companies',
    'Read and write users',
    'Read one user and one company',
    'Read conversations',
    'Read admins',
  ] as const;

  it('withholds /tags from a token without "Read tags" with 401 token_unauthorized', async () => {
    const ws = await sim.client.createWorkspace({ tokenPermissions: [...allButTags] });
    await sim.client.createTags(ws.appId, { names: ['bug'] });
    const denied = await api(ws.accessToken, '/tags');
    expect(denied.status).toBe(401);
    expect(denied.body.errors).toEqual([{ code: 'token_unauthorized', message: 'Not authorized to access resource' }]);
    expect((await api(ws.accessToken, '/contacts')).status).toBe(200);
    const full = await sim.client.createToken(ws.appId);
    expect((await api(full.token, '/tags')).body.data).toEqual([{ type: 'tag', id: expect.any(String), name: 'bug' }]);
  });

  it('answers 403 forbidden when the workspace reports missing scopes that way', async () => {
    const ws = await sim.client.createWorkspace({ tokenPermissions: [...allButTags], missingPermissionStyle: 'forbidden' });
    const { status, body } = await api(ws.accessToken, '/tags');
    expect(status).toBe(403);
    expect(body.errors[0]).toEqual({ code: 'forbidden', message: 'You do not have the required scope (read_tags) to access this resource' });
  });
});

describe('rate limits', () => {
  /**
   * Windows are aligned to the clock: a test whose requests must share one hour's window waits,
   * in the last seconds of an hour, for the next one to begin.
   */
  async function awayFromTheHour() {
    const msLeft = 3_600_000 - (Date.now() % 3_600_000);
    if (msLeft < 5_000) await new Promise((resolve) => setTimeout(resolve, msLeft + 50));
  }

  it('sends the headers on every response and 429 past the window quota', async () => {
    const ws = await sim.client.createWorkspace();
    await sim.client.setRateLimit(ws.appId, { limit: 3, windowSeconds: 3600 });
    await awayFromTheHour();
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await api(ws.accessToken, '/admins'));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(responses.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    for (const response of responses) {
      expect(response.headers.get('x-ratelimit-limit')).toBe('3');
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      expect(reset % 3600).toBe(0);
      expect(reset).toBeGreaterThan(Date.now() / 1000);
    }
    expect(responses[3]?.body.errors[0].code).toBe('rate_limit_exceeded');
  });

  it('limits each workspace separately', async () => {
    const busy = await sim.client.createWorkspace();
    const quiet = await sim.client.createWorkspace();
    await sim.client.setRateLimit(busy.appId, { limit: 1, windowSeconds: 3600 });
    await awayFromTheHour();
    await api(busy.accessToken, '/me');
    expect((await api(busy.accessToken, '/me')).status).toBe(429);
    expect((await api(quiet.accessToken, '/me')).status).toBe(200);
  });

  it('defaults to 1666 requests per 10-second window', async () => {
    const ws = await sim.client.createWorkspace();
    const { headers } = await api(ws.accessToken, '/me');
    expect(headers.get('x-ratelimit-limit')).toBe('1666');
    expect(Number(headers.get('x-ratelimit-reset')) % 10).toBe(0);
  });
});

describe('GET /contacts', () => {
  it('walks every seeded contact exactly once', async () => {
    const ws = await sim.client.createWorkspace();
    await sim.client.seedContacts(ws.appId, { count: 1000, seed: 11, ...SEEDED_CONTACT_TIMES });
    const seen = new Map<string, number>();
    let cursor: string | undefined;
    const pages: Json[] = [];
    do {
      const query = `per_page=150${cursor ? `&starting_after=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await api(ws.accessToken, `/contacts?${query}`);
      expect(status).toBe(200);
      expect(body.total_count).toBe(1000);
      pages.push(body.pages);
      for (const contact of body.data) seen.set(contact.id, (seen.get(contact.id) ?? 0) + 1);
      cursor = body.pages.next?.starting_after;
    } while (cursor);
    expect(seen.size).toBe(1000);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect(pages.map((p) => p.page)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages[0]).toMatchObject({ type: 'pages', per_page: 150, total_pages: 7, next: { page: 2 } });
    expect(pages.at(-1)).not.toHaveProperty('next');
  });

  it('defaults to 10 per page, clamps per_page to 150 and rejects a bad cursor', async () => {
    const ws = await sim.client.createWorkspace();
    await sim.client.seedContacts(ws.appId, { count: 200, seed: 1, ...SEEDED_CONTACT_TIMES });
    expect((await api(ws.accessToken, '/contacts')).body.data).toHaveLength(10);
    const big = await api(ws.accessToken, '/contacts?per_page=500');
    expect(big.body.data).toHaveLength(150);
    expect(big.body.pages.per_page).toBe(150);
    const bad = await api(ws.accessToken, '/contacts?starting_after=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe('parameter_invalid');
  });

  it('answers one contact, and 404 in Intercom shape for an unknown id', async () => {
    const ws = await sim.client.createWorkspace();
    const created = await sim.client.createContact(ws.appId, { role: 'lead', email: 'lead@example.com', externalId: 'x-1' });
    const found = await api(ws.accessToken, `/contacts/${created.id}`);
    expect(found.body).toMatchObject({ type: 'contact', id: created.id, role: 'lead', external_id: 'x-1', workspace_id: ws.appId });
    const missing = await api(ws.accessToken, '/contacts/000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0]).toEqual({ code: 'not_found', message: 'User Not Found' });
  });

  it('leaves archived contacts out of list and search but answers them by id; a merged-away lead answers 404', async () => {
    const ws = await sim.client.createWorkspace();
    const user = await sim.client.createContact(ws.appId, { role: 'user', email: 'stays@example.com' });
    const archived = await sim.client.createContact(ws.appId, { role: 'user', email: 'archived@example.com' });
    const lead = await sim.client.createContact(ws.appId, { role: 'lead', email: 'merged@example.com' });
    const conversation = await sim.client.createConversation(ws.appId, { contactId: lead.id });
    await sim.client.archiveContact(ws.appId, archived.id);
    const merged = await sim.client.mergeContacts(ws.appId, { from: lead.id, into: user.id });
    expect(merged.id).toBe(user.id);

    const listed = await api(ws.accessToken, '/contacts?per_page=50');
    expect(listed.body.data.map((contact: Json) => contact.id)).toEqual([user.id]);
    const searched = await search(ws.accessToken, { query: { field: 'role', operator: '=', value: 'user' } });
    expect(searched.body.data.map((contact: Json) => contact.id)).toEqual([user.id]);
    expect((await api(ws.accessToken, `/contacts/${archived.id}`)).body).toMatchObject({ id: archived.id, email: 'archived@example.com' });
    expect((await api(ws.accessToken, `/contacts/${lead.id}`)).status).toBe(404);
    expect((await sim.client.getConversation(ws.appId, conversation.id)).contactIds).toEqual([user.id]);

    await sim.client.unarchiveContact(ws.appId, archived.id);
    expect((await api(ws.accessToken, '/contacts?per_page=50')).body.total_count).toBe(2);
    await expect(sim.client.mergeContacts(ws.appId, { from: user.id, into: archived.id })).rejects.toMatchObject({ status: 400 });
  });
});

describe('POST /contacts/search', () => {
  // New York switches to daylight time at 02:00 on 2024-03-10.
  const timezone = 'America/New_York';
  const stamps = {
    march9Late: utc('2024-03-10T04:30:00Z'), // 9 March, 23:30 EST
    march10Early: utc('2024-03-10T05:30:00Z'), // 10 March, 00:30 EST
    march10Late: utc('2024-03-11T02:00:00Z'), // 10 March, 22:00 EDT (already 11 March in UTC)
    march11: utc('2024-03-11T13:00:00Z'), // 11 March, 09:00 EDT
  };

  async function workspaceWithStampedContacts() {
    const ws = await sim.client.createWorkspace({ timezone });
    const ids: Record<string, string> = {};
    for (const [name, at] of Object.entries(stamps)) {
      ids[name] = (await sim.client.createContact(ws.appId, { email: `${name}@example.com`, createdAt: at, updatedAt: at })).id;
    }
    return { ws, ids };
  }

  const namesOf = (body: Json, ids: Record<string, string>): string[] =>
    body.data.map((c: Json) => Object.keys(ids).find((name) => ids[name] === c.id)).sort();

  it('matches created_at by calendar day in the workspace timezone', async () => {
    const { ws, ids } = await workspaceWithStampedContacts();
    const noon10th = String(utc('2024-03-10T17:00:00Z'));
    const equal = await search(ws.accessToken, { query: { field: 'created_at', operator: '=', value: noon10th } });
    expect(namesOf(equal.body, ids)).toEqual(['march10Early', 'march10Late']);
    const after = await search(ws.accessToken, { query: { field: 'created_at', operator: '>', value: noon10th } });
    expect(namesOf(after.body, ids)).toEqual(['march11']);
    const before = await search(ws.accessToken, { query: { field: 'created_at', operator: '<', value: noon10th } });
    expect(namesOf(before.body, ids)).toEqual(['march9Late']);
  });

  it('finds contacts whose updated_at moved, with the (> OR =) AND < window', async () => {
    const { ws, ids } = await workspaceWithStampedContacts();
    await sim.client.updateContact(ws.appId, ids.march9Late as string, { name: 'Changed', updatedAt: utc('2024-03-11T15:00:00Z') });
    const from = utc('2024-03-11T12:00:00Z');
    const to = utc('2024-03-12T12:00:00Z');
    const { status, body } = await search(ws.accessToken, {
      query: {
        operator: 'AND',
        value: [
          { operator: 'OR', value: [{ field: 'updated_at', operator: '>', value: from }, { field: 'updated_at', operator: '=', value: from }] },
          { field: 'updated_at', operator: '<', value: to },
        ],
      },
      sort: { field: 'updated_at', order: 'ascending' },
      pagination: { per_page: 150 },
    });
    expect(status).toBe(200);
    expect(namesOf(body, ids)).toEqual(['march11', 'march9Late']);
    expect(body.data.map((c: Json) => c.updated_at)).toEqual([...body.data.map((c: Json) => c.updated_at)].sort((a, b) => a - b));
  });

  it('moves updated_at to now when a contact changes without a given time', async () => {
    const { ws, ids } = await workspaceWithStampedContacts();
    const before = Math.floor(Date.now() / 1000);
    const changed = await sim.client.updateContact(ws.appId, ids.march11 as string, { name: 'Renamed' });
    expect(changed.updated_at).toBeGreaterThanOrEqual(before);
    const today = await search(ws.accessToken, { query: { field: 'updated_at', operator: '=', value: changed.updated_at } });
    expect(today.body.data.map((c: Json) => c.id)).toEqual([ids.march11]);
  });

  it('rejects >= on a date and an unknown sort order with 400', async () => {
    const { ws } = await workspaceWithStampedContacts();
    const dateOp = await search(ws.accessToken, { query: { field: 'updated_at', operator: '>=', value: 1 } });
    expect(dateOp.status).toBe(400);
    expect(dateOp.body.type).toBe('error.list');
    const sort = await search(ws.accessToken, { query: { field: 'role', operator: '=', value: 'user' }, sort: { field: 'updated_at', order: 'desc' } });
    expect(sort.status).toBe(400);
    expect(sort.body.errors).toEqual([{ code: 'invalid_sort_order', message: "Invalid sort order 'desc'. Must be one of: ascending, descending" }]);
  });

  it('paginates a search with the cursor in the body, each match once, in sort order', async () => {
    const ws = await sim.client.createWorkspace();
    await sim.client.seedContacts(ws.appId, { count: 600, seed: 3, ...SEEDED_CONTACT_TIMES });
    const query = { field: 'role', operator: '=', value: 'user' };
    const seen: Json[] = [];
    let cursor: string | undefined;
    let total = 0;
    do {
      const { body } = await search(ws.accessToken, {
        query,
        sort: { field: 'created_at', order: 'descending' },
        pagination: { per_page: 50, ...(cursor ? { starting_after: cursor } : {}) },
      });
      total = body.total_count;
      seen.push(...body.data);
      cursor = body.pages.next?.starting_after;
    } while (cursor);
    expect(total).toBeGreaterThan(300);
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((c) => c.id)).size).toBe(total);
    expect(seen.every((c) => c.role === 'user')).toBe(true);
    const created = seen.map((c) => c.created_at as number);
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });
});

describe('GET /conversations/{id}', () => {
  it('returns parts, tags and contacts, HTML by default and plain text on request', async () => {
    const ws = await sim.client.createWorkspace();
    const conversation = await sim.client.createConversation(ws.appId, {
      body: '<p>Please add <b>dark mode</b></p>',
      parts: [{ kind: 'assignment' }, { kind: 'admin_reply', body: '<p>On it &amp; logged</p>' }, { kind: 'admin_note' }],
    });
    const applied = await sim.client.tagConversation(ws.appId, conversation.id, { tagName: 'feedback' });
    const html = await api(ws.accessToken, `/conversations/${conversation.id}`);
    expect(html.status).toBe(200);
    expect(html.body.source.body).toBe('<p>Please add <b>dark mode</b></p>');
    expect(html.body.tags).toEqual({
      type: 'tag.list',
      tags: [{ type: 'tag', id: applied.id, name: 'feedback', applied_at: applied.appliedAt, applied_by: { type: 'admin', id: ws.admins[0]?.id } }],
    });
    expect(html.body.contacts.contacts[0].id).toBe(conversation.contactIds[0]);
    const parts = html.body.conversation_parts.conversation_parts as Json[];
    expect(parts.map((p) => p.part_type)).toEqual(['assignment', 'comment', 'note']);
    expect(parts[0]?.body).toBeNull();
    const plain = await api(ws.accessToken, `/conversations/${conversation.id}?display_as=plaintext`);
    expect(plain.body.source.body).toBe('Please add dark mode');
    expect(plain.body.conversation_parts.conversation_parts[1].body).toBe('On it & logged');
  });

  it('answers 404 not_found for an unknown conversation', async () => {
    const ws = await sim.client.createWorkspace();
    const { status, body } = await api(ws.accessToken, '/conversations/1');
    expect(status).toBe(404);
    expect(body.errors[0]).toEqual({ code: 'not_found', message: 'Resource Not Found' });
  });

  it('keeps workspaces apart even when they reuse a conversation id and a tag id', async () => {
    const one = await sim.client.createWorkspace();
    const two = await sim.client.createWorkspace();
    for (const [ws, name] of [[one, 'alpha'], [two, 'beta']] as const) {
      await sim.client.createTags(ws.appId, { tags: [{ id: '777', name }] });
      await sim.client.createConversation(ws.appId, { id: '123456789012345', body: `<p>${name}</p>` });
      await sim.client.tagConversation(ws.appId, '123456789012345', { tagId: '777' });
    }
    const a = await api(one.accessToken, '/conversations/123456789012345');
    const b = await api(two.accessToken, '/conversations/123456789012345');
    expect(a.body.source.body).toBe('<p>alpha</p>');
    expect(b.body.source.body).toBe('<p>beta</p>');
    expect(a.body.tags.tags[0]).toMatchObject({ id: '777', name: 'alpha' });
    expect(b.body.tags.tags[0]).toMatchObject({ id: '777', name: 'beta' });
    expect((await api(one.accessToken, '/tags')).body.data).toEqual([{ type: 'tag', id: '777', name: 'alpha' }]);
  });
});

describe('POST /conversations/search', () => {
  const searchConversations = (token: string, body: unknown) =>
    api(token, '/conversations/search', { method: 'POST', body: JSON.stringify(body) });

  /** A watermark and conversations stamped around it, one second apart where it matters. */
  const watermark = utc('2026-01-08T12:00:00Z');

  async function workspaceWithStampedConversations(settings: { tagTouchesUpdatedAt?: boolean; redactTouchesUpdatedAt?: boolean } = {}) {
    const ws = await sim.client.createWorkspace({ timezone: 'Europe/Berlin', ...settings });
    const { tags } = await sim.client.createTags(ws.appId, { names: ['feedback', 'bug'] });
    const [feedback, bug] = tags.map((tag) => tag.id) as [string, string];
    const stamped = async (createdAt: number, lastPartAt: number) =>
      (await sim.client.createConversation(ws.appId, { createdAt, parts: [{ kind: 'user_reply', createdAt: lastPartAt }] })).id;
    const ids = {
      before: await stamped(watermark - 7200, watermark - 1),
      atWatermark: await stamped(watermark - 3600, watermark),
      after: await stamped(watermark - 1800, watermark + 60),
      muchLater: await stamped(watermark - 900, watermark + 86_400),
    };
    const appliedAt = watermark - 10;
    for (const id of [ids.before, ids.atWatermark, ids.muchLater]) await sim.client.tagConversation(ws.appId, id, { tagId: feedback, appliedAt });
    await sim.client.tagConversation(ws.appId, ids.after, { tagId: bug, appliedAt });
    return { ws, ids, feedback, bug };
  }

  const namesOf = (body: Json, ids: Record<string, string>): string[] =>
    body.conversations.map((c: Json) => Object.keys(ids).find((name) => ids[name] === c.id));

  it('finds the conversations of a tag updated in a window, inclusive to the second, in the list shape', async () => {
    const { ws, ids, feedback } = await workspaceWithStampedConversations();
    const { status, body } = await searchConversations(ws.accessToken, {
      query: {
        operator: 'AND',
        value: [
          { field: 'updated_at', operator: '>', value: watermark },
          { field: 'updated_at', operator: '<', value: watermark + 3600 },
          { field: 'tag_ids', operator: 'IN', value: [feedback] },
        ],
      },
      sort: { field: 'updated_at', order: 'ascending' },
    });

    expect(status).toBe(200);
    expect(namesOf(body, ids)).toEqual(['atWatermark']);
    expect(body).toMatchObject({ type: 'conversation.list', total_count: 1, pages: { type: 'pages', page: 1, per_page: 20, total_pages: 1 } });
    expect(body.pages.next).toBeUndefined();
    const [found] = body.conversations as Json[];
    expect(found).toMatchObject({ type: 'conversation', id: ids.atWatermark, updated_at: watermark });
    expect(found?.tags).toEqual({
      type: 'tag.list',
      tags: [{ type: 'tag', id: feedback, name: 'feedback', applied_at: watermark - 10, applied_by: { type: 'admin', id: ws.admins[0]?.id } }],
    });
    expect(found).not.toHaveProperty('conversation_parts');
    const single = await api(ws.accessToken, `/conversations/${ids.atWatermark}`);
    const { conversation_parts: _parts, ...withoutParts } = single.body;
    expect(found).toEqual(withoutParts);
  });

  it('nests AND and OR groups, and NIN excludes tagged conversations', async () => {
    const { ws, ids, feedback, bug } = await workspaceWithStampedConversations();
    const { body } = await searchConversations(ws.accessToken, {
      query: {
        operator: 'OR',
        value: [
          { operator: 'AND', value: [{ field: 'tag_ids', operator: '=', value: bug }, { field: 'updated_at', operator: '>', value: watermark }] },
          { operator: 'AND', value: [{ field: 'tag_ids', operator: '=', value: feedback }, { field: 'updated_at', operator: '<', value: watermark - 1 }] },
        ],
      },
    });
    expect(namesOf(body, ids).sort()).toEqual(['after', 'before']);
    const untagged = await searchConversations(ws.accessToken, { query: { field: 'tag_ids', operator: 'NIN', value: [feedback, bug] } });
    expect(untagged.body.total_count).toBe(0);
  });

  it('sorts by updated_at or created_at, ascending and descending', async () => {
    const { ws, ids } = await workspaceWithStampedConversations();
    const everything = { field: 'created_at', operator: '>', value: 0 };
    const order = async (field: string, direction: string) =>
      namesOf((await searchConversations(ws.accessToken, { query: everything, sort: { field, order: direction } })).body, ids);

    expect(await order('updated_at', 'ascending')).toEqual(['before', 'atWatermark', 'after', 'muchLater']);
    expect(await order('updated_at', 'descending')).toEqual(['muchLater', 'after', 'atWatermark', 'before']);
    expect(await order('created_at', 'descending')).toEqual(['muchLater', 'after', 'atWatermark', 'before']);
    expect(await order('created_at', 'ascending')).toEqual(['before', 'atWatermark', 'after', 'muchLater']);
  });

  it('pages with the cursor in the body: three pages, exact totals, each conversation once', async () => {
    const ws = await sim.client.createWorkspace();
    await sim.client.seedContacts(ws.appId, { count: 5, seed: 2, ...SEEDED_CONTACT_TIMES });
    await sim.client.seedConversations(ws.appId, { count: 25, seed: 4, partsPerConversation: 2, ...SEEDED_CONVERSATION_TIMES });
    const query = { field: 'updated_at', operator: '>', value: SEEDED_CONVERSATION_TIMES.startAt };
    const pages: Json[] = [];
    let cursor: string | undefined;
    do {
      const { status, body } = await searchConversations(ws.accessToken, {
        query,
        sort: { field: 'updated_at', order: 'descending' },
        pagination: { per_page: 10, ...(cursor ? { starting_after: cursor } : {}) },
      });
      expect(status).toBe(200);
      pages.push(body);
      cursor = body.pages.next?.starting_after;
    } while (cursor && pages.length < 5);

    expect(pages.map((p) => p.conversations.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.total_count)).toEqual([25, 25, 25]);
    expect(pages.map((p) => [p.pages.page, p.pages.total_pages])).toEqual([[1, 3], [2, 3], [3, 3]]);
    const seen = pages.flatMap((p) => p.conversations as Json[]);
    expect(new Set(seen.map((c) => c.id)).size).toBe(25);
    const updated = seen.map((c) => c.updated_at as number);
    expect(updated).toEqual([...updated].sort((a, b) => b - a));
  });

  it("tagging leaves updated_at alone unless the workspace's switch says otherwise; replies always move it", async () => {
    const at = watermark + 3600;
    const quiet = await workspaceWithStampedConversations();
    await sim.client.tagConversation(quiet.ws.appId, quiet.ids.before, { tagId: quiet.bug, appliedAt: at });
    expect((await sim.client.getConversation(quiet.ws.appId, quiet.ids.before)).updatedAt).toBe(watermark - 1);
    const sinceWatermark = { field: 'updated_at', operator: '>', value: watermark + 1 };
    expect(namesOf((await searchConversations(quiet.ws.accessToken, { query: sinceWatermark })).body, quiet.ids)).toEqual(['after', 'muchLater']);

    const touching = await workspaceWithStampedConversations({ tagTouchesUpdatedAt: true });
    expect(touching.ws.tagTouchesUpdatedAt).toBe(true);
    await sim.client.tagConversation(touching.ws.appId, touching.ids.before, { tagId: touching.bug, appliedAt: at });
    expect((await sim.client.getConversation(touching.ws.appId, touching.ids.before)).updatedAt).toBe(at);
    expect(namesOf((await searchConversations(touching.ws.accessToken, { query: sinceWatermark })).body, touching.ids)).toEqual([
      'before',
      'after',
      'muchLater',
    ]);

    // The switch can be changed on an existing workspace.
    await sim.client.updateWorkspace(touching.ws.appId, { tagTouchesUpdatedAt: false });
    await sim.client.tagConversation(touching.ws.appId, touching.ids.after, { tagId: touching.feedback, appliedAt: at + 60 });
    expect((await sim.client.getConversation(touching.ws.appId, touching.ids.after)).updatedAt).toBe(watermark + 60);

    await sim.client.addPart(quiet.ws.appId, quiet.ids.before, { kind: 'admin_reply', createdAt: at });
    expect((await sim.client.getConversation(quiet.ws.appId, quiet.ids.before)).updatedAt).toBe(at);
  });

  it('redaction moves the part but not the conversation, unless redactTouchesUpdatedAt', async () => {
    const redactedAt = watermark + 7200;
    for (const [touches, expected] of [[false, watermark - 1], [true, redactedAt]] as const) {
      const { ws, ids } = await workspaceWithStampedConversations({ redactTouchesUpdatedAt: touches });
      const [reply] = (await sim.client.getConversation(ws.appId, ids.before)).parts;
      await sim.client.redact(ws.appId, ids.before, { partId: reply?.id as string, redactedAt });
      const single = await api(ws.accessToken, `/conversations/${ids.before}`);
      expect(single.body.updated_at).toBe(expected);
      expect(single.body.conversation_parts.conversation_parts[0]).toMatchObject({ redacted: true, updated_at: redactedAt });
    }
  });

  it("answers Intercom's 400 error for an invalid query, and needs Read conversations", async () => {
    const { ws } = await workspaceWithStampedConversations();
    const cases = [
      { query: { field: 'updated_at', operator: '~', value: watermark } },
      { query: { field: 'updated_at', operator: '>', value: 'yesterday' } },
      { query: { field: 'no_such_field', operator: '=', value: 'x' } },
      { query: { operator: 'XOR', value: [] } },
      { pagination: { per_page: 5 } },
      { query: { field: 'id', operator: '=', value: '1' }, pagination: { starting_after: 'not+a+cursor' } },
    ];
    for (const body of cases) {
      const reply = await searchConversations(ws.accessToken, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body).toMatchObject({ type: 'error.list', errors: [{ code: 'parameter_invalid', message: expect.any(String) }] });
      expect(reply.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    const sort = await searchConversations(ws.accessToken, { query: { field: 'id', operator: '=', value: '1' }, sort: { field: 'updated_at', order: 'desc' } });
    expect(sort.status).toBe(400);
    expect(sort.body.errors).toEqual([{ code: 'invalid_sort_order', message: "Invalid sort order 'desc'. Must be one of: ascending, descending" }]);

    const tagsOnly = await sim.client.createToken(ws.appId, { permissions: ['Read tags'] });
    const denied = await searchConversations(tagsOnly.token, { query: { field: 'id', operator: '=', value: '1' } });
    expect(denied.status).toBe(401);
    expect(denied.body.errors).toEqual([{ code: 'token_unauthorized', message: 'Not authorized to access resource' }]);
  });

  it('is rate limited and subject to injected faults like every REST route', async () => {
    const { ws } = await workspaceWithStampedConversations();
    const query = { query: { field: 'id', operator: '=', value: '1' } };
    await sim.client.failNext(ws.appId, { method: 'POST', pathPrefix: '/conversations/search', status: 503 });
    const failed = await searchConversations(ws.accessToken, query);
    expect(failed.status).toBe(503);
    expect(failed.body.type).toBe('error.list');
    expect((await searchConversations(ws.accessToken, query)).status).toBe(200);
    await sim.client.setRateLimit(ws.appId, { limit: 0, windowSeconds: 3600 });
    const limited = await searchConversations(ws.accessToken, query);
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0].code).toBe('rate_limit_exceeded');
    const stats = await sim.client.getStats(ws.appId);
    expect(stats.byRoute['POST /conversations/search']?.byStatus).toEqual({ 200: 1, 429: 1, 503: 1 });
  });
});

describe('regions', () => {
  it('serves each region on its own base URL, and the US URL routes every region unless the workspace is strict', async () => {
    const eu = await sim.client.createWorkspace({ region: 'EU' });
    const au = await sim.client.createWorkspace({ region: 'AU', strictRegion: true });
    expect(sim.regionUrls).toEqual({ US: sim.url, EU: `${sim.url}/eu`, AU: `${sim.url}/au` });

    expect((await api(eu.accessToken, '/tags', {}, sim.regionUrls.EU)).status).toBe(200);
    expect((await api(eu.accessToken, '/tags', {}, sim.regionUrls.US)).status).toBe(200);
    expect((await api(au.accessToken, '/tags', {}, sim.regionUrls.AU)).status).toBe(200);
    expect((await api(au.accessToken, '/me', {}, sim.regionUrls.US)).body.app).toMatchObject({ id_code: au.appId, region: 'AU' });
    const refused = await api(au.accessToken, '/tags', {}, sim.regionUrls.US);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ type: 'error.list', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] });
    expect((await api(au.accessToken, '/tags', {}, sim.regionUrls.EU)).status).toBe(401);
    expect((await api(eu.accessToken, '/me', {}, sim.regionUrls.AU)).status).toBe(401);
  });

  it('exchanges OAuth codes of every region on the US URL only', async () => {
    const client = await sim.client.createOAuthClient({ redirectUris: ['https://app.example/callback'] });
    const eu = await sim.client.createWorkspace({ region: 'EU', strictRegion: true });
    const exchange = async (baseUrl: string) => {
      const { code } = await sim.client.authorize({ clientId: client.clientId, appId: eu.appId });
      const form = new URLSearchParams({ code: code!, client_id: client.clientId, client_secret: client.clientSecret });
      return fetch(`${baseUrl}/auth/eagle/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    };

    expect((await exchange(sim.regionUrls.EU)).status).toBe(404);
    const exchanged = await exchange(sim.regionUrls.US);
    expect(exchanged.status).toBe(200);
    const { access_token: token } = (await exchanged.json()) as { access_token: string };
    expect((await api(token, '/tags', {}, sim.regionUrls.EU)).status).toBe(200);
  });

  it('counts every request under the host it was sent to', async () => {
    const eu = await sim.client.createWorkspace({ region: 'EU', strictRegion: true });
    await api(eu.accessToken, '/me', {}, sim.regionUrls.US);
    await api(eu.accessToken, '/tags', {}, sim.regionUrls.EU);
    await api(eu.accessToken, '/contacts', {}, sim.regionUrls.EU);
    await api(eu.accessToken, '/tags', {}, sim.regionUrls.US);

    const stats = await sim.client.getStats(eu.appId);
    expect(stats.byHost).toEqual({
      US: { count: 2, byRoute: { 'GET /me': 1, 'GET /tags': 1 } },
      EU: { count: 2, byRoute: { 'GET /tags': 1, 'GET /contacts': 1 } },
    });
    expect(stats.byRoute['GET /tags']).toEqual({ count: 2, byStatus: { '200': 1, '401': 1 } });
    expect(stats.recent.map((entry) => `${entry.host} ${entry.route} ${entry.status}`)).toEqual([
      'US GET /me 200',
      'EU GET /tags 200',
      'EU GET /contacts 200',
      'US GET /tags 401',
    ]);
  });
});

describe('request statistics', () => {
  it('counts requests per route and status for the workspace', async () => {
    const ws = await sim.client.createWorkspace();
    await api(ws.accessToken, '/contacts');
    await api(ws.accessToken, '/contacts');
    await api(ws.accessToken, '/conversations/42');
    const stats = await sim.client.getStats(ws.appId);
    expect(stats.byRoute['GET /contacts']).toEqual({ count: 2, byStatus: { '200': 2 } });
    expect(stats.byRoute['GET /conversations/{id}']).toEqual({ count: 1, byStatus: { '404': 1 } });
    expect(stats.total).toBe(3);
  });
});

describe('POST /conversations/{id}/reply', () => {
  const allButWrite = ['Read and list users and companies', 'Read and write users', 'Read one user and one company', 'Read conversations', 'Read tags', 'Read admins'] as const;
  const note = (adminId: string, body = '<p>Sent to Timebook</p>') => ({ type: 'admin', message_type: 'note', admin_id: adminId, body });
  const reply = (token: string, conversationId: string, body: unknown) =>
    api(token, `/conversations/${conversationId}/reply`, { method: 'POST', body: JSON.stringify(body) });

  it('stores a note as a part by the teammate, answers the conversation with it, and notifies conversation.admin.noted', async () => {
    const received: Json[] = [];
    const hook = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        if (req.method === 'POST') received.push(JSON.parse(text) as Json);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const ws = await sim.client.createWorkspace();
      const teammate = await sim.client.createAdmin(ws.appId, { name: 'Noor Notes' });
      const conversation = await sim.client.createConversation(ws.appId, {});
      await sim.client.setWebhookSubscription(ws.appId, { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, topics: ['conversation.admin.noted'] });

      const answer = await reply(ws.accessToken, conversation.id, note(teammate.id, '<p>Sent to Timebook: Mobile — <a href="https://t.test/p">https://t.test/p</a></p>'));
      expect(answer.status).toBe(200);
      const parts = answer.body.conversation_parts.conversation_parts as Json[];
      expect(parts.at(-1)).toMatchObject({ part_type: 'note', author: { type: 'admin', id: teammate.id, name: 'Noor Notes' } });
      expect(parts.at(-1)!.body).toContain('https://t.test/p');
      const plain = await api(ws.accessToken, `/conversations/${conversation.id}?display_as=plaintext`);
      expect((plain.body.conversation_parts.conversation_parts as Json[]).at(-1)!.body).toBe('Sent to Timebook: Mobile — https://t.test/p');

      for (let waited = 0; received.length === 0 && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received.map((envelope) => [envelope.topic, envelope.data.item.id])).toEqual([['conversation.admin.noted', conversation.id]]);
    } finally {
      await new Promise((resolve) => hook.close(resolve));
    }
  });

  it('needs Write conversations (401 token_unauthorized, or 403 forbidden), checked before the conversation: 404 for one that cannot exist', async () => {
    const ws = await sim.client.createWorkspace();
    expect((await reply(ws.accessToken, '0', note(ws.admins[0]!.id))).body.errors).toEqual([{ code: 'not_found', message: 'Resource Not Found' }]);
    const unlisted = await sim.client.createToken(ws.appId, { permissions: [...allButWrite] });
    const denied = await reply(unlisted.token, '0', note(ws.admins[0]!.id));
    expect(denied.status).toBe(401);
    expect(denied.body.errors).toEqual([{ code: 'token_unauthorized', message: 'Not authorized to access resource' }]);

    const strict = await sim.client.createWorkspace({ tokenPermissions: [...allButWrite], missingPermissionStyle: 'forbidden' });
    const forbidden = await reply(strict.accessToken, '0', note(strict.admins[0]!.id));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.errors[0]).toEqual({ code: 'forbidden', message: 'You do not have the required scope (write_conversations) to access this resource' });
  });

  it('refuses a note by someone who is not a teammate, or of an unknown message type, and stores nothing', async () => {
    const ws = await sim.client.createWorkspace();
    const conversation = await sim.client.createConversation(ws.appId, {});
    expect((await reply(ws.accessToken, conversation.id, note('404404'))).status).toBe(404);
    expect((await reply(ws.accessToken, conversation.id, { ...note(ws.admins[0]!.id), message_type: 'shout' })).status).toBe(400);
    expect((await sim.client.getConversation(ws.appId, conversation.id)).parts).toEqual([]);
  });

  it('can lose the answer after the note is stored: a reset connection, or a 500', async () => {
    const ws = await sim.client.createWorkspace();
    const conversation = await sim.client.createConversation(ws.appId, {});
    const path = `/conversations/${conversation.id}/reply`;
    await sim.client.dropAnswer(ws.appId, { method: 'POST', pathPrefix: path, count: 1, answer: 'reset' });
    await sim.client.dropAnswer(ws.appId, { method: 'POST', pathPrefix: path, count: 1, answer: 500 });
    await expect(reply(ws.accessToken, conversation.id, note(ws.admins[0]!.id, '<p>one</p>'))).rejects.toThrow();
    expect((await reply(ws.accessToken, conversation.id, note(ws.admins[0]!.id, '<p>two</p>'))).status).toBe(500);
    expect((await reply(ws.accessToken, conversation.id, note(ws.admins[0]!.id, '<p>three</p>'))).status).toBe(200);
    expect((await sim.client.getConversation(ws.appId, conversation.id)).parts.map((part) => part.body)).toEqual(['<p>one</p>', '<p>two</p>', '<p>three</p>']);
    expect((await sim.client.getFaults(ws.appId)).dropAnswer).toEqual([]);
  });
});
