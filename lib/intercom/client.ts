import type { z } from 'zod';
import { conversationListSchema, conversationSchema, type IntercomConversation } from './conversation.schema';
import {
  IntercomBadRequestError,
  IntercomError,
  IntercomNotFoundError,
  IntercomPermissionError,
  IntercomRateLimitError,
  IntercomTokenInvalidError,
  IntercomUnavailableError,
} from './errors';
import type { IntercomRegion } from './regions';
import {
  adminListSchema,
  contactListSchema,
  contactSchema,
  errorListSchema,
  meSchema,
  tagListSchema,
  tokenResponseSchema,
  type IntercomMe,
  type IntercomTag,
} from './schemas';

export interface IntercomClientOptions {
  /** The US host: the OAuth exchange, `GET /me` at connect, and every call of a US workspace. */
  baseUrl: string;
  /** The hosts of Intercom's other regions; a region without one is called on `baseUrl`, which routes it. */
  regionBaseUrls?: Partial<Record<Exclude<IntercomRegion, 'US'>, string>>;
  /** The `Intercom-Version` header; the same version the Intercom app is pinned to. */
  version: string;
  /** Per attempt. Lambda's own timeout bounds the whole call. */
  timeoutMs?: number;
  /** Retries after a 5xx, a timeout or a network error. */
  maxRetries?: number;
  /** The longest wait for a rate-limit window to reset before giving up with IntercomRateLimitError. */
  maxRateLimitWaitMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** The options that bound how long one call may take. */
export type IntercomTiming = Pick<IntercomClientOptions, 'timeoutMs' | 'maxRetries' | 'maxRateLimitWaitMs'>;

const DEFAULT_TIMING: Required<IntercomTiming> = { timeoutMs: 8_000, maxRetries: 2, maxRateLimitWaitMs: 2_000 };
const BACKOFF_BASE_MS = 200;
const RATE_LIMIT_JITTER_MS = 250;

/**
 * The longest one call can take with these options: every attempt running to its timeout, and
 * between attempts the longest wait (a back-off, or a rate-limit reset within `maxRateLimitWaitMs`
 * plus its jitter). Callers that must finish inside a deadline size their options with it.
 */
export function worstCaseCallMs(timing: IntercomTiming = {}): number {
  const { timeoutMs, maxRetries, maxRateLimitWaitMs } = { ...DEFAULT_TIMING, ...timing };
  let total = (maxRetries + 1) * timeoutMs;
  for (let attempt = 0; attempt < maxRetries; attempt += 1) {
    total += Math.max(BACKOFF_BASE_MS * 2 ** attempt, maxRateLimitWaitMs + RATE_LIMIT_JITTER_MS);
  }
  return total;
}


export interface RateLimit {
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface IntercomResponse<T> {
  body: T;
  rateLimit?: RateLimit;
}

interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: Record<string, string>;
  /** False for calls that must not be repeated (a one-time OAuth code). */
  retry?: boolean;
  /** Overrides the client's `maxRateLimitWaitMs` for this call. */
  maxRateLimitWaitMs?: number;
}

/** One page of `POST /contacts/search`. Pagination goes in the body; the cursor is Intercom's `starting_after`. */
export interface ContactSearch {
  query: unknown;
  sort?: { field: string; order: 'ascending' | 'descending' };
  perPage: number;
  startingAfter?: string | null;
}

/** One page of `POST /conversations/search`; the same body as contact search. */
export type ConversationSearch = ContactSearch;

/**
 * A thin client for the few Intercom REST calls this service makes. The token is an argument of
 * every call and never read from the environment, so one warm Lambda serves many workspaces.
 * Written over `fetch` rather than `intercom-client`: the SDK lacks the OAuth calls, sends its own
 * version header, and its retries can outlast a Lambda (README, "Intercom client").
 */
export class IntercomClient {
  private readonly options: Required<Omit<IntercomClientOptions, 'fetch' | 'regionBaseUrls'>> & { fetch: typeof fetch };
  /** One client per region, built once and shared by all of them. */
  private regions: Map<IntercomRegion, IntercomClient>;

  constructor(options: IntercomClientOptions) {
    const { regionBaseUrls, ...shared } = options;
    this.options = {
      ...DEFAULT_TIMING,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      now: Date.now,
      fetch: globalThis.fetch.bind(globalThis),
      ...shared,
      baseUrl: shared.baseUrl.replace(/\/+$/, ''),
    };
    this.regions = new Map<IntercomRegion, IntercomClient>([['US', this]]);
    for (const [region, baseUrl] of Object.entries(regionBaseUrls ?? {}) as Array<[IntercomRegion, string]>) {
      const client = new IntercomClient({ ...shared, baseUrl });
      client.regions = this.regions;
      this.regions.set(region, client);
    }
  }

