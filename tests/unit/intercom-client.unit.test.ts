import { describe, expect, it } from 'vitest';
import { IntercomClient, type IntercomClientOptions } from '../../lib/intercom/client';
import {
  IntercomBadRequestError,
  IntercomError,
  IntercomNotFoundError,
  IntercomPermissionError,
  IntercomRateLimitError,
  IntercomTokenInvalidError,
  IntercomUnavailableError,
} from '../../lib/intercom/errors';
import { conversationPayload, loadExample, partPayload } from '../support/factories';

const TOKEN = 'dG9rOjU1ZjE2c2VjcmV0LXRva2Vu';
const NOW_MS = Date.UTC(2026, 10, 27, 10, 0, 0);

type Step = Response | Error | ((init: RequestInit) => Promise<Response>);

interface Call {
  url: URL;
  init: RequestInit;
}

/** A scripted `fetch`: answers each call with the next step and records what was sent. */
function scriptedFetch(steps: Step[]) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    calls.push({ url: new URL(String(input)), init });
    const step = steps.shift();
    if (step === undefined) throw new Error('the test script has no more responses');
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(init);
    return step;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function rateLimitHeaders(resetAtMs: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': '1000',
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': String(Math.floor(resetAtMs / 1000)),
  };
}

const ME = loadExample('me.json');
const RATE_LIMITED = loadExample('error-429-rate-limit-exceeded.json');
const SERVER_ERROR = { type: 'error.list', request_id: 'req_500', errors: [{ code: 'server_error', message: 'Server Error' }] };

/** A client over a scripted fetch, with recorded sleeps, fixed jitter and a fixed clock. */
function clientWith(steps: Step[], options: Partial<IntercomClientOptions> = {}) {
  const { fetch, calls } = scriptedFetch(steps);
  const sleeps: number[] = [];
  const client = new IntercomClient({
    baseUrl: 'https://api.intercom.test/',
    version: '2.14',
    fetch,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    now: () => NOW_MS,
    ...options,
  });
  return { client, calls, sleeps };
}

function headersOf(call: Call | undefined): Headers {
  return new Headers(call?.init.headers);
}

async function failureOf(promise: Promise<unknown>): Promise<IntercomError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(IntercomError);
  return error as IntercomError;
}

