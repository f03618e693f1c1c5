import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IntercomSimulator, type Region, SimulatorClient, startIntercomSimulator } from '../../dev/intercom-simulator';
import {
  INTERCOM_OPERATIONS,
  type IntercomOperation,
  assertMatchesIntercomSchema,
  validateIntercomResponse,
} from '../support/intercom-contract';
import { SEEDED_CONTACT_TIMES, SEEDED_CONVERSATION_TIMES } from '../support/seed-times';

/**
 * The simulator must answer every Intercom operation the service calls with a body that matches
 * Intercom's OpenAPI 2.16 schema for that operation and status: successes, and the errors the
 * service handles (401, 403, 404, 400 invalid_sort_order, 429). The seeded workspaces are in the
 * EU and are called on the EU base URL, except where a case sends a token to the wrong host.
 */

interface IntercomReply {
  status: number;
  body: unknown;
}

interface ContractCase {
  name: string;
  operation: IntercomOperation;
  status: number;
  /** The error code the call must produce, so the case provably hits the path it names. */
  errorCode?: string;
  call: () => Promise<IntercomReply>;
}

const INTERCOM_VERSION = '2.16';
const UNKNOWN_TOKEN = 'dG9rOm5vdC1hLXJlYWwtdG9rZW4=';
const USERS_QUERY = { field: 'role', operator: '=', value: 'user' };
const UPDATED_QUERY = { field: 'updated_at', operator: '>', value: 0 };

let simulator: IntercomSimulator;
let sim: SimulatorClient;

/** Seeded state the cases refer to. */
const seeded = {
  appId: '',
  token: '',
  /** A token of the main workspace that may read tags only (missing scopes answer 401). */
  tagsOnlyToken: '',
  /** A token that may read tags only, in a workspace that reports missing scopes as 403. */
  tagsOnlyForbiddenToken: '',
  /** A token of an EU workspace in strict mode, which the US base URL answers on `GET /me` only. */
  strictEuToken: '',
  /** A token of a US workspace, which the EU base URL does not know. */
  usToken: '',
  richContactId: '',
  conversationId: '',
  feedbackTagId: '',
  /** Started by a lead without an email address. */
  anonymousConversationId: '',
  seededConversationIds: [] as string[],
  /** The main workspace's first teammate, and a conversation the note case may add to. */
  adminId: '',
  noteConversationId: '',
};

