import { describe, expect, it, vi } from 'vitest';
import { ROOT_PARTITION_ID, type BackfillPartition } from '../../lib/contacts/contact-sync';
import { askIntercom } from '../../lib/contacts/purge-contacts';
import { checkpointsIntact, SEARCH_LAG_SECONDS } from '../../lib/contacts/sync-control';
import { parseSyncMessage } from '../../lib/contacts/sync-worker';
import { IntercomClient } from '../../lib/intercom/client';
import type { Dependencies } from '../../lib/platform/dependencies';

const NOW = new Date('2026-06-01T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const SYNC = { workspaceId: 'ws', appId: 'app' };

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const contact = (updatedAt: number) => ({ type: 'contact', id: 'c1', role: 'user', name: 'Ada', created_at: 1_700_000_000, updated_at: updatedAt });
const found = (ids: string[]) => ({ type: 'list', data: ids.map((id) => ({ ...contact(1_700_000_000), id })), total_count: ids.length, pages: {} });
const notFound = { type: 'error.list', errors: [{ code: 'not_found', message: 'User Not Found' }] };

/** Dependencies whose Intercom answers each call with the next of `answers`, within a budget that grants or not. */
function fakeDeps(answers: Response[], grant: { granted: true } | { granted: false; retryAt: number } = { granted: true }) {
  const fetch = vi.fn(async () => answers.shift()!);
  const deps = {
    contactSync: { reserveIntercomRequest: vi.fn(async () => grant), recordIntercomRateLimit: vi.fn(async () => undefined) },
    intercom: new IntercomClient({ baseUrl: 'https://intercom.test', version: '2.16', fetch, sleep: async () => undefined, now: () => NOW.getTime() }),
    secrets: { get: async () => ({ value: 'token', version: 'v1' }) },
    connections: { markNeedsReauth: vi.fn(), get: vi.fn(async () => ({ workspaceId: 'ws', connectionId: 'c-1', status: 'connected', intercom: { region: 'US' } })) },
    config: { SECRETS_PREFIX: 'timebook-intercom/test' },
    clock: () => NOW,
  } as unknown as Pick<Dependencies, 'contacts' | 'contactSync' | 'intercom' | 'secrets' | 'connections' | 'config' | 'clock'>;
  return { deps, fetch };
}

const calls = (fetch: ReturnType<typeof fakeDeps>['fetch']) =>
  (fetch.mock.calls as unknown as Array<[URL, RequestInit]>).map(([url, init]) => `${init.method} ${url.pathname}${init.body ? ` ${init.body}` : ''}`);

describe('asking Intercom about a contact a complete pass did not see', () => {
  it('takes a 404 for gone: deleted, or merged into another contact', async () => {
    const { deps, fetch } = fakeDeps([json(notFound, 404)]);
    expect(await askIntercom(deps, SYNC, 'c1')).toEqual({ kind: 'gone' });
    expect(calls(fetch)).toEqual(['GET /contacts/c1']);
  });

  it('takes a contact that GET answers but a search for its id does not find for archived', async () => {
    const { deps, fetch } = fakeDeps([json(contact(1_700_000_500)), json(found([]))]);
    expect(await askIntercom(deps, SYNC, 'c1')).toMatchObject({ kind: 'archived', snapshot: { updatedAtSeconds: 1_700_000_500 } });
    expect(calls(fetch)).toEqual([
      'GET /contacts/c1',
      'POST /contacts/search {"query":{"field":"id","operator":"=","value":"c1"},"pagination":{"per_page":1}}',
    ]);
  });

  it('keeps a contact the search finds: the pass merely missed it', async () => {
    const { deps } = fakeDeps([json(contact(1_700_000_500)), json(found(['c1']))]);
    expect(await askIntercom(deps, SYNC, 'c1')).toMatchObject({ kind: 'present', snapshot: { contact: { id: 'c1', name: 'Ada' } } });
  });

  it('keeps a contact changed within the search lag without searching: the search may not show it yet', async () => {
    const { deps, fetch } = fakeDeps([json(contact(NOW_SECONDS - SEARCH_LAG_SECONDS + 1))]);
    expect(await askIntercom(deps, SYNC, 'c1')).toMatchObject({ kind: 'present' });
    expect(calls(fetch)).toEqual(['GET /contacts/c1']);
  });

  it('defers, without calling Intercom, while the rate budget is spent', async () => {
    const { deps, fetch } = fakeDeps([], { granted: false, retryAt: NOW_SECONDS + 5 });
    expect(await askIntercom(deps, SYNC, 'c1')).toMatchObject({ kind: 'deferred' });
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("a stopped backfill's checkpoints", () => {
  const range = { fromNoon: null, toNoon: 2_000, idSuffix: null };
  const partition = (partitionId: string, state: BackfillPartition['state'], extra: Partial<BackfillPartition> = {}): BackfillPartition => ({
    runId: 'run',
    partitionId,
    range,
    state,
    seq: 0,
    cursor: null,
    ...extra,
  });
  const split = [partition(ROOT_PARTITION_ID, 'split'), partition('r.0', 'done'), partition('r.1', 'pending'), partition('r.2', 'pending')];

  it('resume when every partition the run counts is there and none may expire', () => {
    expect(checkpointsIntact({ partitionsTotal: 4, partitionsDone: 2 }, split)).toBe(true);
  });

  it('begin again when one is missing (swept by TTL) or carries a TTL (still readable, but it may go at any moment)', () => {
    expect(checkpointsIntact({ partitionsTotal: 4, partitionsDone: 2 }, split.slice(0, 3))).toBe(false);
    expect(checkpointsIntact({ partitionsTotal: 4, partitionsDone: 2 }, [])).toBe(false);
    expect(checkpointsIntact({ partitionsTotal: 4, partitionsDone: 2 }, [...split.slice(0, 3), partition('r.2', 'pending', { expiresAt: 1 })])).toBe(false);
  });
});

describe('the contact sync queue', () => {
  it('carries reconciliation steps, partition expiry and removals that name no cutoff', () => {
    expect(parseSyncMessage(JSON.stringify({ kind: 'reconcile-page', workspaceId: 'ws', runId: 'run', seq: 3 }))).toEqual({
      kind: 'reconcile-page',
      workspaceId: 'ws',
      runId: 'run',
      seq: 3,
    });
    expect(parseSyncMessage(JSON.stringify({ kind: 'expire-partitions', workspaceId: 'ws', runId: 'run' }))).toMatchObject({ kind: 'expire-partitions' });
    expect(parseSyncMessage(JSON.stringify({ kind: 'purge-page', workspaceId: 'ws', appId: 'app', writtenBefore: null, after: null }))).toMatchObject({
      writtenBefore: null,
    });
    expect(() => parseSyncMessage(JSON.stringify({ kind: 'reconcile-page', workspaceId: 'ws', runId: 'run' }))).toThrow();
  });
});
