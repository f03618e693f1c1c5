import { SignJWT } from 'jose';

export interface AdminTokenClaims {
  /** The Timebook user. */
  sub: string;
  workspaceIds: string[];
  audience: string;
  issuer?: string;
  /** Lifetime, in jose's notation ('12h', '10m'). */
  expiresIn?: string;
}

/** Signs an admin JWT the way the Timebook frontend's tokens look, with the local HS256 secret. */
export async function mintAdminJwt(secret: string, claims: AdminTokenClaims): Promise<string> {
  const jwt = new SignJWT({ workspace_ids: claims.workspaceIds })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setAudience(claims.audience)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}
