import { describe, expect, it, vi } from 'vitest';
import { withWorkspaceToken } from '../../lib/connect/workspace-token';
import { IntercomClient } from '../../lib/intercom/client';
import { IntercomTokenInvalidError } from '../../lib/intercom/errors';
import type { Dependencies } from '../../lib/platform/dependencies';
import type { SecretRead, StoredSecret } from '../../lib/platform/secret-store';

/*
 * The workspace token against a stale per-process cache: the workspace reconnected in another
 * Lambda, so the cached token is dead while Secrets Manager holds a new one.
 */

const intercom = new IntercomClient({
  baseUrl: 'https://api.intercom.test',
  regionBaseUrls: { EU: 'https://api.eu.intercom.test', AU: 'https://api.au.intercom.test' },
  version: '2.16',
});

function world(options: { cached: StoredSecret; stored: StoredSecret; regions?: Array<string | null> }) {
  const reads: SecretRead[] = [];
  const markNeedsReauth = vi.fn(async () => undefined);
  // The connection's region, read after read (the last one repeats): a reconnect may change it.
  const regions = [...(options.regions ?? ['US'])];
  const get = vi.fn(async (workspaceId: string) => {
    const region = regions.length > 1 ? regions.shift()! : regions[0]!;
    return { workspaceId, intercom: { appId: 'app_1', name: 'App', region, timezone: null } };
  });
  const deps = {
    config: { SECRETS_PREFIX: 'test' },
    clock: () => new Date('2026-01-01T00:00:00Z'),
    intercom,
    connections: { markNeedsReauth, get },
    secrets: {
      get: async (_name: string, read: SecretRead = {}) => {
        reads.push(read);
        return read.fresh ? options.stored : options.cached;
      },
    },
  } as unknown as Pick<Dependencies, 'secrets' | 'connections' | 'config' | 'clock' | 'intercom'>;
  return { deps, reads, markNeedsReauth, connectionReads: get };
}

/** Intercom as the call sees it: only `live` is accepted. */
function intercomAccepting(live: string) {
  return vi.fn(async (token: string) => {
    if (token !== live) throw new IntercomTokenInvalidError('Intercom refused the token', 401, 'unauthorized');
    return 'answer';
  });
}

describe('withWorkspaceToken', () => {
  it('reads the token again when Intercom refuses the cached one, and calls again with the new one', async () => {
    const { deps, reads, markNeedsReauth } = world({ cached: { value: 'old', version: 'v1' }, stored: { value: 'new', version: 'v2' } });
    const call = intercomAccepting('new');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).resolves.toBe('answer');

    expect(call.mock.calls.map(([token]) => token)).toEqual(['old', 'new']);
    expect(reads).toEqual([{ readSince: undefined }, { fresh: true }]);
    expect(markNeedsReauth).not.toHaveBeenCalled();
  });

  it('marks the connection needs_reauth when the stored token itself is refused', async () => {
    const same = { value: 'dead', version: 'v1' };
    const { deps, markNeedsReauth } = world({ cached: same, stored: same });
    const call = intercomAccepting('something else');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).rejects.toBeInstanceOf(IntercomTokenInvalidError);

    expect(call).toHaveBeenCalledTimes(1);
    expect(markNeedsReauth).toHaveBeenCalledWith('ws_1', 'unauthorized', expect.any(Date));
  });

  it('marks the connection needs_reauth when the newly read token is refused too', async () => {
    const { deps, markNeedsReauth } = world({ cached: { value: 'old', version: 'v1' }, stored: { value: 'new', version: 'v2' } });
    const call = intercomAccepting('neither');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).rejects.toBeInstanceOf(IntercomTokenInvalidError);

    expect(call).toHaveBeenCalledTimes(2);
    expect(markNeedsReauth).toHaveBeenCalledTimes(1);
  });

  it('passes readSince to the secret read', async () => {
    const { deps, reads } = world({ cached: { value: 'live', version: 'v1' }, stored: { value: 'live', version: 'v1' } });
    const since = new Date('2026-01-01T00:00:00Z');

    await withWorkspaceToken(deps, 'ws_1', intercomAccepting('live'), { readSince: since });

    expect(reads).toEqual([{ readSince: since }]);
  });

  it("calls on the host of the connection's region, read from the connection when the caller has none", async () => {
    const live = { value: 'live', version: 'v1' };
    const { deps, connectionReads } = world({ cached: live, stored: live, regions: ['EU'] });
    const call = vi.fn(async (_token: string, client: IntercomClient) => client);

    await expect(withWorkspaceToken(deps, 'ws_1', call)).resolves.toBe(intercom.forRegion('EU'));
    expect(connectionReads).toHaveBeenCalledTimes(1);
  });

  it('takes the region the caller gives without reading the connection', async () => {
    const live = { value: 'live', version: 'v1' };
    const { deps, connectionReads } = world({ cached: live, stored: live });
    const call = vi.fn(async (_token: string, client: IntercomClient) => client);

    await expect(withWorkspaceToken(deps, 'ws_1', call, { region: 'AU' })).resolves.toBe(intercom.forRegion('AU'));
    expect(connectionReads).not.toHaveBeenCalled();
  });

  it("retries a reconnected workspace's new token on the host of its region as it is now", async () => {
    const { deps } = world({ cached: { value: 'old', version: 'v1' }, stored: { value: 'new', version: 'v2' }, regions: ['AU'] });
    const hosts: IntercomClient[] = [];
    const call = vi.fn(async (token: string, client: IntercomClient) => {
      hosts.push(client);
      if (token !== 'new') throw new IntercomTokenInvalidError('Intercom refused the token', 401, 'unauthorized');
      return 'answer';
    });

    await expect(withWorkspaceToken(deps, 'ws_1', call, { region: 'EU' })).resolves.toBe('answer');
    expect(hosts).toEqual([intercom.forRegion('EU'), intercom.forRegion('AU')]);
  });
});
