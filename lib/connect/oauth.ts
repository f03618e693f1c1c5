import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { followConnectedWorkspace } from '../contacts/sync-control';
import { IntercomError } from '../intercom/errors';
import type { Admin } from '../platform/admin-auth';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError } from '../platform/errors';
import { logger } from '../platform/logger';
import { secretNames } from '../platform/secret-store';
import { AppAlreadyConnectedError } from '../store/connection-store';
import { newConnection } from './connection';

const STATE_TTL_SECONDS = 600;
const STATE_AUDIENCE = 'intercom-oauth-callback';

/** Timebook's OAuth app: its client id and secret, or a 409 when the deployment has none. */
async function oauthApp(deps: Dependencies) {
  const clientId = deps.config.INTERCOM_CLIENT_ID;
  const clientSecret = clientId ? await deps.secrets.get(deps.config.INTERCOM_CLIENT_SECRET_NAME) : undefined;
  if (!clientId || !clientSecret) {
    throw new ConflictError('OAuth is not configured on this deployment; connect with an access token.', 'oauth_not_configured');
  }
  return { clientId, clientSecret: clientSecret.value };
}

/** The key that signs `state`, derived from the app's client secret and used for nothing else. */
function stateKey(clientSecret: string): Uint8Array {
  return createHmac('sha256', clientSecret).update('timebook-intercom oauth state v1').digest();
}

/** Signs an OAuth `state`: the workspace and the nonce, valid for 10 minutes from `now`. */
export function signOAuthState(clientSecret: string, state: { workspaceId: string; nonce: string }, now: Date): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ wid: state.workspaceId })
    .setProtectedHeader({ alg: 'HS256' })
    .setJti(state.nonce)
    .setAudience(STATE_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + STATE_TTL_SECONDS)
    .sign(stateKey(clientSecret));
}

/**
 * Starts OAuth for a workspace: a signed `state` naming the workspace, valid 10 minutes and
 * usable once (its nonce is stored until used), and Intercom's authorize URL.
 */
export async function startOAuth(deps: Dependencies, input: { workspaceId: string; admin: Admin }) {
  const app = await oauthApp(deps);
  const nonce = randomBytes(16).toString('base64url');
  const now = deps.clock();
  await deps.connections.saveOAuthState(nonce, { workspaceId: input.workspaceId, startedBy: input.admin.sub }, now, STATE_TTL_SECONDS);
  const state = await signOAuthState(app.clientSecret, { workspaceId: input.workspaceId, nonce }, now);
  const url = new URL(deps.config.INTERCOM_OAUTH_URL);
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('state', state);
  url.searchParams.set('redirect_uri', `${deps.config.PUBLIC_BASE_URL}/v1/intercom/oauth/callback`);
  return { authorizeUrl: url.toString() };
}

export type OAuthOutcome = { status: 'connected'; workspaceId: string } | { error: string; workspaceId?: string };

/**
 * Finishes OAuth when Intercom sends the browser back.
 * Steps: verify the state (signature, expiry) and use it up; exchange the code (kept exactly as
 * received, trailing `=` included); identify the Intercom workspace with `GET /me`; store the token;
 * record the connection. Every failure becomes an error code for the frontend, never a stack trace.
 */
export async function completeOAuth(
  deps: Dependencies,
  input: { code?: string; state?: string; error?: string },
): Promise<OAuthOutcome> {
  if (!input.state) return { error: 'missing_state' };
  let app;
  try {
    app = await oauthApp(deps);
  } catch {
    return { error: 'oauth_not_configured' };
  }
  let claims: { wid?: unknown; jti?: string };
  try {
    ({ payload: claims } = await jwtVerify(input.state, stateKey(app.clientSecret), {
      audience: STATE_AUDIENCE,
      algorithms: ['HS256'],
      currentDate: deps.clock(),
    }));
  } catch (error) {
    return { error: error instanceof joseErrors.JWTExpired ? 'state_expired' : 'invalid_state' };
  }
  const pending = claims.jti ? await deps.connections.consumeOAuthState(claims.jti) : undefined;
  if (!pending || pending.workspaceId !== claims.wid) return { error: 'state_already_used' };
  const workspaceId = pending.workspaceId;
  if (input.error) return { error: input.error === 'access_denied' ? 'access_denied' : 'intercom_declined', workspaceId };
  if (!input.code) return { error: 'missing_code', workspaceId };

  let token: string;
  let me;
  try {
    token = await deps.intercom.exchangeCode({ code: input.code, clientId: app.clientId, clientSecret: app.clientSecret });
    me = await deps.intercom.me(token);
  } catch (error) {
    if (!(error instanceof IntercomError)) throw error;
    logger.warn('OAuth code exchange failed', { workspaceId, intercomStatus: error.status, intercomCode: error.code });
    return { error: 'oauth_exchange_failed', workspaceId };
  }

  const previous = await deps.connections.get(workspaceId);
  const connection = newConnection({
    workspaceId,
    method: 'oauth',
    me,
    previous,
    webhook: { key: null, secretConfigured: true, secretVersion: null, lastEventAt: previous?.webhook.lastEventAt ?? null },
    connectedBy: pending.startedBy,
    now: deps.clock(),
  });
  const route = await deps.connections.getAppRoute(connection.intercom.appId);
  if (route && route.workspaceId !== workspaceId) return { error: 'intercom_workspace_in_use', workspaceId };
  await deps.secrets.put(secretNames.accessToken(deps.config.SECRETS_PREFIX, workspaceId), token);
  try {
    await deps.connections.saveConnected(connection, previous);
  } catch (error) {
    if (error instanceof AppAlreadyConnectedError) return { error: 'intercom_workspace_in_use', workspaceId };
    throw error;
  }
  await followConnectedWorkspace(deps, connection);
  await deps.secrets.delete(secretNames.webhookSecret(deps.config.SECRETS_PREFIX, workspaceId));
  logger.info('Intercom connected by OAuth', { workspaceId, appId: me.app.id_code, adminSub: pending.startedBy });
  return { status: 'connected', workspaceId };
}

/** Where the browser goes after the callback: the frontend's Intercom settings page. */
export function oauthRedirect(appUrl: string | undefined, outcome: OAuthOutcome): string {
  const url = new URL('/settings/integrations/intercom', appUrl ?? 'http://localhost');
  if ('status' in outcome) url.searchParams.set('status', outcome.status);
  else url.searchParams.set('error', outcome.error);
  return url.toString();
}
