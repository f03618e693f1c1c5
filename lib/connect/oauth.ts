import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { IntercomError, IntercomRateLimitError, IntercomUnavailableError } from '../intercom/errors';
import type { Admin } from '../platform/admin-auth';
import type { Dependencies } from '../platform/dependencies';
import { BadRequestError, ConflictError, UnprocessableError } from '../platform/errors';
import { logger } from '../platform/logger';
import { AppAlreadyConnectedError } from '../store/connection-store';
import { regionOf } from '../intercom/regions';
import { newConnection } from './connection';
import { missingOptionalPermissions } from './permissions';
import { saveConnection } from './save-connection';
import { toStatus } from './status';

const STATE_TTL_SECONDS = 600;
const STATE_AUDIENCE = 'intercom-oauth-callback';

/** The frontend page that finishes OAuth, under `APP_URL` (whose own path is kept). */
export const OAUTH_PAGE_PATH = '/settings/integrations/intercom/oauth';

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

/** What a `state` binds: the workspace, the admin who started OAuth (the JWT `sub`), and its nonce. */
export interface OAuthState {
  workspaceId: string;
  adminSub: string;
  nonce: string;
}

/** Signs an OAuth `state`, valid for 10 minutes from `now`. */
export function signOAuthState(clientSecret: string, state: OAuthState, now: Date): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ wid: state.workspaceId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(state.adminSub)
    .setJti(state.nonce)
    .setAudience(STATE_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + STATE_TTL_SECONDS)
    .sign(stateKey(clientSecret));
}

/** Checks a `state`'s signature and expiry; the reason it is refused, or what it binds. */
async function verifyOAuthState(
  clientSecret: string,
  state: string,
  now: Date,
): Promise<{ state: OAuthState } | { refused: 'invalid_state' | 'state_expired' }> {
  try {
    const { payload } = await jwtVerify(state, stateKey(clientSecret), { audience: STATE_AUDIENCE, algorithms: ['HS256'], currentDate: now });
    if (typeof payload.wid !== 'string' || !payload.sub || !payload.jti) return { refused: 'invalid_state' };
    return { state: { workspaceId: payload.wid, adminSub: payload.sub, nonce: payload.jti } };
  } catch (error) {
    return { refused: error instanceof joseErrors.JWTExpired ? 'state_expired' : 'invalid_state' };
  }
}

/**
 * Starts OAuth for a workspace: a signed `state` naming the workspace and the admin, valid 10
 * minutes and usable once (its nonce is stored until used), and Intercom's authorize URL.
 */
export async function startOAuth(deps: Dependencies, input: { workspaceId: string; admin: Admin }) {
  const app = await oauthApp(deps);
  const nonce = randomBytes(16).toString('base64url');
  const now = deps.clock();
  await deps.connections.saveOAuthState(nonce, { workspaceId: input.workspaceId, startedBy: input.admin.sub }, now, STATE_TTL_SECONDS);
  const state = await signOAuthState(app.clientSecret, { workspaceId: input.workspaceId, adminSub: input.admin.sub, nonce }, now);
  const url = new URL(deps.config.INTERCOM_OAUTH_URL);
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('state', state);
  url.searchParams.set('redirect_uri', `${deps.config.PUBLIC_BASE_URL}/v1/intercom/oauth/callback`);
  return { authorizeUrl: url.toString() };
}

export type CallbackOutcome = { code: string; state: string; workspaceId: string } | { error: string; workspaceId?: string };

/**
 * Intercom sends the browser back here after its consent page. The browser may be anybody's (the
 * consent link can be forwarded), so nothing is exchanged: the state is checked (signature, expiry,
 * not yet used) and the code and state go on to the frontend, where the admin who started OAuth
 * completes it with their own JWT ({@link completeOAuth}). Every refusal is an error code.
 */
export async function acceptOAuthCallback(
  deps: Dependencies,
  input: { code?: string; state?: string; error?: string },
): Promise<CallbackOutcome> {
  if (!input.state) return { error: 'missing_state' };
  let app;
  try {
    app = await oauthApp(deps);
  } catch {
    return { error: 'oauth_not_configured' };
  }
  const verified = await verifyOAuthState(app.clientSecret, input.state, deps.clock());
  if ('refused' in verified) return { error: verified.refused };
  const { workspaceId, nonce } = verified.state;
  if (!(await deps.connections.getOAuthState(nonce))) return { error: 'state_already_used', workspaceId };
  if (input.error) return { error: input.error === 'access_denied' ? 'access_denied' : 'intercom_declined', workspaceId };
  if (!input.code) return { error: 'missing_code', workspaceId };
  return { code: input.code, state: input.state, workspaceId };
}

