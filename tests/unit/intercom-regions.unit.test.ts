import { describe, expect, it } from 'vitest';
import { newConnection } from '../../lib/connect/connection';
import { inboxOrigin, regionOf } from '../../lib/intercom/regions';
import { meSchema } from '../../lib/intercom/schemas';
import { loadExample } from '../support/factories';

describe('Intercom regions', () => {
  it('reads app.region as GET /me spells it, and takes a missing or unknown one for the US', () => {
    expect(regionOf('EU')).toBe('EU');
    expect(regionOf('AU')).toBe('AU');
    expect(regionOf('US')).toBe('US');
    expect(regionOf('eu')).toBe('EU');
    expect(regionOf(null)).toBe('US');
    expect(regionOf(undefined)).toBe('US');
    expect(regionOf('Mars')).toBe('US');
  });

  it("opens each region's own inbox", () => {
    expect(inboxOrigin('US')).toBe('https://app.intercom.com');
    expect(inboxOrigin('EU')).toBe('https://app.eu.intercom.com');
    expect(inboxOrigin('AU')).toBe('https://app.au.intercom.com');
  });

  it("records the region of the workspace GET /me describes, token and OAuth alike", () => {
    const example = loadExample('me.json') as { app: Record<string, unknown> };
    const eu = meSchema().parse({ ...example, app: { ...example.app, region: 'EU' } });
    const { region: _, ...appWithoutRegion } = example.app;
    const unknown = meSchema().parse({ ...example, app: appWithoutRegion });
    const connect = (me: typeof eu, method: 'oauth' | 'token') =>
      newConnection({
        workspaceId: 'ws_1',
        method,
        me,
        previous: undefined,
        webhook: { key: null, secretConfigured: false, secretVersion: null, lastEventAt: null },
        connectedBy: 'admin',
        now: new Date('2026-01-01T00:00:00Z'),
        missingOptional: [],
      }).intercom.region;

    expect(connect(eu, 'oauth')).toBe('EU');
    expect(connect(eu, 'token')).toBe('EU');
    expect(connect(unknown, 'oauth')).toBe('US');
  });
});
