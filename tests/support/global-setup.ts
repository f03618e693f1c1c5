import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { localSettings } from '../../dev/local-settings';
import { QUIET_LOCAL_NODE, freePorts, startStack, type RunningStack } from '../../dev/stack';

/**
 * Everything the functions log during the run; tests read it to prove secrets never appear.
 * One file per run, so runs side by side never share one; kept an hour for reading after the run.
 */
const FUNCTION_LOG = join(__dirname, '..', '..', '.local', `test-functions-${process.pid}.log`);

let stack: RunningStack | undefined;

/**
 * Starts one local stack for the whole run on free ports, and hands its addresses to the test
 * workers through the environment (workers are forked after this runs).
 */
export async function setup(): Promise<void> {
  Object.assign(process.env, QUIET_LOCAL_NODE);
  removeStaleLogs();
  // A frontend under a base path, as a deployment may have it: redirects must keep the path.
  const settings = { ...localSettings({}), appBasePath: '/timebook' };
  stack = await startStack({
    ...settings,
    ports: await freePorts(),
    functionLog: { file: FUNCTION_LOG },
    maxVisibilityTimeoutSeconds: 5,
    logLevel: 'DEBUG',
    dynamoDbProxy: true,
    // Tests run the scheduled functions (contact sync, reconciliation, feedback catch-up) themselves,
    // with the clock they choose; a scheduled run would race them.
    schedules: false,
  });
  Object.assign(process.env, stack.env, {
    TEST_API_URL: stack.apiUrl,
    TEST_APP_URL: stack.appUrl,
    TEST_INTERCOM_URL: stack.intercomApiUrl,
    TEST_INTERCOM_REGION_URLS: JSON.stringify(stack.intercomRegionUrls),
    TEST_INTERCOM_OAUTH_URL: stack.intercomOauthUrl,
    TEST_FUNCTION_LOG: FUNCTION_LOG,
    TEST_QUEUES: JSON.stringify(stack.queues),
    TEST_TABLES: JSON.stringify(stack.tables),
    TEST_DYNAMODB_PID: String(stack.dynamoDbPid),
    TEST_DYNAMODB_PROXY_URL: stack.dynamoDbProxyUrl!,
    TEST_ADMIN_JWT_SECRET: settings.adminJwtSecret,
    TEST_INTERCOM_CLIENT_ID: settings.intercomClientId,
    TEST_INTERCOM_CLIENT_SECRET: settings.intercomClientSecret,
  });
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}

/** Logs of earlier runs that nothing has written to for an hour. */
function removeStaleLogs(): void {
  const folder = dirname(FUNCTION_LOG);
  if (!existsSync(folder)) return;
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (/^test-functions-\d+\.log$/.test(name) && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { force: true });
  }
}
