import type { SimulatorClient } from './intercom-simulator';
import type { ApiResponse, apiClient } from './api-client';

type Api = ReturnType<typeof apiClient>;

/**
 * The Timebook frontend's part of OAuth, for the demo and the tests: ask the API to start, let
 * Intercom's consent page (the simulator's) send the browser to the callback, follow the callback's
 * redirect to the frontend's OAuth page, and complete there with the admin's own JWT.
 */
export function oauthFlow(api: Api, intercom: SimulatorClient) {
  const flow = {
    /** `POST .../oauth/start`; the authorize URL the browser would open. */
    async start(workspaceId: string, adminJwt: string): Promise<URL> {
      const response = await api('POST', `/v1/workspaces/${workspaceId}/intercom/oauth/start`, { token: adminJwt });
      if (response.status !== 200) throw new Error(`oauth/start answered ${response.status}: ${response.text}`);
      return new URL(response.body.authorizeUrl);
    },

    /** The Intercom admin of `appId` answers the consent page; the callback URL Intercom sends the browser to. */
    async consent(authorizeUrl: URL, appId: string, decision: 'authorize' | 'cancel' = 'authorize'): Promise<URL> {
      const result = await intercom.authorize({
        clientId: authorizeUrl.searchParams.get('client_id')!,
        appId,
        redirectUri: authorizeUrl.searchParams.get('redirect_uri')!,
        state: authorizeUrl.searchParams.get('state')!,
        decision,
      });
      return new URL(result.location);
    },

    /** The browser arrives at the callback; the frontend page it is sent on to. */
    async callback(callbackUrl: URL): Promise<URL> {
      const response = await fetch(callbackUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || !location) throw new Error(`the OAuth callback answered ${response.status}, not a redirect`);
      return new URL(location);
    },

    /** On that page, the frontend posts its `code` and `state` with the signed-in admin's JWT. */
    complete(workspaceId: string, adminJwt: string, page: URL): Promise<ApiResponse> {
      return api('POST', `/v1/workspaces/${workspaceId}/intercom/oauth/complete`, {
        token: adminJwt,
        body: { code: page.searchParams.get('code'), state: page.searchParams.get('state') },
      });
    },

    /** The whole round trip for one admin; the complete step's answer. */
    async connect(workspaceId: string, adminJwt: string, appId: string): Promise<ApiResponse> {
      const page = await flow.callback(await flow.consent(await flow.start(workspaceId, adminJwt), appId));
      return flow.complete(workspaceId, adminJwt, page);
    },
  };
  return flow;
}
