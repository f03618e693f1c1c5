import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import * as z from 'zod';
import type { Config } from './config';
import { ForbiddenError, UnauthorizedError } from './errors';
import { lazy } from './lazy';

/** The Timebook user behind an admin request. */
export interface Admin {
  sub: string;
  workspaceIds: string[];
}

const claimsSchema = lazy(() =>
  z.object({
    sub: z.string().min(1),
    workspace_ids: z.array(z.string()),
  }),
);

export type AdminVerifier = (authorization: string | undefined) => Promise<Admin>;

type VerifierConfig = Pick<
  Config,
  'ADMIN_JWT_SECRET' | 'ADMIN_JWKS_URL' | 'ADMIN_JWT_AUDIENCE' | 'ADMIN_JWT_ISSUER' | 'ADMIN_JWT_MAX_AGE_SECONDS'
>;

/**
 * Verifies the frontend's JWT: signature (HS256 with ADMIN_JWT_SECRET locally, RS256/ES256 from
 * ADMIN_JWKS_URL deployed), `exp` and `iat` both present, `exp` not passed, `iat` no older than
 * ADMIN_JWT_MAX_AGE_SECONDS (so a token minted with a far `exp` still ends), `aud`, `iss` when
 * configured, and the `workspace_ids` claim.
 */
export function createAdminVerifier(config: VerifierConfig, clock: () => Date = () => new Date()): AdminVerifier {
  const jwks: JWTVerifyGetKey | undefined = config.ADMIN_JWKS_URL ? createRemoteJWKSet(new URL(config.ADMIN_JWKS_URL)) : undefined;
  const secret = config.ADMIN_JWT_SECRET ? new TextEncoder().encode(config.ADMIN_JWT_SECRET) : undefined;
  const options = {
    audience: config.ADMIN_JWT_AUDIENCE,
    issuer: config.ADMIN_JWT_ISSUER,
    algorithms: jwks ? ['RS256', 'ES256'] : ['HS256'],
    requiredClaims: ['exp', 'iat'],
    maxTokenAge: config.ADMIN_JWT_MAX_AGE_SECONDS,
  };

  return async (authorization) => {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw new UnauthorizedError('Send an admin JWT as `Authorization: Bearer <token>`.', 'missing_token');
    let payload: unknown;
    try {
      const verifyOptions = { ...options, currentDate: clock() };
      ({ payload } = jwks ? await jwtVerify(token, jwks, verifyOptions) : await jwtVerify(token, secret!, verifyOptions));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        const message = error.claim === 'iat' ? 'The admin token was issued too long ago; sign in again.' : 'The admin token has expired.';
        throw new UnauthorizedError(message, 'token_expired');
      }
      throw new UnauthorizedError('The admin token is not valid.', 'invalid_token');
    }
    const claims = claimsSchema().safeParse(payload);
    if (!claims.success) throw new UnauthorizedError('The admin token lacks `sub` or `workspace_ids`.', 'invalid_token');
    return { sub: claims.data.sub, workspaceIds: claims.data.workspace_ids };
  };
}

/** 403 unless the admin administers the workspace. */
export function assertAdministers(admin: Admin, workspaceId: string): void {
  if (!admin.workspaceIds.includes(workspaceId)) {
    throw new ForbiddenError('You are not an admin of this workspace.', 'workspace_forbidden');
  }
}