async function intercom(
  method: 'GET' | 'POST',
  pathAndQuery: string,
  options: { token?: string; body?: unknown; host?: Region } = {},
): Promise<IntercomReply> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${options.token ?? seeded.token}`,
    Accept: 'application/json',
    'Intercom-Version': INTERCOM_VERSION,
  };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${simulator.regionUrls[options.host ?? 'EU']}${pathAndQuery}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  return { status: response.status, body: (await response.json()) as unknown };
}

function errorCodes(body: unknown): unknown[] {
  const errors = (body as { errors?: Array<{ code?: unknown }> }).errors;
  return Array.isArray(errors) ? errors.map((error) => error.code) : [];
}

beforeAll(async () => {
  simulator = await startIntercomSimulator({ port: 0 });
  sim = new SimulatorClient(simulator.url);

  const workspace = await sim.createWorkspace({ name: 'Contract Co', region: 'EU', timezone: 'Europe/Berlin' });
  seeded.appId = workspace.appId;
  seeded.token = workspace.accessToken;
  await sim.createAdmin(workspace.appId, { name: 'Ada Admin', email: 'ada@example.com', jobTitle: 'Support lead' });

  const { tags } = await sim.createTags(workspace.appId, { names: ['Feedback', 'Bug', 'Feature request'] });
  const tagIds = tags.map((tag) => tag.id);
  seeded.feedbackTagId = tagIds[0] ?? '';

  await sim.seedContacts(workspace.appId, { count: 25, seed: 7, ...SEEDED_CONTACT_TIMES });
  const rich = await sim.createContact(workspace.appId, {
    role: 'user',
    email: 'grace@example.com',
    name: 'Grace Hopper',
    externalId: 'tb-user-1',
    phone: '+49301234567',
    ownerId: workspace.admins[0]?.id ?? null,
    signedUpAt: 1_700_000_000,
    lastSeenAt: 1_700_100_000,
    customAttributes: { plan: 'pro', seats: 12, trial: false, score: 4.5, note: null },
    location: { country: 'Germany', city: 'Berlin', countryCode: 'DEU', continentCode: 'EU' },
    tagIds,
  });
  seeded.richContactId = rich.id;

  const conversation = await sim.createConversation(workspace.appId, {
    contactId: rich.id,
    title: 'Export is slow',
    subject: 'Export',
    body: '<p>Exporting <b>takes</b> minutes.</p>',
    parts: [
      { kind: 'bot_reply', aiAgent: true },
      { kind: 'assignment' },
      { kind: 'admin_reply', body: '<p>Looking into it.</p>' },
      { kind: 'user_reply', body: '<p>Thanks!</p>' },
      { kind: 'admin_note', body: '<p>Known issue.</p>' },
      { kind: 'close' },
      { kind: 'open' },
    ],
  });
  seeded.conversationId = conversation.id;
  seeded.adminId = workspace.admins[0]!.id;
  seeded.noteConversationId = (await sim.createConversation(workspace.appId, { contactId: seeded.richContactId, parts: [{ kind: 'user_reply' }] })).id;
  await sim.tagConversation(workspace.appId, conversation.id, { tagId: tagIds[0] });
  const userReply = conversation.parts.find((part) => part.authorType === 'user');
  if (!userReply) throw new Error('the seeded conversation has no user reply to redact');
  await sim.redact(workspace.appId, conversation.id, { partId: userReply.id });

  const lead = await sim.createContact(workspace.appId, { role: 'lead', email: '', name: null });
  const anonymous = await sim.createConversation(workspace.appId, {
    contactId: lead.id,
    parts: [{ kind: 'bot_reply' }, { kind: 'user_reply' }],
  });
  seeded.anonymousConversationId = anonymous.id;

  const { conversations } = await sim.seedConversations(workspace.appId, { count: 5, seed: 11, ...SEEDED_CONVERSATION_TIMES });
  seeded.seededConversationIds = conversations.map((c) => c.id);

  seeded.tagsOnlyToken = (await sim.createToken(workspace.appId, { permissions: ['Read tags'] })).token;
  const restricted = await sim.createWorkspace({ region: 'EU', missingPermissionStyle: 'forbidden', tokenPermissions: ['Read tags'] });
  seeded.tagsOnlyForbiddenToken = restricted.accessToken;
  const strict = await sim.createWorkspace({ region: 'EU', strictRegion: true });
  await sim.createTags(strict.appId, { names: ['Feedback'] });
  seeded.strictEuToken = strict.accessToken;
  seeded.usToken = (await sim.createWorkspace({ region: 'US' })).accessToken;
});

afterAll(async () => {
  await simulator?.stop();
});

const contactPath = (): string => `/contacts/${encodeURIComponent(seeded.richContactId)}`;
const conversationPath = (): string => `/conversations/${encodeURIComponent(seeded.conversationId)}`;

const cases: ContractCase[] = [
  { name: 'identifies the admin and app', operation: 'GET /me', status: 200, call: () => intercom('GET', '/me') },
  {
    name: "identifies a strict EU workspace's admin and app on the US host",
    operation: 'GET /me',
    status: 200,
    call: () => intercom('GET', '/me', { token: seeded.strictEuToken, host: 'US' }),
  },
  {
    name: "rejects a US workspace's token on the EU host",
    operation: 'GET /me',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', '/me', { token: seeded.usToken }),
  },
  {
    name: 'rejects an unknown token',
    operation: 'GET /me',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', '/me', { token: UNKNOWN_TOKEN }),
  },
  { name: 'lists admins', operation: 'GET /admins', status: 200, call: () => intercom('GET', '/admins') },
  {
    name: 'rejects an unknown token',
    operation: 'GET /admins',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', '/admins', { token: UNKNOWN_TOKEN }),
  },
  { name: 'lists tags', operation: 'GET /tags', status: 200, call: () => intercom('GET', '/tags') },
  {
    name: "lists a strict EU workspace's tags on the EU host",
    operation: 'GET /tags',
    status: 200,
    call: () => intercom('GET', '/tags', { token: seeded.strictEuToken }),
  },
  {
    name: "rejects a strict EU workspace's token on the US host",
    operation: 'GET /tags',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', '/tags', { token: seeded.strictEuToken, host: 'US' }),
  },
  {
    name: "rejects a strict EU workspace's token on the AU host",
    operation: 'GET /tags',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', '/tags', { token: seeded.strictEuToken, host: 'AU' }),
  },
  {
    name: 'routes an EU workspace that is not strict from the US host, as Intercom does',
    operation: 'GET /tags',
    status: 200,
    call: () => intercom('GET', '/tags', { host: 'US' }),
  },
  {
    name: 'rejects an unknown token',
    operation: 'GET /tags',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', '/tags', { token: UNKNOWN_TOKEN }),
  },
  {
    name: 'lists the first page',
    operation: 'GET /contacts',
    status: 200,
    call: () => intercom('GET', '/contacts?per_page=10'),
  },
  {
    name: 'lists the page after a cursor',
    operation: 'GET /contacts',
    status: 200,
    call: async () => {
      const first = await intercom('GET', '/contacts?per_page=10');
      const cursor = (first.body as { pages?: { next?: { starting_after?: string } } }).pages?.next?.starting_after;
      expect(cursor, 'the first page names the next one').toEqual(expect.any(String));
      return intercom('GET', `/contacts?per_page=10&starting_after=${encodeURIComponent(cursor ?? '')}`);
    },
  },
  {
    name: 'lists the last page',
    operation: 'GET /contacts',
    status: 200,
    call: () => intercom('GET', '/contacts?per_page=150'),
  },
  {
    name: 'rejects an unknown token',
    operation: 'GET /contacts',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', '/contacts', { token: UNKNOWN_TOKEN }),
  },
  {
    name: 'rejects a token without the permission, in the historic 401 style',
    operation: 'GET /contacts',
    status: 401,
    errorCode: 'token_unauthorized',
    call: () => intercom('GET', '/contacts', { token: seeded.tagsOnlyToken }),
  },
  {
    name: 'searches by updated_at with a sort and a page size',
    operation: 'POST /contacts/search',
    status: 200,
    call: () =>
      intercom('POST', '/contacts/search', {
        body: {
          query: { operator: 'OR', value: [{ field: 'updated_at', operator: '>', value: 0 }, USERS_QUERY] },
          pagination: { per_page: 5 },
          sort: { field: 'updated_at', order: 'ascending' },
        },
      }),
  },
  {
    name: 'searches by external id',
    operation: 'POST /contacts/search',
    status: 200,
    call: () =>
      intercom('POST', '/contacts/search', { body: { query: { field: 'external_id', operator: '=', value: 'tb-user-1' } } }),
  },
  {
    name: 'rejects an invalid sort order',
    operation: 'POST /contacts/search',
    status: 400,
    errorCode: 'invalid_sort_order',
    call: () =>
      intercom('POST', '/contacts/search', {
        body: { query: USERS_QUERY, sort: { field: 'updated_at', order: 'desc' } },
      }),
  },
  {
    name: 'rejects an unknown token',
    operation: 'POST /contacts/search',
    status: 401,
    errorCode: 'unauthorized',
    call: () =>
      intercom('POST', '/contacts/search', { token: UNKNOWN_TOKEN, body: { query: USERS_QUERY } }),
  },
  {
    name: 'answers 429 when the rate limit is spent',
    operation: 'POST /contacts/search',
    status: 429,
    errorCode: 'rate_limit_exceeded',
    call: async () => {
      await sim.setRateLimit(seeded.appId, { limit: 0 });
      try {
        return await intercom('POST', '/contacts/search', { body: { query: USERS_QUERY } });
      } finally {
        await sim.setRateLimit(seeded.appId, { perMinute: 10_000 });
      }
    },
  },
  {
    name: 'reads a contact with every field set',
    operation: 'GET /contacts/{contact_id}',
    status: 200,
    call: () => intercom('GET', contactPath()),
  },
  {
    name: 'rejects an unknown token',
    operation: 'GET /contacts/{contact_id}',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', contactPath(), { token: UNKNOWN_TOKEN }),
  },
  {
    name: 'answers 404 for an unknown contact',
    operation: 'GET /contacts/{contact_id}',
    status: 404,
    errorCode: 'not_found',
    call: () => intercom('GET', '/contacts/000000000000000000000000'),
  },
  {
    name: 'answers 429 when the rate limit is spent',
    operation: 'GET /contacts/{contact_id}',
    status: 429,
    errorCode: 'rate_limit_exceeded',
    call: async () => {
      await sim.setRateLimit(seeded.appId, { limit: 0 });
      try {
        return await intercom('GET', contactPath());
      } finally {
        await sim.setRateLimit(seeded.appId, { perMinute: 10_000 });
      }
    },
  },
  {
    name: 'reads a tagged conversation with parts and a redaction',
    operation: 'GET /conversations/{conversation_id}',
    status: 200,
    call: () => intercom('GET', conversationPath()),
  },
  {
    name: 'reads a conversation as plain text',
    operation: 'GET /conversations/{conversation_id}',
    status: 200,
    call: () => intercom('GET', `${conversationPath()}?display_as=plaintext`),
  },
  {
    name: 'reads a conversation started by a lead without an email',
    operation: 'GET /conversations/{conversation_id}',
    status: 200,
    call: () => intercom('GET', `/conversations/${encodeURIComponent(seeded.anonymousConversationId)}`),
  },
  {
    name: 'rejects an unknown token',
    operation: 'GET /conversations/{conversation_id}',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('GET', conversationPath(), { token: UNKNOWN_TOKEN }),
  },
  {
    name: 'answers 403 for a token without Read conversations',
    operation: 'GET /conversations/{conversation_id}',
    status: 403,
    errorCode: 'forbidden',
    call: () => intercom('GET', conversationPath(), { token: seeded.tagsOnlyForbiddenToken }),
  },
  {
    name: 'answers 404 for an unknown conversation',
    operation: 'GET /conversations/{conversation_id}',
    status: 404,
    errorCode: 'not_found',
    call: () => intercom('GET', '/conversations/999999999999999'),
  },
  {
    name: 'searches an updated_at window for a tag, sorted, with the tags applied',
    operation: 'POST /conversations/search',
    status: 200,
    call: async () => {
      const reply = await intercom('POST', '/conversations/search', {
        body: {
          query: {
            operator: 'AND',
            value: [
              { field: 'updated_at', operator: '>', value: 0 },
              { field: 'tag_ids', operator: '=', value: seeded.feedbackTagId },
            ],
          },
          sort: { field: 'updated_at', order: 'descending' },
          pagination: { per_page: 5 },
        },
      });
      expect(reply.body).toMatchObject({ total_count: 1, conversations: [{ id: seeded.conversationId, tags: { tags: [{ applied_at: expect.any(Number) }] } }] });
      return reply;
    },
  },
  {
    name: 'pages through every conversation',
    operation: 'POST /conversations/search',
    status: 200,
    call: async () => {
      const query = { field: 'created_at', operator: '>', value: 0 };
      const first = await intercom('POST', '/conversations/search', { body: { query, pagination: { per_page: 3 } } });
      const cursor = (first.body as { pages?: { next?: { starting_after?: string } } }).pages?.next?.starting_after;
      expect(cursor, 'the first page names the next one').toEqual(expect.any(String));
      assertMatchesIntercomSchema('POST /conversations/search', 200, first.body);
      return intercom('POST', '/conversations/search', { body: { query, pagination: { per_page: 3, starting_after: cursor } } });
    },
  },
  {
    name: 'rejects a query on an unknown field',
    operation: 'POST /conversations/search',
    status: 400,
    errorCode: 'parameter_invalid',
    call: () => intercom('POST', '/conversations/search', { body: { query: { field: 'shoe_size', operator: '=', value: '9' } } }),
  },
  {
    name: 'rejects an unknown token',
    operation: 'POST /conversations/search',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('POST', '/conversations/search', { token: UNKNOWN_TOKEN, body: { query: UPDATED_QUERY } }),
  },
  {
    name: 'answers 403 for a token without Read conversations',
    operation: 'POST /conversations/search',
    status: 403,
    errorCode: 'forbidden',
    call: () => intercom('POST', '/conversations/search', { token: seeded.tagsOnlyForbiddenToken, body: { query: UPDATED_QUERY } }),
  },
  {
    name: 'adds an internal note as a teammate',
    operation: 'POST /conversations/{conversation_id}/reply',
    status: 200,
    call: async () => {
      const reply = await intercom('POST', `/conversations/${seeded.noteConversationId}/reply`, {
        body: { type: 'admin', message_type: 'note', admin_id: seeded.adminId, body: '<p>Sent to Timebook: Mobile — <a href="https://t.test/x">https://t.test/x</a></p>' },
      });
      const parts = (reply.body as { conversation_parts: { conversation_parts: Array<{ part_type: string }> } }).conversation_parts.conversation_parts;
      expect(parts.at(-1)).toMatchObject({ part_type: 'note', author: { type: 'admin', id: seeded.adminId } });
      return reply;
    },
  },
  {
    name: 'answers 404 for a note on an unknown conversation (the permission probe)',
    operation: 'POST /conversations/{conversation_id}/reply',
    status: 404,
    errorCode: 'not_found',
    call: () => intercom('POST', '/conversations/0/reply', { body: { type: 'admin', message_type: 'note', admin_id: '0', body: 'Permission check' } }),
  },
  {
    name: 'rejects an unknown token',
    operation: 'POST /conversations/{conversation_id}/reply',
    status: 401,
    errorCode: 'unauthorized',
    call: () => intercom('POST', '/conversations/0/reply', { token: UNKNOWN_TOKEN, body: { type: 'admin', message_type: 'note', admin_id: '0', body: 'x' } }),
  },
  {
    name: 'answers 403 for a token without Write conversations',
    operation: 'POST /conversations/{conversation_id}/reply',
    status: 403,
    errorCode: 'forbidden',
    call: () =>
      intercom('POST', '/conversations/0/reply', { token: seeded.tagsOnlyForbiddenToken, body: { type: 'admin', message_type: 'note', admin_id: '0', body: 'x' } }),
  },
  {
    name: 'answers 429 when the rate limit is spent',
    operation: 'POST /conversations/search',
    status: 429,
    errorCode: 'rate_limit_exceeded',
    call: async () => {
      await sim.setRateLimit(seeded.appId, { limit: 0 });
      try {
        return await intercom('POST', '/conversations/search', { body: { query: UPDATED_QUERY } });
      } finally {
        await sim.setRateLimit(seeded.appId, { perMinute: 10_000 });
      }
    },
  },
];

describe('the Intercom simulator against the OpenAPI 2.16 contract', () => {
  it('covers every operation the service calls', () => {
    expect(new Set(cases.map((c) => c.operation))).toEqual(new Set(INTERCOM_OPERATIONS));
  });

  it.each(cases.map((c) => [`${c.operation} ${c.status}: ${c.name}`, c] as const))('%s', async (_title, testCase) => {
    const reply = await testCase.call();

    expect(reply.status).toBe(testCase.status);
    if (testCase.errorCode !== undefined) expect(errorCodes(reply.body)).toEqual([testCase.errorCode]);
    assertMatchesIntercomSchema(testCase.operation, reply.status, reply.body);
  });

  it('every page of GET /contacts, followed by cursor', async () => {
    let path: string | null = '/contacts?per_page=7';
    let pages = 0;
    let contacts = 0;
    while (path !== null) {
      const reply = await intercom('GET', path);
      expect(reply.status).toBe(200);
      assertMatchesIntercomSchema('GET /contacts', 200, reply.body);
      const body = reply.body as { data: unknown[]; pages?: { next?: { starting_after?: string } } };
      pages += 1;
      contacts += body.data.length;
      const cursor = body.pages?.next?.starting_after;
      path = cursor === undefined ? null : `/contacts?per_page=7&starting_after=${encodeURIComponent(cursor)}`;
    }

    expect(pages).toBe(4);
    expect(contacts).toBe(27);
  });

  it('every seeded conversation', async () => {
    expect(seeded.seededConversationIds).toHaveLength(5);
    for (const id of seeded.seededConversationIds) {
      const reply = await intercom('GET', `/conversations/${encodeURIComponent(id)}`);

      expect(reply.status).toBe(200);
      assertMatchesIntercomSchema('GET /conversations/{conversation_id}', 200, reply.body);
    }
  });

  it('returns the seeded data, so the checks above validated real content', async () => {
    const contact = await intercom('GET', contactPath());
    const conversation = await intercom('GET', conversationPath());
    const tags = await intercom('GET', '/tags');
    const anonymous = await intercom('GET', `/conversations/${encodeURIComponent(seeded.anonymousConversationId)}`);

    expect(contact.body).toMatchObject({ id: seeded.richContactId, external_id: 'tb-user-1', phone: '+49301234567' });
    expect(conversation.body).toMatchObject({
      id: seeded.conversationId,
      tags: { tags: [{ type: 'tag', name: 'Feedback' }] },
      conversation_parts: { total_count: 7 },
    });
    expect((conversation.body as { conversation_parts: { conversation_parts: Array<{ redacted: boolean }> } })
      .conversation_parts.conversation_parts.filter((part) => part.redacted)).toHaveLength(1);
    expect(anonymous.body).toMatchObject({ source: { author: { type: 'lead', email: '' } } });
    expect((tags.body as { data: unknown[] }).data).toHaveLength(3);
  });

  it('a response that drifted from the contract would be caught', async () => {
    const contact = (await intercom('GET', contactPath())).body as Record<string, unknown>;
    const drifted = { ...contact, created_at: new Date(Number(contact.created_at) * 1000).toISOString() };

    expect(validateIntercomResponse('GET /contacts/{contact_id}', 200, contact).valid).toBe(true);
    expect(validateIntercomResponse('GET /contacts/{contact_id}', 200, drifted).errors).toEqual([
      '/created_at must be integer',
    ]);
  });
});
