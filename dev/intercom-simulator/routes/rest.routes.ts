import { contactView } from '../contact.serializer';
import { compileContactQuery, parseContactSort } from '../contact-search';
import { compileConversationQuery, parseConversationSort } from '../conversation-search';
import { conversationListItemView, conversationView } from '../conversation.serializer';
import { decodeCursor, encodeCursor } from '../cursor';
import { parseJson, route, type Route } from '../http-kit';
import { IntercomApiError, notFound, parameterInvalid } from '../intercom-errors';
import type { ContactRecord } from '../model';
import type { Permission } from '../permissions';
import { SearchQueryError, type Predicate, type Sort } from '../search-query';
import type { After, RowPage } from '../search-results';
import type { SimulatorState, TokenRecord } from '../simulator-state';
import type { Workspace } from '../workspace';
import { adminListView, meView, pagesView, tagListView } from '../workspace.serializer';

/** Intercom's REST endpoints the service uses, each with the permissions it needs (any one). */

export interface RestContext {
  state: SimulatorState;
  workspace: Workspace;
  token: TokenRecord;
  url: URL;
  body: Buffer;
  params: Record<string, string>;
  /** From `Intercom-Version`, else the workspace's app version. */
  apiVersion: string;
}

export interface RestHandler {
  permissions: readonly Permission[];
  handle(ctx: RestContext): unknown;
}

/** `GET /contacts` defaults to 10 per page (Intercom-OpenAPI PR #639); search to 50. Both cap at 150. */
export const LIST_DEFAULT_PER_PAGE = 10;
export const SEARCH_DEFAULT_PER_PAGE = 50;
/** `POST /conversations/search` defaults to 20 per page (OpenAPI `searchConversations`). */
export const CONVERSATION_SEARCH_DEFAULT_PER_PAGE = 20;
/** Larger values are clamped: the docs state 150 as the maximum and document no error for more. */
export const MAX_PER_PAGE = 150;

const READ_CONTACTS: readonly Permission[] = ['Read and list users and companies'];
const READ_CONVERSATIONS: readonly Permission[] = ['Read conversations'];
const READ_ONE_CONTACT: readonly Permission[] = [
  'Read and list users and companies',
  'Read and write users',
  'Read one user and one company',
];

function perPage(raw: unknown, fallback: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw parameterInvalid('per_page must be a positive integer');
  return Math.min(value, MAX_PER_PAGE);
}

function cursor(raw: unknown): ReturnType<typeof decodeCursor> {
  if (raw === undefined || raw === null || raw === '') return null;
  const position = typeof raw === 'string' ? decodeCursor(raw) : null;
  if (!position) throw parameterInvalid('starting_after is not a valid cursor');
  return position;
}

function contactsOf(ctx: RestContext, rows: ContactRecord[]): Record<string, unknown>[] {
  const options = { appId: ctx.workspace.appId, apiVersion: ctx.apiVersion, flavor: 'rest', tags: ctx.workspace.tags } as const;
  return rows.map((row) => contactView(row, options));
}

function listContacts(ctx: RestContext): unknown {
  const size = perPage(ctx.url.searchParams.get('per_page'), LIST_DEFAULT_PER_PAGE);
  const position = cursor(ctx.url.searchParams.get('starting_after'));
  const page = position?.page ?? 1;
  const result = ctx.workspace.contacts.listPage(position?.id ?? null, size);
  const last = result.rows.at(-1);
  const next = result.hasMore && last ? encodeCursor({ sortValue: -1, id: last.id, page: page + 1 }) : null;
  return { type: 'list', data: contactsOf(ctx, result.rows), total_count: result.total, pages: pagesView(page, size, result.total, next) };
}

/** A search body's parts, checked as far as every search endpoint shares them. */
interface SearchRequest {
  query: unknown;
  sort: unknown;
  perPage: number;
  position: ReturnType<typeof decodeCursor>;
}

