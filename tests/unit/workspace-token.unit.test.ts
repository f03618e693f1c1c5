import { describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../lib/connect/connection';
import { withWorkspaceToken } from '../../lib/connect/workspace-token';
import { IntercomClient } from '../../lib/intercom/client';
import { IntercomTokenInvalidError } from '../../lib/intercom/errors';
import type { Dependencies } from '../../lib/platform/dependencies';
import type { SecretRead, StoredSecret } from '../../lib/platform/secret-store';

/*
 * The workspace token against a stale per-process cache (the same connection took a new token in
 * another Lambda, so the cached one is dead while Secrets Manager holds the new one), and the
 * connection that decides the secret's name and the region's host.
 */

const intercom = new IntercomClient({
  baseUrl: 'https://api.intercom.test',
  regionBaseUrls: { EU: 'https://api.eu.intercom.test', AU: 'https://api.au.intercom.test' },
  version: '2.16',
});

function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    workspaceId: 'ws_1',
    connectionId: 'c-1',
    status: 'connected',
    intercom: { appId: 'app_1', name: 'App', region: 'US', timezone: null },
    ...overrides,
  } as Connection;
}

function world(options: { cached: StoredSecret; stored: StoredSecret; connection?: Connection }) {
  const reads: SecretRead[] = [];
  const names: string[] = [];
  const markNeedsReauth = vi.fn(async () => undefined);
  const stored = options.connection ?? connection();
  const get = vi.fn(async () => stored);
  const deps = {
    config: { SECRETS_PREFIX: 'test' },
    clock: () => new Date('2026-01-01T00:00:00Z'),
    intercom,
    connections: { markNeedsReauth, get },
    secrets: {
      get: async (name: string, read: SecretRead = {}) => {
        names.push(name);
        reads.push(read);
        return read.fresh ? options.stored : options.cached;
      },
    },
  } as unknown as Pick<Dependencies, 'secrets' | 'connections' | 'config' | 'clock' | 'intercom'>;
  return { deps, reads, names, markNeedsReauth, connectionReads: get, stored };
}

/** Intercom as the call sees it: only `live` is accepted. */
function intercomAccepting(live: string) {
  return vi.fn(async (token: string) => {
    if (token !== live) throw new IntercomTokenInvalidError('Intercom refused the token', 401, 'unauthorized');
    return 'answer';
  });
}

describe('withWorkspaceToken', () => {
  it("reads the connection's own token, and again when Intercom refuses the cached one, then calls with the new one", async () => {
    const { deps, reads, names, markNeedsReauth } = world({ cached: { value: 'old', version: 'v1' }, stored: { value: 'new', version: 'v2' } });
    const call = intercomAccepting('new');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).resolves.toBe('answer');

    expect(new Set(names)).toEqual(new Set(['test/workspaces/ws_1/c-1/access-token']));
    expect(call.mock.calls.map(([token]) => token)).toEqual(['old', 'new']);
    expect(reads).toEqual([{}, { fresh: true }]);
    expect(markNeedsReauth).not.toHaveBeenCalled();
  });

  it('marks the connection needs_reauth when the stored token itself is refused', async () => {
    const same = { value: 'dead', version: 'v1' };
    const { deps, markNeedsReauth, stored } = world({ cached: same, stored: same });
    const call = intercomAccepting('something else');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).rejects.toBeInstanceOf(IntercomTokenInvalidError);

    expect(call).toHaveBeenCalledTimes(1);
    expect(markNeedsReauth).toHaveBeenCalledWith(stored, 'unauthorized', expect.any(Date));
  });

  it('marks the connection needs_reauth when the newly read token is refused too', async () => {
    const { deps, markNeedsReauth } = world({ cached: { value: 'old', version: 'v1' }, stored: { value: 'new', version: 'v2' } });
    const call = intercomAccepting('neither');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).rejects.toBeInstanceOf(IntercomTokenInvalidError);

    expect(call).toHaveBeenCalledTimes(2);
    expect(markNeedsReauth).toHaveBeenCalledTimes(1);
  });

  it('refuses a disconnected workspace without reading a secret or calling Intercom', async () => {
    const same = { value: 'left-over', version: 'v1' };
    const { deps, names } = world({ cached: same, stored: same, connection: connection({ status: 'disconnected' }) });
    const call = intercomAccepting('left-over');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).rejects.toMatchObject({ code: 'intercom_not_connected' });

    expect(names).toEqual([]);
    expect(call).not.toHaveBeenCalled();
  });

  it("calls on the host of the connection's region, read from the connection when the caller has none", async () => {
    const live = { value: 'live', version: 'v1' };
    const { deps, connectionReads } = world({ cached: live, stored: live, connection: connection({ intercom: { appId: 'a', name: 'A', region: 'EU', timezone: null } }) });
    const call = vi.fn(async (_token: string, client: IntercomClient) => client);

    await expect(withWorkspaceToken(deps, 'ws_1', call)).resolves.toBe(intercom.forRegion('EU'));
    expect(connectionReads).toHaveBeenCalledTimes(1);
  });

  it('takes the connection the caller has just read without reading it again', async () => {
    const live = { value: 'live', version: 'v1' };
    const { deps, connectionReads, names } = world({ cached: live, stored: live });
    const call = vi.fn(async (_token: string, client: IntercomClient) => client);
    const au = connection({ connectionId: 'c-2', intercom: { appId: 'a', name: 'A', region: 'AU', timezone: null } });

    await expect(withWorkspaceToken(deps, 'ws_1', call, { connection: au })).resolves.toBe(intercom.forRegion('AU'));
    expect(connectionReads).not.toHaveBeenCalled();
    expect(names).toEqual(['test/workspaces/ws_1/c-2/access-token']);
  });
});
