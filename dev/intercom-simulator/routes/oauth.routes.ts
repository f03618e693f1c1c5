import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../html-text';
import { simulatorPage } from '../sim-page';
import { isForm, parseForm, parseJson, route, sendHtml, sendJson, sendRedirect, type Route } from '../http-kit';
import { IntercomApiError, parameterInvalid } from '../intercom-errors';
import type { OAuthClient, SimulatorState } from '../simulator-state';

/**
 * Intercom's OAuth install flow: the consent page (`GET /oauth`), its form post
 * (`POST /oauth/authorize`, redirecting with `code` and `state`) and the token exchange
 * (`POST /auth/eagle/token`, form-encoded or JSON, no grant_type).
 */

export interface PlainContext {
  state: SimulatorState;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
}

export type PlainHandler = (ctx: PlainContext) => void;

function page(title: string, content: string): string {
  return simulatorPage({ title, content, narrow: true });
}

class OAuthPageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The client and the redirect URI to use; a registered list, when present, must contain it. */
function resolveClient(state: SimulatorState, clientId: string | undefined, redirectUri: string | undefined): { client: OAuthClient; redirectUri: string } {
  const client = clientId === undefined ? undefined : state.oauthClients.get(clientId);
  if (!client) throw new OAuthPageError(400, 'Unknown client_id.');
  const chosen = redirectUri || client.redirectUris[0];
  if (!chosen) throw new OAuthPageError(400, 'redirect_uri is required: this client has no registered redirect URL.');
  if (client.redirectUris.length > 0 && !client.redirectUris.includes(chosen)) {
    throw new OAuthPageError(400, 'redirect_uri is not registered for this client.');
  }
  try {
    new URL(chosen);
  } catch {
    throw new OAuthPageError(400, 'redirect_uri is not a URL.');
  }
  return { client, redirectUri: chosen };
}

function withPageErrors(handler: PlainHandler): PlainHandler {
  return (ctx) => {
    try {
      handler(ctx);
    } catch (error) {
      if (!(error instanceof OAuthPageError)) throw error;
      sendHtml(ctx.res, error.status, page('Cannot authorize', `<h1>Cannot authorize</h1><p>${escapeHtml(error.message)}</p>`));
    }
  };
}

const consentPage: PlainHandler = ({ state, res, url }) => {
  const query = Object.fromEntries(url.searchParams);
  const { client, redirectUri } = resolveClient(state, query.client_id, query.redirect_uri);
  let workspaces = [...state.workspaces.values()];
  if (query.app_id !== undefined) {
    workspaces = workspaces.filter((workspace) => workspace.appId === query.app_id);
    if (workspaces.length === 0) throw new OAuthPageError(404, `No workspace ${query.app_id}.`);
  }
  if (workspaces.length === 0) throw new OAuthPageError(409, 'There is no workspace to install into yet.');
  const hidden = (name: string, value: string): string =>
    `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const choices = workspaces
    .map(
      (workspace, index) =>
        `<label><input type="radio" name="app_id" value="${escapeHtml(workspace.appId)}"${index === 0 ? ' checked' : ''}> ` +
        `${escapeHtml(workspace.settings.name)} <span class="muted">(${escapeHtml(workspace.appId)}, ${workspace.settings.region})</span></label>`,
    )
    .join('<br>\n');
  const form = `<h1>${escapeHtml(client.name)} would like to connect to your Intercom workspace</h1>
<p>Choose the workspace to install it into, then authorize access. Cancel sends you back without connecting.</p>
<form method="post" action="/oauth/authorize">
${hidden('client_id', client.clientId)}${hidden('redirect_uri', redirectUri)}${hidden('state', query.state ?? '')}
<fieldset><legend>Install into workspace</legend>
${choices}
</fieldset>
<p class="muted">You will be sent back to ${escapeHtml(new URL(redirectUri).origin)}.</p>
<p><button type="submit" name="decision" value="authorize">Authorize access</button>
<button type="submit" name="decision" value="cancel" class="secondary">Cancel</button></p>
</form>`;
  sendHtml(res, 200, page('Authorize access', form));
};

const authorize: PlainHandler = ({ state, res, body }) => {
  const form = parseForm(body);
  const { client, redirectUri } = resolveClient(state, form.client_id, form.redirect_uri);
  const target = new URL(redirectUri);
  if (form.decision === 'cancel') {
    target.searchParams.set('error', 'access_denied');
  } else {
    if (!form.app_id || !state.workspaces.has(form.app_id)) throw new OAuthPageError(400, 'Choose a workspace.');
    target.searchParams.set('code', state.issueCode(client.clientId, form.app_id, redirectUri));
  }
  if (form.state) target.searchParams.set('state', form.state);
  sendRedirect(res, target.toString());
};

function tokenRequestFields(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  if (isForm(req)) return parseForm(body);
  try {
    const parsed = parseJson(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Clients that omit Content-Type may still send a form body.
  }
  const form = parseForm(body);
  if (Object.keys(form).length > 0) return form;
  throw parameterInvalid('The body must be form-encoded or JSON');
}

const exchangeToken: PlainHandler = ({ state, req, res, body }) => {
  const fields = tokenRequestFields(req, body);
  const text = (name: string): string | undefined => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined);
  const clientId = text('client_id');
  const client = clientId === undefined ? undefined : state.oauthClients.get(clientId);
  if (!client || text('client_secret') !== client.clientSecret) {
    throw new IntercomApiError(401, 'unauthorized', 'Unauthorized Client');
  }
  const code = text('code');
  const grant = code === undefined ? null : state.redeemCode(code, client.clientId);
  if (!grant) throw new IntercomApiError(401, 'unauthorized', 'Unauthorized Code');
  const token = state.issueToken(grant.appId, { adminId: grant.adminId, kind: 'oauth', clientId: client.clientId });
  sendJson(res, 200, { token_type: 'Bearer', token: token.token, access_token: token.token });
};

export const oauthRoutes: Route<PlainHandler>[] = [
  route('GET', '/oauth', withPageErrors(consentPage)),
  route('POST', '/oauth/authorize', withPageErrors(authorize)),
  route('POST', '/auth/eagle/token', exchangeToken),
];
