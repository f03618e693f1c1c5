import { describe, expect, it, vi } from 'vitest';
import { deferralSeconds, reserveOf, searchWithinBudget } from '../../lib/contacts/rate-budget';
import { IntercomClient } from '../../lib/intercom/client';
import type { Dependencies } from '../../lib/platform/dependencies';

const NOW = new Date('2026-06-01T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const SEARCH = { query: { field: 'created_at', operator: '<', value: 1 }, perPage: 150, startingAfter: 'WzEsImEiLDJd+/=' };
const SYNC = { workspaceId: 'ws', appId: 'app' };

function fakeDeps(options: { grant?: { granted: true } | { granted: false; retryAt: number }; response?: Response; region?: string }) {
  const fetch = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => options.response!.clone());
  const sleep = vi.fn(async () => undefined);
  const contactSync = {
    reserveIntercomRequest: vi.fn(async () => options.grant ?? { granted: true as const }),
    recordIntercomRateLimit: vi.fn(async () => undefined),
  };
  const deps = {
    contactSync,
    intercom: new IntercomClient({
      baseUrl: 'https://intercom.test',
      regionBaseUrls: { EU: 'https://eu.intercom.test' },
      version: '2.16',
      fetch,
      sleep,
      now: () => NOW.getTime(),
    }),
    secrets: { get: async () => ({ value: 'token', version: 'v1' }) },
    connections: {
      markNeedsReauth: vi.fn(),
      get: vi.fn(async () => ({ workspaceId: 'ws', connectionId: 'c-1', status: 'connected', intercom: { region: options.region ?? 'US' } })),
    },
    config: { SECRETS_PREFIX: 'timebook-intercom/test' },
    clock: () => NOW,
  } as unknown as Pick<Dependencies, 'contactSync' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'>;
  return { deps, fetch, sleep, contactSync, connections: deps.connections };
}

const page = { type: 'list', data: [], total_count: 0, pages: { type: 'pages', page: 1, per_page: 150, total_pages: 0 } };

describe('the shared Intercom rate budget', () => {
  it('keeps a tenth of each window for other callers, at least one request', () => {
    expect(reserveOf(1666)).toBe(167);
    expect(reserveOf(5)).toBe(1);
  });

  it('defers until the window resets, with up to two seconds of jitter, within SQS limits', () => {
    expect(deferralSeconds(NOW_SECONDS + 7, NOW_SECONDS, () => 0)).toBe(7);
    expect(deferralSeconds(NOW_SECONDS + 7, NOW_SECONDS, () => 0.999)).toBe(9);
    expect(deferralSeconds(NOW_SECONDS - 5, NOW_SECONDS, () => 0)).toBe(1);
    expect(deferralSeconds(NOW_SECONDS + 5_000, NOW_SECONDS, () => 0)).toBe(900);
  });

  it('does not call Intercom when the window is spent, and says how long to wait', async () => {
    const { deps, fetch } = fakeDeps({ grant: { granted: false, retryAt: NOW_SECONDS + 6 } });

    const result = await searchWithinBudget(deps, SYNC, SEARCH);

    expect(result.kind).toBe('deferred');
    expect((result as { delaySeconds: number }).delaySeconds).toBeGreaterThanOrEqual(6);
    expect((result as { delaySeconds: number }).delaySeconds).toBeLessThanOrEqual(8);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('sends the search with its pagination in the body and records the window the headers report', async () => {
    const response = new Response(JSON.stringify(page), {
      headers: { 'content-type': 'application/json', 'x-ratelimit-limit': '1666', 'x-ratelimit-remaining': '1200', 'x-ratelimit-reset': String(NOW_SECONDS + 4) },
    });
    const { deps, fetch, contactSync } = fakeDeps({ response });

    const result = await searchWithinBudget(deps, SYNC, SEARCH);

    expect(result).toEqual({ kind: 'page', page });
    const [url, init] = fetch.mock.calls[0]!;
    expect(String(url)).toBe('https://intercom.test/contacts/search');
    expect(JSON.parse(String(init!.body))).toEqual({ query: SEARCH.query, pagination: { per_page: 150, starting_after: SEARCH.startingAfter } });
    expect(contactSync.recordIntercomRateLimit).toHaveBeenCalledWith(
      SYNC,
      { limit: 1666, remaining: 1200, resetAt: NOW_SECONDS + 4, reserve: 167 },
      NOW,
    );
  });

  it("searches on the host of the connection's region", async () => {
    const response = new Response(JSON.stringify(page), { headers: { 'content-type': 'application/json' } });
    const { deps, fetch, connections } = fakeDeps({ response, region: 'EU' });

    await searchWithinBudget(deps, SYNC, SEARCH);

    expect(connections.get).toHaveBeenCalledWith('ws');
    expect(fetch.mock.calls.map(([url]) => String(url))).toEqual(['https://eu.intercom.test/contacts/search']);
  });

  it('turns a 429 into a deferral until X-RateLimit-Reset, without sleeping, and marks the window spent', async () => {
    const response = new Response(JSON.stringify({ type: 'error.list', errors: [{ code: 'rate_limit_exceeded', message: 'Too many' }] }), {
      status: 429,
      headers: { 'x-ratelimit-limit': '1666', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW_SECONDS + 9) },
    });
    const { deps, sleep, contactSync } = fakeDeps({ response });

    const result = await searchWithinBudget(deps, SYNC, SEARCH);

    expect(result.kind).toBe('deferred');
    expect((result as { delaySeconds: number }).delaySeconds).toBeGreaterThanOrEqual(9);
    expect(sleep).not.toHaveBeenCalled();
    expect(contactSync.recordIntercomRateLimit).toHaveBeenCalledWith(SYNC, { remaining: 0, resetAt: NOW_SECONDS + 9 }, NOW);
  });
});