  /** The client bound to the API host of a workspace's region (`app.region`). */
  forRegion(region: IntercomRegion): IntercomClient {
    return this.regions.get(region) ?? this.regions.get('US')!;
  }

  /** `GET /me`: who the token belongs to, and its workspace (`app.id_code`). */
  async me(token: string): Promise<IntercomMe> {
    return (await this.request(token, 'GET', '/me', meSchema())).body;
  }

  async listAdmins(token: string) {
    return (await this.request(token, 'GET', '/admins', adminListSchema())).body.admins;
  }

  async listTags(token: string): Promise<IntercomTag[]> {
    return (await this.request(token, 'GET', '/tags', tagListSchema())).body.data;
  }

  async listContacts(token: string, page: { perPage: number; startingAfter?: string }) {
    return this.request(token, 'GET', '/contacts', contactListSchema(), {
      query: { per_page: page.perPage, starting_after: page.startingAfter },
    });
  }

  /** A conversation with its parts (the most recent 500), bodies as plain text. */
  async getConversation(token: string, conversationId: string): Promise<IntercomConversation> {
    return (await this.getConversationWithLimits(token, conversationId)).body;
  }

  /** `getConversation` with the rate-limit headers, for callers that keep a rate budget. */
  async getConversationWithLimits(token: string, conversationId: string): Promise<IntercomResponse<IntercomConversation>> {
    return this.request(token, 'GET', `/conversations/${encodeURIComponent(conversationId)}`, conversationSchema(), {
      query: { display_as: 'plaintext' },
    });
  }

  /** `GET /admins` with the rate-limit headers. */
  async listAdminsWithLimits(token: string) {
    return this.request(token, 'GET', '/admins', adminListSchema(), { maxRateLimitWaitMs: 0 });
  }

  /**
   * Adds an internal note to a conversation as a teammate (`POST /conversations/{id}/reply`,
   * `message_type: note`, HTML body), with the rate-limit headers. Never retried here: Intercom
   * takes no idempotency key, so a retry after a lost answer would post twice; the caller decides.
   */
  async addNote(token: string, conversationId: string, note: { adminId: string; body: string }): Promise<IntercomResponse<IntercomConversation>> {
    return this.request(token, 'POST', `/conversations/${encodeURIComponent(conversationId)}/reply`, conversationSchema(), {
      json: { type: 'admin', message_type: 'note', admin_id: note.adminId, body: note.body },
      retry: false,
      maxRateLimitWaitMs: 0,
    });
  }

  /**
   * `POST /contacts/search`, one page, with the rate-limit headers. `waitOnRateLimit: false` turns
   * a 429 into an immediate IntercomRateLimitError, for callers that defer the work instead.
   */
  async searchContacts(token: string, search: ContactSearch, options: { waitOnRateLimit?: boolean } = {}) {
    return this.request(token, 'POST', '/contacts/search', contactListSchema(), {
      json: {
        query: search.query,
        sort: search.sort,
        pagination: { per_page: search.perPage, starting_after: search.startingAfter ?? undefined },
      },
      maxRateLimitWaitMs: options.waitOnRateLimit === false ? 0 : undefined,
    });
  }

  /**
   * `POST /conversations/search`, one page, with the rate-limit headers. Each conversation comes
   * without its parts, but with its tags and when each was applied (`conversation_list_item`).
   */
  async searchConversations(token: string, search: ConversationSearch, options: { waitOnRateLimit?: boolean } = {}) {
    return this.request(token, 'POST', '/conversations/search', conversationListSchema(), {
      json: {
        query: search.query,
        sort: search.sort,
        pagination: { per_page: search.perPage, starting_after: search.startingAfter ?? undefined },
      },
      maxRateLimitWaitMs: options.waitOnRateLimit === false ? 0 : undefined,
    });
  }

  /** `GET /contacts/{id}`: one contact, users and leads alike. */
  async getContact(token: string, contactId: string) {
    return (await this.fetchContact(token, contactId)).body;
  }

  /** `GET /contacts/{id}` with the rate-limit headers; `waitOnRateLimit` as for {@link searchContacts}. */
  async fetchContact(token: string, contactId: string, options: { waitOnRateLimit?: boolean } = {}) {
    return this.request(token, 'GET', `/contacts/${encodeURIComponent(contactId)}`, contactSchema(), {
      maxRateLimitWaitMs: options.waitOnRateLimit === false ? 0 : undefined,
    });
  }

