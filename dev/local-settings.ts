/**
 * Settings for the local stack, from the environment with development defaults. None of the
 * defaults is a real secret: they only sign local tokens and the simulator's OAuth app.
 */
export function localSettings(env: NodeJS.ProcessEnv) {
  return {
    adminJwtSecret: env.ADMIN_JWT_SECRET ?? 'local-development-admin-jwt-secret',
    adminJwtAudience: env.ADMIN_JWT_AUDIENCE ?? 'timebook-intercom',
    intercomClientId: env.INTERCOM_CLIENT_ID ?? 'timebook-local-client',
    intercomClientSecret: env.INTERCOM_CLIENT_SECRET ?? 'local-oauth-client-secret',
    intercomApiBaseUrl: env.INTERCOM_API_BASE_URL,
    intercomApiBaseUrlEu: env.INTERCOM_API_BASE_URL_EU,
    intercomApiBaseUrlAu: env.INTERCOM_API_BASE_URL_AU,
    intercomOauthUrl: env.INTERCOM_OAUTH_URL,
    /** The console's base path; `APP_URL` is the console's own address with it (dev/stack.ts). */
    appBasePath: env.APP_BASE_PATH ?? '',
    logLevel: env.LOG_LEVEL,
  };
}