/** Where the browser goes after the callback: the frontend's OAuth page, under `APP_URL`'s own path. */
export function oauthRedirect(appUrl: string | undefined, outcome: CallbackOutcome): string {
  const url = new URL(appUrl ?? 'http://localhost');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${OAUTH_PAGE_PATH}`;
  url.search = '';
  if ('code' in outcome) {
    url.searchParams.set('code', outcome.code);
    url.searchParams.set('state', outcome.state);
  } else {
    url.searchParams.set('error', outcome.error);
  }
  return url.toString();
}

/**
 * Finishes OAuth for the admin who started it: `POST .../intercom/oauth/complete` with their JWT.
 * Steps: verify the state (signature, expiry); use it up, only if it was issued for this workspace
 * to this admin (a state forwarded to anyone else is refused, and the code is never exchanged);
 * exchange the code (kept exactly as received, trailing `=` included); identify the Intercom
 * workspace with `GET /me`; probe the optional permissions (reported, never refused); store the
 * token; record the connection.
 */
export async function completeOAuth(deps: Dependencies, input: { workspaceId: string; admin: Admin; code: string; state: string }) {
  const { workspaceId, admin } = input;
  const app = await oauthApp(deps);
  const verified = await verifyOAuthState(app.clientSecret, input.state, deps.clock());
  if ('refused' in verified) {
    throw stateInvalid(verified.refused === 'state_expired' ? 'The authorization expired; start again.' : 'The state is not valid; start again.');
  }
  const { state } = verified;
  const issuedToCaller = state.workspaceId === workspaceId && state.adminSub === admin.sub;
  if (!issuedToCaller || !(await deps.connections.consumeOAuthState(state.nonce, { workspaceId, startedBy: admin.sub }))) {
    logger.warn('OAuth completion refused', { workspaceId, adminSub: admin.sub, issuedToCaller });
    throw stateInvalid(
      issuedToCaller
        ? 'This authorization was already used; start again.'
        : 'This authorization was started by another admin or for another workspace; the admin who started it must complete it.',
    );
  }

  let token: string;
  let me;
  try {
    token = await deps.intercom.exchangeCode({ code: input.code, clientId: app.clientId, clientSecret: app.clientSecret });
    me = await deps.intercom.me(token);
  } catch (error) {
    if (!(error instanceof IntercomError) || error instanceof IntercomUnavailableError || error instanceof IntercomRateLimitError) {
      throw error;
    }
    logger.warn('OAuth code exchange failed', { workspaceId, intercomStatus: error.status, intercomCode: error.code });
    throw new UnprocessableError('oauth_code_invalid', 'Intercom did not accept the authorization code; start again.');
  }

  const missingOptional = await missingOptionalPermissions(deps.intercom.forRegion(regionOf(me.app.region)), token);
  const previous = await deps.connections.get(workspaceId);
  const connection = newConnection({
    workspaceId,
    method: 'oauth',
    me,
    previous,
    webhook: { key: null, secretConfigured: true, secretVersion: null, lastEventAt: previous?.webhook.lastEventAt ?? null },
    connectedBy: admin.sub,
    now: deps.clock(),
    missingOptional,
  });
  const route = await deps.connections.getAppRoute(connection.intercom.appId);
  if (route && route.workspaceId !== workspaceId) throw appInUse();
  try {
    await saveConnection(deps, { connection, previous, accessToken: token });
  } catch (error) {
    if (error instanceof AppAlreadyConnectedError) throw appInUse();
    throw error;
  }
  logger.info('Intercom connected by OAuth', { workspaceId, appId: me.app.id_code, adminSub: admin.sub });
  return toStatus(connection, deps.config.PUBLIC_BASE_URL);
}

function stateInvalid(message: string) {
  return new BadRequestError(message, {}, 'oauth_state_invalid');
}

function appInUse() {
  return new ConflictError('This Intercom workspace is already connected to another Timebook workspace.', 'intercom_app_in_use');
}
