import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertAdministers, createAdminVerifier, type AdminVerifier } from '../../lib/platform/admin-auth';
import { ForbiddenError, UnauthorizedError } from '../../lib/platform/errors';

const SECRET = 'a-local-admin-jwt-secret-of-32-bytes!';
const AUDIENCE = 'timebook-intercom';
const ISSUER = 'https://auth.timebook.test/';
const DAY_SECONDS = 86_400;
/** The verifier's clock in every test; tokens are issued relative to it. */
const NOW = new Date('2030-01-15T09:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const clock = () => NOW;

const hsConfig = {
  ADMIN_JWT_SECRET: SECRET,
  ADMIN_JWKS_URL: undefined,
  ADMIN_JWT_AUDIENCE: AUDIENCE,
  ADMIN_JWT_ISSUER: ISSUER,
  ADMIN_JWT_MAX_AGE_SECONDS: DAY_SECONDS,
};

interface TokenOptions {
  claims?: JWTPayload;
  secret?: string;
  alg?: string;
  audience?: string;
  issuer?: string | null;
  /** Seconds since the epoch; null leaves the claim out. Default: NOW. */
  issuedAt?: number | null;
  /** Seconds since the epoch; null leaves the claim out. Default: ten minutes after NOW. */
  expiresAt?: number | null;
}

async function hsToken(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ workspace_ids: ['ws_1', 'ws_2'], ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setSubject('user_42')
    .setAudience(options.audience ?? AUDIENCE);
  if (options.issuedAt !== null) jwt.setIssuedAt(options.issuedAt ?? NOW_SECONDS);
  if (options.expiresAt !== null) jwt.setExpirationTime(options.expiresAt ?? NOW_SECONDS + 600);
  if (options.issuer !== null) jwt.setIssuer(options.issuer ?? ISSUER);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function rejectionOf(verify: AdminVerifier, authorization: string | undefined): Promise<UnauthorizedError> {
  const error = await verify(authorization).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  return error as UnauthorizedError;
}

describe('createAdminVerifier with an HS256 secret', () => {
  const verify = createAdminVerifier(hsConfig, clock);

  it('accepts a valid token and returns the user and their workspaces', async () => {
    const admin = await verify(`Bearer ${await hsToken()}`);

    expect(admin).toEqual({ sub: 'user_42', workspaceIds: ['ws_1', 'ws_2'] });
  });

  it('accepts the scheme in any case and surrounding whitespace', async () => {
    const admin = await verify(`  bearer ${await hsToken()}  `);

    expect(admin.sub).toBe('user_42');
  });

  it('rejects an expired token with token_expired', async () => {
    const expired = await hsToken({ issuedAt: NOW_SECONDS - 7200, expiresAt: NOW_SECONDS - 3600 });

    const error = await rejectionOf(verify, `Bearer ${expired}`);

    expect(error).toMatchObject({ statusCode: 401, code: 'token_expired' });
  });

  it('rejects a token without exp', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ expiresAt: null })}`);

    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });

  it('rejects a token without iat', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ issuedAt: null })}`);

    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });

  it('accepts a token issued exactly ADMIN_JWT_MAX_AGE_SECONDS ago, and refuses one a second older even if unexpired', async () => {
    const oldest = await hsToken({ issuedAt: NOW_SECONDS - DAY_SECONDS, expiresAt: NOW_SECONDS + 3600 });
    const tooOld = await hsToken({ issuedAt: NOW_SECONDS - DAY_SECONDS - 1, expiresAt: NOW_SECONDS + 3600 });

    const admin = await verify(`Bearer ${oldest}`);
    const error = await rejectionOf(verify, `Bearer ${tooOld}`);

    expect(admin.sub).toBe('user_42');
    expect(error).toMatchObject({ statusCode: 401, code: 'token_expired' });
  });

  it('takes the maximum age from the configuration', async () => {
    const hourly = createAdminVerifier({ ...hsConfig, ADMIN_JWT_MAX_AGE_SECONDS: 3600 }, clock);
    const twoHoursOld = await hsToken({ issuedAt: NOW_SECONDS - 7200, expiresAt: NOW_SECONDS + 3600 });

    const error = await rejectionOf(hourly, `Bearer ${twoHoursOld}`);

    expect(error.code).toBe('token_expired');
  });

  it('rejects a token issued in the future', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ issuedAt: NOW_SECONDS + 600, expiresAt: NOW_SECONDS + 1200 })}`);

    expect(error.code).toBe('invalid_token');
  });

  it('rejects a token for another audience', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ audience: 'another-service' })}`);

    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });

  it('rejects a token from another issuer when an issuer is configured', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ issuer: 'https://evil.test/' })}`);

    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });

  it('rejects a token without an issuer when an issuer is configured', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ issuer: null })}`);

    expect(error.code).toBe('invalid_token');
  });

  it('accepts any issuer when none is configured', async () => {
    const lenient = createAdminVerifier({ ...hsConfig, ADMIN_JWT_ISSUER: undefined }, clock);

    const admin = await lenient(`Bearer ${await hsToken({ issuer: 'https://anyone.test/' })}`);

    expect(admin.sub).toBe('user_42');
  });

  it('rejects a token without workspace_ids', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ claims: { workspace_ids: undefined } })}`);

    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });

  it('rejects workspace_ids that is not a list of strings', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ claims: { workspace_ids: 'ws_1' } })}`);

    expect(error.code).toBe('invalid_token');
  });

  it('rejects a token signed with another secret', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ secret: 'another-secret-of-at-least-32-bytes' })}`);

    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_token' });
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await hsToken()).split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: 'user_42', aud: AUDIENCE, iss: ISSUER, iat: NOW_SECONDS, exp: NOW_SECONDS + 600, workspace_ids: ['ws_victim'] }),
    ).toString('base64url');

    const error = await rejectionOf(verify, `Bearer ${header}.${forged}.${signature}`);

    expect(error.code).toBe('invalid_token');
  });

  it('rejects an HMAC algorithm other than HS256, even with the right secret', async () => {
    const error = await rejectionOf(verify, `Bearer ${await hsToken({ alg: 'HS512' })}`);

    expect(error.code).toBe('invalid_token');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['not a JWT', 'Bearer not-a-jwt'],
    ['an unsigned JWT', `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`],
  ])('asks for a bearer token when the header is %s', async (_, authorization) => {
    const error = await rejectionOf(verify, authorization);

    expect(error).toMatchObject({ statusCode: 401, code: 'missing_token' });
  });
});

describe('createAdminVerifier with a JWKS URL', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('accepts an RS256 token signed by a key of the set and rejects an HS256 token', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    const requested: string[] = [];
    vi.stubGlobal('fetch', async (url: string | URL) => {
      requested.push(String(url));
      return new Response(JSON.stringify({ keys: [jwk] }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const verify = createAdminVerifier({
      ADMIN_JWT_SECRET: SECRET,
      ADMIN_JWKS_URL: 'https://auth.timebook.test/.well-known/jwks.json',
      ADMIN_JWT_AUDIENCE: AUDIENCE,
      ADMIN_JWT_ISSUER: ISSUER,
      ADMIN_JWT_MAX_AGE_SECONDS: DAY_SECONDS,
    }, clock);
    const rsToken = await new SignJWT({ workspace_ids: ['ws_7'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setSubject('user_7')
      .setAudience(AUDIENCE)
      .setIssuer(ISSUER)
      .setIssuedAt(NOW_SECONDS)
      .setExpirationTime(NOW_SECONDS + 300)
      .sign(privateKey);

    const admin = await verify(`Bearer ${rsToken}`);
    const hsError = await rejectionOf(verify, `Bearer ${await hsToken()}`);

    expect(admin).toEqual({ sub: 'user_7', workspaceIds: ['ws_7'] });
    expect(requested).toContain('https://auth.timebook.test/.well-known/jwks.json');
    expect(hsError.code).toBe('invalid_token');
  });
});

describe('assertAdministers', () => {
  it('passes for a workspace the admin administers', () => {
    expect(() => assertAdministers({ sub: 'user_42', workspaceIds: ['ws_1', 'ws_2'] }, 'ws_2')).not.toThrow();
  });

  it('answers 403 workspace_forbidden for any other workspace', () => {
    let error: unknown;
    try {
      assertAdministers({ sub: 'user_42', workspaceIds: ['ws_1'] }, 'ws_10');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ statusCode: 403, code: 'workspace_forbidden' });
  });

  it('answers 403 for an admin of no workspace', () => {
    expect(() => assertAdministers({ sub: 'user_42', workspaceIds: [] }, 'ws_1')).toThrow(ForbiddenError);
  });
});