function searchRequest(ctx: RestContext, defaultPerPage: number): SearchRequest {
  let body: unknown;
  try {
    body = parseJson(ctx.body);
  } catch {
    throw parameterInvalid('The request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw parameterInvalid('The body must be an object');
  const { query, pagination, sort } = body as Record<string, unknown>;
  if (query === undefined) throw parameterInvalid('query is required');
  const paging = (typeof pagination === 'object' && pagination !== null ? pagination : {}) as Record<string, unknown>;
  return { query, sort, perPage: perPage(paging.per_page, defaultPerPage), position: cursor(paging.starting_after) };
}

/**
 * Runs one page of a search: compiles the query and sort (a SearchQueryError becomes Intercom's
 * 400), pages after the body's cursor and builds the next one from the page's last row.
 */
function searchPageOf<T extends { id: string }>(
  ctx: RestContext,
  defaultPerPage: number,
  compile: (query: unknown, sort: unknown, timezone: string) => { predicate: Predicate<T>; sort: Sort<T> },
  run: (cacheKey: string, predicate: Predicate<T>, sort: Sort<T>, after: After | null, perPage: number) => RowPage<T>,
): { rows: T[]; total: number; pages: Record<string, unknown> } {
  try {
    const request = searchRequest(ctx, defaultPerPage);
    const timezone = ctx.workspace.settings.timezone;
    const { predicate, sort } = compile(request.query, request.sort, timezone);
    const { position, perPage: size } = request;
    const page = position?.page ?? 1;
    const cacheKey = JSON.stringify([request.query, sort.field, sort.order, timezone]);
    const after = position ? { value: position.sortValue, id: position.id } : null;
    const result = run(cacheKey, predicate, sort, after, size);
    const last = result.rows.at(-1);
    const next = result.hasMore && last ? encodeCursor({ sortValue: sort.value(last), id: last.id, page: page + 1 }) : null;
    return { rows: result.rows, total: result.total, pages: pagesView(page, size, result.total, next) };
  } catch (error) {
    if (error instanceof SearchQueryError) throw new IntercomApiError(400, error.code, error.message);
    throw error;
  }
}

function searchContacts(ctx: RestContext): unknown {
  const result = searchPageOf(
    ctx,
    SEARCH_DEFAULT_PER_PAGE,
    (query, sort, timezone) => ({ sort: parseContactSort(sort), predicate: compileContactQuery(query, timezone) }),
    (...args) => ctx.workspace.contacts.searchPage(...args),
  );
  return { type: 'list', data: contactsOf(ctx, result.rows), total_count: result.total, pages: result.pages };
}

function searchConversations(ctx: RestContext): unknown {
  const result = searchPageOf(
    ctx,
    CONVERSATION_SEARCH_DEFAULT_PER_PAGE,
    (query, sort, timezone) => ({ sort: parseConversationSort(sort), predicate: compileConversationQuery(query, timezone) }),
    (...args) => ctx.workspace.searchConversations(...args),
  );
  const options = { flavor: 'rest', apiVersion: ctx.apiVersion } as const;
  return {
    type: 'conversation.list',
    conversations: result.rows.map((conversation) => conversationListItemView(ctx.workspace, conversation, options)),
    total_count: result.total,
    pages: result.pages,
  };
}

/**
 * `POST /conversations/{id}/reply`: a teammate's reply or internal note (`type: admin`,
 * `message_type: comment | note`, `admin_id`, HTML `body`), stored as a conversation part authored
 * by that teammate; Intercom then notifies `conversation.admin.replied` or `conversation.admin.noted`
 * like any other part (sent once the answer is on its way). Answers the conversation.
 */
function replyToConversation(ctx: RestContext): unknown {
  const conversation = ctx.workspace.conversations.get(ctx.params.id ?? '');
  if (!conversation) throw notFound();
  let body: unknown;
  try {
    body = parseJson(ctx.body);
  } catch {
    throw parameterInvalid('The request body is not valid JSON');
  }
  const input = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (input.type !== 'admin') throw parameterInvalid('Only admin replies are supported: type must be admin');
  if (input.message_type !== 'comment' && input.message_type !== 'note') throw parameterInvalid('message_type must be comment or note');
  if (typeof input.body !== 'string' || input.body.trim() === '') throw parameterInvalid('body is required');
  const adminId = typeof input.admin_id === 'string' || typeof input.admin_id === 'number' ? String(input.admin_id) : '';
  if (!ctx.workspace.admins.some((admin) => admin.id === adminId)) throw notFound('Admin Not Found');
  const kind = input.message_type === 'note' ? 'admin_note' : 'admin_reply';
  const { events } = ctx.workspace.collectEvents(() => ctx.workspace.addPart(conversation.id, { kind, adminId, body: input.body as string }));
  const workspace = ctx.workspace;
  setImmediate(() => {
    ctx.state.webhooks.publish(workspace, events).catch((error: unknown) => console.error('intercom simulator: reply notification failed', error));
  });
  return conversationView(ctx.workspace, conversation, { flavor: 'rest', apiVersion: ctx.apiVersion, plaintext: false });
}

export const restRoutes: Route<RestHandler>[] = [
  route('GET', '/me', {
    permissions: ['Read admins'],
    handle: (ctx: RestContext) => meView(ctx.workspace, ctx.workspace.admin(ctx.token.adminId)),
  }),
  route('GET', '/admins', { permissions: ['Read admins'], handle: (ctx: RestContext) => adminListView(ctx.workspace) }),
  route('GET', '/tags', { permissions: ['Read tags'], handle: (ctx: RestContext) => tagListView(ctx.workspace) }),
  route('GET', '/contacts', { permissions: READ_CONTACTS, handle: listContacts }),
  route('POST', '/contacts/search', { permissions: READ_CONTACTS, handle: searchContacts }),
  route('GET', '/contacts/:id', {
    permissions: READ_ONE_CONTACT,
    handle: (ctx: RestContext) => {
      const contact = ctx.workspace.contacts.getIncludingArchived(ctx.params.id ?? '');
      if (!contact) throw notFound('User Not Found');
      return contactsOf(ctx, [contact])[0];
    },
  }),
  route('POST', '/conversations/search', { permissions: READ_CONVERSATIONS, handle: searchConversations }),
  route('GET', '/conversations/:id', {
    permissions: READ_CONVERSATIONS,
    handle: (ctx: RestContext) => {
      const conversation = ctx.workspace.conversations.get(ctx.params.id ?? '');
      if (!conversation) throw notFound();
      return conversationView(ctx.workspace, conversation, {
        flavor: 'rest',
        apiVersion: ctx.apiVersion,
        plaintext: ctx.url.searchParams.get('display_as') === 'plaintext',
      });
    },
  }),
  route('POST', '/conversations/:id/reply', { permissions: ['Write conversations'], handle: replyToConversation }),
  route('POST', '/auth/uninstall', {
    permissions: [],
    handle: (ctx: RestContext) => {
      ctx.state.revokeToken(ctx.token.token);
      return {};
    },
  }),
];