describe('IntercomClient requests', () => {
  it('sends the pinned Intercom-Version, JSON accept and the bearer token', async () => {
    const { client, calls } = clientWith([json(200, ME)]);

    const me = await client.me(TOKEN);

    expect(me.app.id_code).toBe((ME.app as { id_code: string }).id_code);
    const headers = headersOf(calls[0]);
    expect(headers.get('intercom-version')).toBe('2.14');
    expect(headers.get('accept')).toBe('application/json');
    expect(headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(calls[0]?.url.href).toBe('https://api.intercom.test/me');
    expect(calls[0]?.init.method).toBe('GET');
  });

  it('puts the token in the Authorization header only', async () => {
    const { client, calls } = clientWith([json(200, { type: 'list', data: [] })]);

    await client.listContacts(TOKEN, { perPage: 50, startingAfter: 'WzE3MDAwMDAwMDAsIjY1ZiJd' });

    const [call] = calls;
    expect(call?.url.href).not.toContain(TOKEN);
    expect(String(call?.init.body ?? '')).not.toContain(TOKEN);
    const others = [...headersOf(call).entries()].filter(([name]) => name !== 'authorization');
    expect(others.map(([, value]) => value).join(' ')).not.toContain(TOKEN);
  });

  it('sends paging parameters and leaves out the ones not given', async () => {
    const { client, calls } = clientWith([json(200, { type: 'list', data: [] }), json(200, { type: 'list', data: [] })]);

    await client.listContacts(TOKEN, { perPage: 150, startingAfter: 'abc==' });
    await client.listContacts(TOKEN, { perPage: 150 });

    expect(calls[0]?.url.searchParams.get('per_page')).toBe('150');
    expect(calls[0]?.url.searchParams.get('starting_after')).toBe('abc==');
    expect(calls[1]?.url.searchParams.has('starting_after')).toBe(false);
  });

  it('asks for a conversation as plain text and escapes its id in the path', async () => {
    const { client, calls } = clientWith([json(200, conversationPayload({ id: '215472621202693', parts: [partPayload()] }))]);

    const conversation = await client.getConversation(TOKEN, '2154/72');

    expect(calls[0]?.url.pathname).toBe('/conversations/2154%2F72');
    expect(calls[0]?.url.searchParams.get('display_as')).toBe('plaintext');
    expect(conversation.id).toBe('215472621202693');
    expect(conversation.conversation_parts?.conversation_parts).toHaveLength(1);
  });

  it('reads the rate-limit headers of a successful answer', async () => {
    const resetAt = NOW_MS + 10_000;
    const { client } = clientWith([json(200, ME, { ...rateLimitHeaders(resetAt), 'X-RateLimit-Remaining': '997' })]);

    const response = await client.request(TOKEN, 'GET', '/me', undefined);

    expect(response.rateLimit).toEqual({ limit: 1000, remaining: 997, resetAt: new Date(Math.floor(resetAt / 1000) * 1000) });
  });

  it('fails with an unexpected_shape error, naming the field, when a 200 does not match the schema', async () => {
    const { client } = clientWith([json(200, { type: 'admin', id: '1', app: { name: 'No id code' } })]);

    const error = await failureOf(client.me(TOKEN));

    expect(error.code).toBe('unexpected_shape');
    expect(error.message).toContain('app.id_code');
  });
});

describe('IntercomClient regions', () => {
  const regionBaseUrls = { EU: 'https://api.eu.intercom.test/', AU: 'https://api.au.intercom.test' };

  it("calls each region's own host, with the same version and limits, on a client built once", async () => {
    const { client, calls } = clientWith([json(200, { type: 'list', data: [] }), json(200, { type: 'list', data: [] }), json(200, ME)], {
      regionBaseUrls,
    });

    await client.forRegion('EU').listTags(TOKEN);
    await client.forRegion('AU').listTags(TOKEN);
    await client.forRegion('US').me(TOKEN);

    expect(calls.map((call) => call.url.href)).toEqual([
      'https://api.eu.intercom.test/tags',
      'https://api.au.intercom.test/tags',
      'https://api.intercom.test/me',
    ]);
    expect(calls.map((call) => headersOf(call).get('intercom-version'))).toEqual(['2.14', '2.14', '2.14']);
    expect(client.forRegion('EU')).toBe(client.forRegion('EU'));
    expect(client.forRegion('US')).toBe(client);
    expect(client.forRegion('EU').forRegion('AU')).toBe(client.forRegion('AU'));
    expect(client.forRegion('AU').forRegion('US')).toBe(client);
  });

  it('calls a region without a host of its own on the US host', async () => {
    const { client, calls } = clientWith([json(200, { type: 'list', data: [] })]);

    await client.forRegion('AU').listTags(TOKEN);

    expect(calls[0]?.url.href).toBe('https://api.intercom.test/tags');
  });
});

describe('IntercomClient answers that are not JSON', () => {
  it('maps a 2xx body that is not JSON to a typed error', async () => {
    const { client } = clientWith([new Response('<html>ok</html>', { status: 200 })]);

    const error = await failureOf(client.me('tok'));

    expect(error).toBeInstanceOf(IntercomUnavailableError);
    expect(error.message).toContain('not JSON');
  });
});

describe('IntercomClient OAuth code exchange', () => {
  it('form-encodes code, client_id and client_secret and keeps a trailing "=" of the code', async () => {
    const { client, calls } = clientWith([json(200, loadExample('oauth-token-response.json'))]);

    const token = await client.exchangeCode({ code: 'a1b2+c3/d4==', clientId: 'client-id', clientSecret: 'client-secret' });

    expect(token).toBe('dG9rOjBiM...');
    const [call] = calls;
    expect(call?.init.method).toBe('POST');
    expect(call?.url.pathname).toBe('/auth/eagle/token');
    expect(headersOf(call).get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(headersOf(call).has('authorization')).toBe(false);
    const body = String(call?.init.body);
    expect(body).toContain('code=a1b2%2Bc3%2Fd4%3D%3D');
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
      code: 'a1b2+c3/d4==',
      client_id: 'client-id',
      client_secret: 'client-secret',
    });
  });

  it('accepts a token answer that has only `token`', async () => {
    const { client } = clientWith([json(200, { token_type: 'Bearer', token: 'only-token' })]);

    expect(await client.exchangeCode({ code: 'c', clientId: 'i', clientSecret: 's' })).toBe('only-token');
  });

  it('fails when the answer carries no token', async () => {
    const { client } = clientWith([json(200, { token_type: 'Bearer' })]);

    const error = await failureOf(client.exchangeCode({ code: 'c', clientId: 'i', clientSecret: 's' }));

    expect(error.message).toMatch(/without a token/);
  });

  it('never repeats the exchange: a 5xx fails after one call without sleeping', async () => {
    const { client, calls, sleeps } = clientWith([json(503, SERVER_ERROR), json(200, { token: 'never-used' })]);

    const error = await failureOf(client.exchangeCode({ code: 'c', clientId: 'i', clientSecret: 's' }));

    expect(error).toBeInstanceOf(IntercomUnavailableError);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('never repeats the exchange after a network error', async () => {
    const { client, calls } = clientWith([new TypeError('fetch failed'), json(200, { token: 'never-used' })]);

    const error = await failureOf(client.exchangeCode({ code: 'c', clientId: 'i', clientSecret: 's' }));

    expect(error).toBeInstanceOf(IntercomUnavailableError);
    expect(calls).toHaveLength(1);
  });

  it('never repeats the exchange after a 429, even when the window resets soon', async () => {
    const { client, calls } = clientWith([json(429, RATE_LIMITED, rateLimitHeaders(NOW_MS + 1_000)), json(200, { token: 'x' })]);

    const error = await failureOf(client.exchangeCode({ code: 'c', clientId: 'i', clientSecret: 's' }));

    expect(error).toBeInstanceOf(IntercomRateLimitError);
    expect(calls).toHaveLength(1);
  });
});

describe('IntercomClient rate limits', () => {
  it('waits until X-RateLimit-Reset when it is within maxRateLimitWaitMs, then retries', async () => {
    const resetAt = NOW_MS + 1_000;
    const { client, calls, sleeps } = clientWith([json(429, RATE_LIMITED, rateLimitHeaders(resetAt)), json(200, ME)], {
      maxRateLimitWaitMs: 2_000,
      random: () => 0,
    });

    const me = await client.me(TOKEN);

    expect(me.type).toBe('admin');
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([1_000]);
  });

  it('adds at most 250 ms of jitter to the wait', async () => {
    const { client, sleeps } = clientWith([json(429, RATE_LIMITED, rateLimitHeaders(NOW_MS + 1_000)), json(200, ME)], {
      random: () => 0.5,
    });

    await client.me(TOKEN);

    expect(sleeps).toEqual([1_125]);
  });

  it('throws IntercomRateLimitError with resetAt, without waiting, when the reset is further than maxRateLimitWaitMs', async () => {
    const resetAt = NOW_MS + 10_000;
    const { client, calls, sleeps } = clientWith([json(429, RATE_LIMITED, rateLimitHeaders(resetAt)), json(200, ME)], {
      maxRateLimitWaitMs: 2_000,
    });

    const error = await failureOf(client.me(TOKEN));

    expect(error).toBeInstanceOf(IntercomRateLimitError);
    expect((error as IntercomRateLimitError).resetAt).toEqual(new Date(resetAt));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.requestId).toBe(RATE_LIMITED.request_id);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('backs off like a 5xx when a 429 carries no X-RateLimit-Reset', async () => {
    const { client, calls, sleeps } = clientWith([json(429, RATE_LIMITED), json(200, ME)], { random: () => 0.5 });

    await client.me(TOKEN);

    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([100 + 0.5 * 250]);
  });

  it('gives up with IntercomRateLimitError when the limit is still reached after the retries', async () => {
    const resetAt = NOW_MS + 1_000;
    const limited = () => json(429, RATE_LIMITED, rateLimitHeaders(resetAt));
    const { client, calls } = clientWith([limited(), limited(), limited()], { maxRetries: 2 });

    const error = await failureOf(client.me(TOKEN));

    expect(error).toBeInstanceOf(IntercomRateLimitError);
    expect((error as IntercomRateLimitError).resetAt).toEqual(new Date(resetAt));
    expect(calls).toHaveLength(3);
  });
});

describe('IntercomClient retries', () => {
  it('retries a 5xx with exponential backoff and returns the eventual success', async () => {
    const { client, calls, sleeps } = clientWith([json(500, SERVER_ERROR), json(502, SERVER_ERROR), json(200, ME)], {
      maxRetries: 2,
      random: () => 0.5,
    });

    const me = await client.me(TOKEN);

    expect(me.type).toBe('admin');
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('throws IntercomUnavailableError after maxRetries retries of a 5xx', async () => {
    const { client, calls } = clientWith([json(503, SERVER_ERROR), json(503, SERVER_ERROR), json(503, SERVER_ERROR), json(200, ME)], {
      maxRetries: 2,
    });

    const error = await failureOf(client.me(TOKEN));

    expect(error).toBeInstanceOf(IntercomUnavailableError);
    expect(error.status).toBe(503);
    expect(error.code).toBe('server_error');
    expect(error.requestId).toBe('req_500');
    expect(calls).toHaveLength(3);
  });

  it('retries a network error and succeeds', async () => {
    const { client, calls, sleeps } = clientWith([new TypeError('fetch failed'), json(200, ME)]);

    await client.me(TOKEN);

    expect(calls).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('reports a network error that outlasts the retries as unavailable, with the cause kept', async () => {
    const cause = new TypeError('fetch failed');
    const { client, calls } = clientWith([cause, cause, cause], { maxRetries: 2 });

    const error = await failureOf(client.me(TOKEN));

    expect(error).toBeInstanceOf(IntercomUnavailableError);
    expect(error.message).toBe('Intercom GET /me could not be reached');
    expect(error.cause).toBe(cause);
    expect(calls).toHaveLength(3);
  });

  it('aborts an attempt after timeoutMs, retries it, and reports a timeout', async () => {
    const hang = (init: RequestInit) =>
      new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const { client, calls } = clientWith([hang, hang], { timeoutMs: 5, maxRetries: 1 });

    const error = await failureOf(client.me(TOKEN));

    expect(error).toBeInstanceOf(IntercomUnavailableError);
    expect(error.message).toBe('Intercom GET /me timed out');
    expect(calls).toHaveLength(2);
  });

  it('does not retry a 4xx', async () => {
    const { client, calls } = clientWith([json(404, loadExample('error-404-not-found.json')), json(200, ME)]);

    await failureOf(client.me(TOKEN));

    expect(calls).toHaveLength(1);
  });
});

describe('IntercomClient error mapping', () => {
  const cases: { name: string; status: number; body: unknown; type: new (...args: never[]) => IntercomError; code?: string }[] = [
    { name: '401 unauthorized', status: 401, body: loadExample('error-401-unauthorized.json'), type: IntercomTokenInvalidError, code: 'unauthorized' },
    {
      name: '401 token_revoked',
      status: 401,
      body: { type: 'error.list', request_id: 'r', errors: [{ code: 'token_revoked', message: 'Token revoked' }] },
      type: IntercomTokenInvalidError,
      code: 'token_revoked',
    },
    { name: '401 without a JSON body', status: 401, body: undefined, type: IntercomTokenInvalidError },
    {
      name: '401 token_unauthorized',
      status: 401,
      body: loadExample('error-401-token-unauthorized.json'),
      type: IntercomPermissionError,
      code: 'token_unauthorized',
    },
    { name: '403 forbidden (missing scope)', status: 403, body: loadExample('error-403-missing-scope.json'), type: IntercomPermissionError, code: 'forbidden' },
    {
      name: '403 api_plan_restricted',
      status: 403,
      body: loadExample('error-403-api-plan-restricted.json'),
      type: IntercomPermissionError,
      code: 'api_plan_restricted',
    },
    { name: '404 not_found', status: 404, body: loadExample('error-404-not-found.json'), type: IntercomNotFoundError, code: 'not_found' },
    {
      name: '400 invalid sort order',
      status: 400,
      body: loadExample('error-400-invalid-sort-order.json'),
      type: IntercomBadRequestError,
    },
  ];

  it.each(cases)('maps $name to $type.name', async ({ status, body, type, code }) => {
    const response = body === undefined ? new Response('<html>Unauthorized</html>', { status }) : json(status, body);
    const { client, calls } = clientWith([response]);

    const error = await failureOf(client.listTags(TOKEN));

    expect(error).toBeInstanceOf(type);
    expect(error.name).toBe(type.name);
    expect(error.status).toBe(status);
    if (code) expect(error.code).toBe(code);
    expect(calls).toHaveLength(1);
  });

  it('keeps the 401 and 403 mappings apart: a dead token is not a missing permission', async () => {
    const { client } = clientWith([json(401, loadExample('error-401-unauthorized.json')), json(403, loadExample('error-403-missing-scope.json'))]);

    const dead = await failureOf(client.listTags(TOKEN));
    const forbidden = await failureOf(client.listTags(TOKEN));

    expect(dead).not.toBeInstanceOf(IntercomPermissionError);
    expect(forbidden).not.toBeInstanceOf(IntercomTokenInvalidError);
  });

  it('names the call, status, code and Intercom message, and never the token', async () => {
    const echo = { type: 'error.list', request_id: 'r1', errors: [{ code: 'not_found', message: 'Resource Not Found' }] };
    const { client } = clientWith([json(404, echo)]);

    const error = await failureOf(client.getConversation(TOKEN, '123'));

    expect(error.message).toBe('Intercom GET /conversations/123 answered 404 not_found: Resource Not Found');
    expect(error.requestId).toBe('r1');
  });

  it('never puts the token in any error message or stack', async () => {
    const resetLater = rateLimitHeaders(NOW_MS + 60_000);
    const steps: Step[] = [
      json(401, loadExample('error-401-unauthorized.json')),
      json(403, loadExample('error-403-missing-scope.json')),
      json(404, loadExample('error-404-not-found.json')),
      json(429, RATE_LIMITED, resetLater),
      json(500, SERVER_ERROR),
      new TypeError('fetch failed'),
      json(200, { type: 'admin' }),
    ];
    const { client } = clientWith(steps, { maxRetries: 0 });

    const errors: IntercomError[] = [];
    for (let i = 0; i < 7; i += 1) errors.push(await failureOf(client.me(TOKEN)));

    expect(errors.map((error) => error.name)).toEqual([
      'IntercomTokenInvalidError',
      'IntercomPermissionError',
      'IntercomNotFoundError',
      'IntercomRateLimitError',
      'IntercomUnavailableError',
      'IntercomUnavailableError',
      'IntercomError',
    ]);
    for (const error of errors) {
      expect(error.message).not.toContain(TOKEN);
      expect(String(error.stack)).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    }
  });
});
