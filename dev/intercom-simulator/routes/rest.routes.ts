import { contactView } from '../contact.serializer';
import { compileContactQuery, parseContactSort, SearchQueryError } from '../contact-search';
import { conversationView } from '../conversation.serializer';
import { decodeCursor, encodeCursor } from '../cursor';
import { parseJson, route, type Route } from '../http-kit';
import { IntercomApiError, notFound, parameterInvalid } from '../intercom-errors';
import type { ContactRecord } from '../model';
import type { Permission } from '../permissions';
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
/** Larger values are clamped: the docs state 150 as the maximum and document no error for more. */
export const MAX_PER_PAGE = 150;

const READ_CONTACTS: readonly Permission[] = ['Read and list users and companies'];
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

function searchContacts(ctx: RestContext): unknown {
  let body: unknown;
  try {
    body = parseJson(ctx.body);
  } catch {
    throw parameterInvalid('The request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw parameterInvalid('The body must be an object');
  const { query, pagination, sort: rawSort } = body as Record<string, unknown>;
  if (query === undefined) throw parameterInvalid('query is required');
  const paging = (typeof pagination === 'object' && pagination !== null ? pagination : {}) as Record<string, unknown>;
  try {
    const timezone = ctx.workspace.settings.timezone;
    const sort = parseContactSort(rawSort);
    const predicate = compileContactQuery(query, timezone);
    const size = perPage(paging.per_page, SEARCH_DEFAULT_PER_PAGE);
    const position = cursor(paging.starting_after);
    const page = position?.page ?? 1;
    const cacheKey = JSON.stringify([query, sort.field, sort.order, timezone]);
    const after = position ? { value: position.sortValue, id: position.id } : null;
    const result = ctx.workspace.contacts.searchPage(cacheKey, predicate, sort, after, size);
    const last = result.rows.at(-1);
    const next = result.hasMore && last ? encodeCursor({ sortValue: sort.value(last), id: last.id, page: page + 1 }) : null;
    return { type: 'list', data: contactsOf(ctx, result.rows), total_count: result.total, pages: pagesView(page, size, result.total, next) };
  } catch (error) {
    if (error instanceof SearchQueryError) throw new IntercomApiError(400, error.code, error.message);
    throw error;
  }
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
      const contact = ctx.workspace.contacts.get(ctx.params.id ?? '');
      if (!contact) throw notFound('User Not Found');
      return contactsOf(ctx, [contact])[0];
    },
  }),
  route('GET', '/conversations/:id', {
    permissions: ['Read conversations'],
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
  route('POST', '/auth/uninstall', {
    permissions: [],
    handle: (ctx: RestContext) => {
      ctx.state.revokeToken(ctx.token.token);
      return {};
    },
  }),
];
