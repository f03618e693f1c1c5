import { describe, expect, it, vi } from 'vitest';
import { withWorkspaceToken } from '../../lib/connect/workspace-token';
import { IntercomTokenInvalidError } from '../../lib/intercom/errors';
import type { Dependencies } from '../../lib/platform/dependencies';
import type { SecretRead, StoredSecret } from '../../lib/platform/secret-store';

/*
 * The workspace token against a stale per-process cache: the workspace reconnected in another
 * Lambda, so the cached token is dead while Secrets Manager holds a new one.
 */

const CONNECTION = { workspaceId: 'ws_1', connectionId: 'c-1', status: 'connected' };

function world(options: { cached: StoredSecret; stored: StoredSecret; connection?: object }) {
  const reads: SecretRead[] = [];
  const names: string[] = [];
  const markNeedsReauth = vi.fn(async () => undefined);
  const deps = {
    config: { SECRETS_PREFIX: 'test' },
    clock: () => new Date('2026-01-01T00:00:00Z'),
    connections: { get: async () => options.connection ?? CONNECTION, markNeedsReauth },
    secrets: {
      get: async (name: string, read: SecretRead = {}) => {
        names.push(name);
        reads.push(read);
        return read.fresh ? options.stored : options.cached;
      },
    },
  } as unknown as Pick<Dependencies, 'secrets' | 'connections' | 'config' | 'clock'>;
  return { deps, reads, names, markNeedsReauth };
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
    const { deps, reads, names, markNeedsReauth } = world({ cached: { value: 'old', version: 'v1' }, stored: { value: 'new', version: 'v2' } });
    const call = intercomAccepting('new');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).resolves.toBe('answer');

    expect(new Set(names)).toEqual(new Set(['test/workspaces/ws_1/c-1/access-token']));
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
    expect(markNeedsReauth).toHaveBeenCalledWith(CONNECTION, 'unauthorized', expect.any(Date));
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
    const { deps, names } = world({ cached: same, stored: same, connection: { ...CONNECTION, status: 'disconnected' } });
    const call = intercomAccepting('left-over');

    await expect(withWorkspaceToken(deps, 'ws_1', call)).rejects.toMatchObject({ code: 'intercom_not_connected' });

    expect(names).toEqual([]);
    expect(call).not.toHaveBeenCalled();
  });

  it('passes readSince to the secret read', async () => {
    const { deps, reads } = world({ cached: { value: 'live', version: 'v1' }, stored: { value: 'live', version: 'v1' } });
    const since = new Date('2026-01-01T00:00:00Z');

    await withWorkspaceToken(deps, 'ws_1', intercomAccepting('live'), { readSince: since });

    expect(reads).toEqual([{ readSince: since }]);
  });
});
