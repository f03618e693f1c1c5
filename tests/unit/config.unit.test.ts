import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/platform/config';

const valid = {
  STAGE: 'test',
  TABLE_NAME: 'table',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  EVENTS_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/events',
  BACKFILL_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/backfill',
  SECRETS_PREFIX: 'timebook-intercom/test',
  INTERCOM_VERSION: '2.16',
  INTERCOM_CLIENT_SECRET_NAME: 'timebook-intercom/test/oauth-client-secret',
  ADMIN_JWT_SECRET: 'secret',
  ADMIN_JWT_AUDIENCE: 'timebook-intercom',
};

describe('parseConfig', () => {
  it('applies Intercom defaults and treats empty strings as unset', () => {
    const config = parseConfig({ ...valid, PUBLIC_BASE_URL: '', ADMIN_JWT_ISSUER: '' });
    expect(config.INTERCOM_API_BASE_URL).toBe('https://api.intercom.io');
    expect(config.INTERCOM_API_BASE_URL_EU).toBe('https://api.eu.intercom.io');
    expect(config.INTERCOM_API_BASE_URL_AU).toBe('https://api.au.intercom.io');
    expect(config.INTERCOM_OAUTH_URL).toBe('https://app.intercom.com/oauth');
    expect(config.PUBLIC_BASE_URL).toBeUndefined();
    expect(config.ADMIN_JWT_ISSUER).toBeUndefined();
  });

  it('names every missing or invalid variable', () => {
    const { TABLE_NAME: _, ...missingTable } = valid;
    const attempt = () => parseConfig({ ...missingTable, EVENTS_QUEUE_URL: 'not a url' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/TABLE_NAME/);
    expect(attempt).toThrow(/EVENTS_QUEUE_URL/);
  });

  it('requires a way to verify admin JWTs', () => {
    expect(() => parseConfig({ ...valid, ADMIN_JWT_SECRET: '' })).toThrow(/ADMIN_JWKS_URL/);
    expect(parseConfig({ ...valid, ADMIN_JWT_SECRET: '', ADMIN_JWKS_URL: 'https://id.example/jwks.json' }).ADMIN_JWKS_URL).toBe(
      'https://id.example/jwks.json',
    );
  });
});
