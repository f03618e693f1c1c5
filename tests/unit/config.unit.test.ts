import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, rateSeconds } from '../../lib/platform/config';

const valid = {
  STAGE: 'local',
  TABLE_NAME: 'table',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  EVENTS_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/events',
  BACKFILL_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/backfill',
  FEEDBACK_CATCHUP_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/catchup',
  WRITE_BACK_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/write-back',
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

  it('runs the feedback catch-up every five minutes unless FEEDBACK_CATCHUP_RATE says otherwise', () => {
    expect(parseConfig(valid).FEEDBACK_CATCHUP_RATE).toBe('rate(5 minutes)');
    expect(parseConfig({ ...valid, FEEDBACK_CATCHUP_RATE: '' }).FEEDBACK_CATCHUP_RATE).toBe('rate(5 minutes)');
    expect(rateSeconds(parseConfig({ ...valid, FEEDBACK_CATCHUP_RATE: 'rate(1 hour)' }).FEEDBACK_CATCHUP_RATE)).toBe(3_600);
    expect(rateSeconds('rate(5 minutes)')).toBe(300);
    expect(() => parseConfig({ ...valid, FEEDBACK_CATCHUP_RATE: 'every 5 minutes' })).toThrow(/FEEDBACK_CATCHUP_RATE/);
    expect(() => parseConfig({ ...valid, FEEDBACK_CATCHUP_RATE: 'rate(0 minutes)' })).toThrow(/FEEDBACK_CATCHUP_RATE/);
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

describe('parseConfig: the contact reconciliation schedule', () => {
  it('runs daily unless CONTACTS_RECONCILE_RATE says otherwise', () => {
    expect(parseConfig(valid).CONTACTS_RECONCILE_RATE).toBe('rate(1 day)');
    expect(parseConfig({ ...valid, CONTACTS_RECONCILE_RATE: '' }).CONTACTS_RECONCILE_RATE).toBe('rate(1 day)');
    expect(parseConfig({ ...valid, CONTACTS_RECONCILE_RATE: 'rate(12 hours)' }).CONTACTS_RECONCILE_RATE).toBe('rate(12 hours)');
    expect([rateSeconds('rate(1 day)'), rateSeconds('rate(12 hours)'), rateSeconds('rate(15 minutes)')]).toEqual([86_400, 43_200, 900]);
  });

  it.each(['daily', 'rate(0 days)', 'rate(1 week)', 'cron(0 3 * * ? *)'])('names CONTACTS_RECONCILE_RATE when it is %j', (value) => {
    expect(() => parseConfig({ ...valid, CONTACTS_RECONCILE_RATE: value })).toThrow(/CONTACTS_RECONCILE_RATE/);
  });
});

describe('parseConfig: admin JWT age', () => {
  it('refuses tokens older than a day unless ADMIN_JWT_MAX_AGE_SECONDS says otherwise', () => {
    expect(parseConfig(valid).ADMIN_JWT_MAX_AGE_SECONDS).toBe(86_400);
    expect(parseConfig({ ...valid, ADMIN_JWT_MAX_AGE_SECONDS: '' }).ADMIN_JWT_MAX_AGE_SECONDS).toBe(86_400);
    expect(parseConfig({ ...valid, ADMIN_JWT_MAX_AGE_SECONDS: '3600' }).ADMIN_JWT_MAX_AGE_SECONDS).toBe(3600);
  });

  it.each(['0', '-5', '1.5', 'a day'])('names ADMIN_JWT_MAX_AGE_SECONDS when it is %j', (value) => {
    expect(() => parseConfig({ ...valid, ADMIN_JWT_MAX_AGE_SECONDS: value })).toThrow(/ADMIN_JWT_MAX_AGE_SECONDS/);
  });
});

describe('parseConfig: a deployed stage', () => {
  const deployed = {
    ...valid,
    STAGE: 'prod',
    ADMIN_JWT_SECRET: '',
    PUBLIC_BASE_URL: 'https://intercom.timebook.example',
    APP_URL: 'https://app.timebook.example',
    ADMIN_JWKS_URL: 'https://auth.timebook.example/.well-known/jwks.json',
    ADMIN_JWT_ISSUER: 'https://auth.timebook.example/',
  };
  const REQUIRED = ['PUBLIC_BASE_URL', 'APP_URL', 'ADMIN_JWKS_URL', 'ADMIN_JWT_ISSUER'] as const;

  it('starts with every deployed setting', () => {
    const config = parseConfig(deployed);
    expect(config.PUBLIC_BASE_URL).toBe('https://intercom.timebook.example');
    expect(config.ADMIN_JWT_ISSUER).toBe('https://auth.timebook.example/');
  });

  it('refuses to start without any of them, naming every one missing', () => {
    const attempt = () => parseConfig({ ...deployed, PUBLIC_BASE_URL: undefined, APP_URL: '', ADMIN_JWKS_URL: undefined, ADMIN_JWT_ISSUER: '' });
    expect(attempt).toThrow(ConfigError);
    for (const name of REQUIRED) expect(attempt).toThrow(new RegExp(`${name}: required on a deployed stage \\(prod\\)`));
  });

  it.each(REQUIRED)('refuses to start without %s', (name) => {
    expect(() => parseConfig({ ...deployed, [name]: '' })).toThrow(new RegExp(`^Invalid configuration: ${name}: required`));
  });

  it('lets the local stage run without them', () => {
    const config = parseConfig({ ...valid, PUBLIC_BASE_URL: '', APP_URL: '', ADMIN_JWT_ISSUER: '' });
    expect(config.STAGE).toBe('local');
    expect(config.APP_URL).toBeUndefined();
  });
});