  /** Exchanges an OAuth code for a token (`POST /auth/eagle/token`, form-encoded, never retried). */
  async exchangeCode(input: { code: string; clientId: string; clientSecret: string }): Promise<string> {
    const { body } = await this.request(undefined, 'POST', '/auth/eagle/token', tokenResponseSchema(), {
      form: { code: input.code, client_id: input.clientId, client_secret: input.clientSecret },
      retry: false,
    });
    const token = body.access_token ?? body.token;
    if (!token) throw new IntercomError('Intercom answered the code exchange without a token', 200, undefined);
    return token;
  }

  /** Uninstalls Timebook's app from the token's workspace, which revokes the token. */
  async uninstall(token: string): Promise<void> {
    await this.request(token, 'POST', '/auth/uninstall', undefined);
  }

  /**
   * One call with retries: a 429 waits for `X-RateLimit-Reset` when that is soon enough; a 5xx,
   * timeout or network error backs off with jitter. Every other failure maps to a typed error.
   */
  async request<S extends z.ZodType | undefined>(
    token: string | undefined,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<IntercomResponse<S extends z.ZodType ? z.infer<S> : unknown>> {
    const url = new URL(`${this.options.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', 'intercom-version': this.options.version };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }

    const retries = options.retry === false ? 0 : this.options.maxRetries;
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await this.options.fetch(url, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : 'could not be reached';
        if (attempt < retries) {
          await this.options.sleep(this.backoff(attempt));
          continue;
        }
        throw new IntercomUnavailableError(`Intercom ${method} ${path} ${reason}`, undefined, undefined, undefined, {
          cause: error,
        });
      }

      const rateLimit = readRateLimit(response.headers);
      if (response.ok) {
        let parsed: unknown;
        try {
          const text = await response.text();
          parsed = text ? (JSON.parse(text) as unknown) : undefined;
        } catch (error) {
          throw new IntercomUnavailableError(`Intercom ${method} ${path} answered a body that is not JSON`, response.status, undefined, undefined, {
            cause: error,
          });
        }
        const value = schema ? parseOrThrow(schema, parsed, method, path) : parsed;
        return { body: value as never, rateLimit };
      }

      const failure = await describeFailure(response);
      if (response.status === 429) {
        const waitMs = rateLimit ? rateLimit.resetAt.getTime() - this.options.now() : this.backoff(attempt);
        if (attempt < retries && waitMs <= (options.maxRateLimitWaitMs ?? this.options.maxRateLimitWaitMs)) {
          await this.options.sleep(Math.max(0, waitMs) + this.options.random() * RATE_LIMIT_JITTER_MS);
          continue;
        }
        throw new IntercomRateLimitError(`Intercom rate limit reached on ${method} ${path}`, rateLimit?.resetAt, failure.requestId);
      }
      if (response.status >= 500 && attempt < retries) {
        await this.options.sleep(this.backoff(attempt));
        continue;
      }
      throw toError(response.status, failure, method, path);
    }
  }

  private backoff(attempt: number): number {
    // Full jitter over 200 ms, 400 ms, 800 ms...
    return this.options.random() * BACKOFF_BASE_MS * 2 ** attempt;
  }
}

interface Failure {
  code?: string;
  message?: string;
  requestId?: string;
}

async function describeFailure(response: Response): Promise<Failure> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = errorListSchema().safeParse(JSON.parse(text));
    if (parsed.success) {
      const [first] = parsed.data.errors;
      return { code: first?.code, message: first?.message ?? undefined, requestId: parsed.data.request_id ?? undefined };
    }
  } catch {
    // Not JSON: the status alone decides.
  }
  return {};
}

function toError(status: number, failure: Failure, method: string, path: string): IntercomError {
  const summary = `Intercom ${method} ${path} answered ${status}${failure.code ? ` ${failure.code}` : ''}${
    failure.message ? `: ${failure.message}` : ''
  }`;
  const args = [summary, status, failure.code, failure.requestId] as const;
  if (status === 401) {
    // `token_unauthorized` is a missing permission; every other 401 means the token is dead.
    return failure.code === 'token_unauthorized' ? new IntercomPermissionError(...args) : new IntercomTokenInvalidError(...args);
  }
  if (status === 403) return new IntercomPermissionError(...args);
  if (status === 404) return new IntercomNotFoundError(...args);
  if (status === 400 || status === 422) return new IntercomBadRequestError(...args);
  if (status >= 500) return new IntercomUnavailableError(...args);
  return new IntercomError(...args);
}

function readRateLimit(headers: Headers): RateLimit | undefined {
  const limit = Number(headers.get('x-ratelimit-limit'));
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (!headers.has('x-ratelimit-reset') || !Number.isFinite(reset)) return undefined;
  return { limit, remaining, resetAt: new Date(reset * 1000) };
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, method: string, path: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const where = result.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new IntercomError(`Intercom ${method} ${path} answered an unexpected shape at ${where}`, 200, 'unexpected_shape');
  }
  return result.data;
}
