import { mintAdminJwt } from './admin-jwt';
import { DEV_PORTS, QUIET_LOCAL_NODE, startStack } from './stack';
import { localSettings } from './local-settings';

/** `npm start`: the whole service on this machine until Ctrl-C. */
async function main(): Promise<void> {
  Object.assign(process.env, QUIET_LOCAL_NODE);
  const settings = localSettings(process.env);
  const started = Date.now();
  const stack = await startStack({
    ...settings,
    ports: DEV_PORTS,
    functionLog: { onLine: (line) => console.log(`  │ ${line}`) },
    onProgress: (message) => console.log(`• ${message}`),
    maxVisibilityTimeoutSeconds: 30,
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping every process this command started...');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const workspaceId = 'ws_demo';
  const jwt = await mintAdminJwt(settings.adminJwtSecret, {
    sub: 'dev-admin',
    workspaceIds: [workspaceId],
    audience: settings.adminJwtAudience,
  });
  console.log(`
timebook-intercom is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s).

  API               ${stack.apiUrl}/v1
  Health            curl ${stack.apiUrl}/v1/health
  Intercom          ${stack.intercomApiUrl}  (OAuth consent page: ${stack.intercomOauthUrl})
                    EU ${stack.intercomRegionUrls.EU}  AU ${stack.intercomRegionUrls.AU}
  DynamoDB Local    ${stack.env.AWS_ENDPOINT_URL_DYNAMODB}  tables: ${stack.tables.join(', ')}
  SQS               ${stack.env.AWS_ENDPOINT_URL_SQS}
  Secrets Manager   ${stack.env.AWS_ENDPOINT_URL_SECRETS_MANAGER}

A dev admin JWT for workspace ${workspaceId} (valid 12 h):

  export TOKEN=${jwt}
  curl -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/v1/workspaces/${workspaceId}/intercom

Mint one for any workspace:  npm run --silent jwt -- <workspaceId> [<workspaceId>...]
Everything is in memory; Ctrl-C stops every process and forgets the data.
`);
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
});
