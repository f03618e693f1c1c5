import { acceptOAuthCallback, oauthRedirect, type CallbackOutcome } from '../../lib/connect/oauth';
import { dependencies } from '../../lib/platform/dependencies';
import { httpHandler } from '../../lib/platform/http';
import { logger } from '../../lib/platform/logger';

/**
 * `GET /v1/intercom/oauth/callback`: always a redirect to the frontend's OAuth page, never an
 * error page; the admin who started OAuth completes it there (`oauth-complete.ts`).
 */
export const handler = httpHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const deps = dependencies();
  let outcome: CallbackOutcome;
  try {
    outcome = await acceptOAuthCallback(deps, { code: query.code, state: query.state, error: query.error });
  } catch (error) {
    logger.error('OAuth callback failed', { error: error as Error });
    outcome = { error: 'internal_error' };
  }
  if ('error' in outcome) logger.warn('OAuth callback refused', { reason: outcome.error, workspaceId: outcome.workspaceId });
  return { statusCode: 302, headers: { location: oauthRedirect(deps.config.APP_URL, outcome), 'cache-control': 'no-store' }, body: '' };
});
