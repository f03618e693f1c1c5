import { mintAdminJwt } from './admin-jwt';
import { SimulatorClient } from './intercom-simulator';
import { localSettings } from './local-settings';
import { LOCAL_PRODUCT, LOCAL_TIMEBOOK_WORKSPACE_ID, seedLocalWorkspace } from './local-workspace';
import { OfflineOutputFilter } from './offline-output';
import { DEV_PORTS, QUIET_LOCAL_NODE, startStack } from './stack';

/**
 * `npm start`: the whole service on this machine until Ctrl-C, with a seeded local Intercom.
 * `npm start -- --verbose` also shows serverless-offline's functions, schedules and routes, and the
 * local AWS endpoints.
 */
async function main(): Promise<void> {
  const verbose = process.argv.includes('--verbose');
  Object.assign(process.env, QUIET_LOCAL_NODE);
  const settings = localSettings(process.env);
  const started = Date.now();
  const offlineOutput = new OfflineOutputFilter(verbose);
  const workspaceId = LOCAL_TIMEBOOK_WORKSPACE_ID;
  // The console gets the dev JWT in its config.json: locally nobody has to sign in.
  const jwt = await mintAdminJwt(settings.adminJwtSecret, {
    sub: 'dev-admin',
    workspaceIds: [workspaceId],
    audience: settings.adminJwtAudience,
  });
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack({
      ...settings,
      ports: DEV_PORTS,
      functionLog: { onLine: (line) => offlineOutput.accept(line).forEach((shown) => console.log(shown)) },
      onProgress: (message) => console.log(`• ${message}`),
      maxVisibilityTimeoutSeconds: 30,
      console: { workspaceId, products: [LOCAL_PRODUCT], jwt },
    });
  } catch (error) {
    if (!verbose && offlineOutput.held.length > 0) {
      console.error("serverless-offline's output:");
      for (const line of offlineOutput.held) console.error(`  │ ${line}`);
    }
    throw error;
  }

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

  // With a real Intercom (INTERCOM_API_BASE_URL) there is no simulator to seed.
  const intercom = settings.intercomApiBaseUrl ? undefined : await seedLocalWorkspace(new SimulatorClient(stack.intercomApiUrl));

  const api = `${stack.apiUrl}/v1/workspaces/${workspaceId}/intercom`;
  const lines = [
    '',
    `timebook-intercom is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s).`,
    '',
    `  Console    ${stack.appUrl}/   (open it in a browser: connect, pick tags, watch the inbox; it is APP_URL)`,
    `  API        ${stack.apiUrl}/v1   (curl ${stack.apiUrl}/v1/health)`,
    `  Intercom   ${stack.intercomApiUrl}   (simulator; OAuth consent page ${stack.intercomOauthUrl})`,
    ...(intercom ? [`  Intercom   ${stack.intercomApiUrl}/_sim/ui   (simulator page: subscribe, tag, reply, redact)`] : []),
  ];
  if (verbose) {
    lines.push(
      `             EU ${stack.intercomRegionUrls.EU}  AU ${stack.intercomRegionUrls.AU}`,
      `  DynamoDB   ${stack.env.AWS_ENDPOINT_URL_DYNAMODB}  tables: ${stack.tables.join(', ')}`,
      `  SQS        ${stack.env.AWS_ENDPOINT_URL_SQS}   Secrets Manager ${stack.env.AWS_ENDPOINT_URL_SECRETS_MANAGER}`,
    );
  }
  if (intercom) {
    lines.push(
      '',
      `Intercom workspace "${intercom.name}" (app ${intercom.appId}): tags ${intercom.tags.map((t) => t.name).join(', ')};`,
      `${intercom.conversations.length} conversations, ${intercom.contactCount} contacts. Its access token and client secret:`,
      '',
      `  export INTERCOM_TOKEN=${intercom.accessToken}`,
      `  export CLIENT_SECRET=${intercom.clientSecret}`,
      `  export CONVERSATION=${intercom.conversations[0]?.id ?? ''}`,
    );
  }
  lines.push(
    '',
    `A dev admin JWT for Timebook workspace ${workspaceId} (valid 12 h; others: npm run --silent jwt -- <workspaceId>):`,
    '',
    `  export TOKEN=${jwt}`,
  );
  if (intercom) {
    lines.push(
      '',
      'Connect, get the webhook URL and subscribe it in the simulator (README, "Run locally", has the rest):',
      '',
      `  curl -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "{\\"accessToken\\":\\"$INTERCOM_TOKEN\\"}" ${api}/token`,
      `  curl -X PUT -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "{\\"clientSecret\\":\\"$CLIENT_SECRET\\"}" ${api}/webhook-secret`,
      '  npm run subscribe',
    );
  }
  lines.push('', `Everything is in memory; Ctrl-C stops every process and forgets the data.${verbose ? '' : ' More detail: npm start -- --verbose'}`, '');
  console.log(lines.join('\n'));
  offlineOutput.release();
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
});
