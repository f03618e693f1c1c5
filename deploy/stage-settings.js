// The settings of serverless.yml that depend on the stage (`custom.stageSettings`): the public URLs
// and admin JWT settings from the environment, checked; the CORS origin they imply; the throttling
// limits of the stage's parameters; whether the schedules run. Plain JavaScript: the Serverless
// Framework loads it with require().
'use strict';

/** The stage `npm start` and the tests run; the same name as LOCAL_STAGE in lib/platform/config.ts. */
const LOCAL_STAGE = 'local';

/** Without these a deployed stage would build webhook URLs and OAuth redirects from `undefined`. */
const REQUIRED_ON_DEPLOYED_STAGES = ['PUBLIC_BASE_URL', 'APP_URL', 'ADMIN_JWKS_URL', 'ADMIN_JWT_ISSUER'];
const URL_SETTINGS = ['PUBLIC_BASE_URL', 'APP_URL', 'ADMIN_JWKS_URL'];

/** What the admin routes need from a browser: the bearer JWT, a JSON body, and their methods. */
const CORS_HEADERS = ['Authorization', 'Content-Type'];
const CORS_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const CORS_MAX_AGE_SECONDS = 600;

/** A throttling limit from the stage's parameters (`--param` gives strings), as the number CloudFormation takes. */
async function throttlingLimit(resolveVariable, name, problems) {
  const raw = await resolveVariable(`param:${name}`);
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) problems.push(`the parameter ${name} must be a whole number above 0 (got ${JSON.stringify(raw)})`);
  return value;
}

function isHttpUrl(value) {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** An error the Framework prints as it is: its stack would only repeat the message. */
function settingsError(message) {
  const error = new Error(message);
  error.stack = message;
  return error;
}

module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  const env = (name) => process.env[name] || '';

  const problems = [];
  if (stage !== LOCAL_STAGE) {
    const missing = REQUIRED_ON_DEPLOYED_STAGES.filter((name) => !env(name));
    if (missing.length > 0) problems.push(`set ${missing.join(', ')} (required on a deployed stage)`);
  }
  const invalid = URL_SETTINGS.filter((name) => env(name) && !isHttpUrl(env(name)));
  for (const name of invalid) problems.push(`${name} must be an http(s) URL`);
  const throttling = {
    burstLimit: await throttlingLimit(resolveVariable, 'httpApiThrottlingBurstLimit', problems),
    rateLimit: await throttlingLimit(resolveVariable, 'httpApiThrottlingRateLimit', problems),
  };
  if (problems.length > 0) throw settingsError(`Stage "${stage}": ${problems.join('; ')}.`);

  const appUrl = env('APP_URL');
  return {
    publicBaseUrl: env('PUBLIC_BASE_URL'),
    appUrl,
    adminJwksUrl: env('ADMIN_JWKS_URL'),
    adminJwtIssuer: env('ADMIN_JWT_ISSUER'),
    // The frontend at APP_URL calls the admin routes from its own origin, and no other origin may.
    cors: appUrl
      ? { allowedOrigins: [new URL(appUrl).origin], allowedHeaders: CORS_HEADERS, allowedMethods: CORS_METHODS, maxAge: CORS_MAX_AGE_SECONDS }
      : false,
    throttling,
    // The schedules always run on a deployed stage; the local stage's tests switch them off.
    schedulesEnabled: stage !== LOCAL_STAGE || env('SCHEDULES_ENABLED') !== 'false',
  };
};
