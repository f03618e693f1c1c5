import { mintAdminJwt } from './admin-jwt';
import { apiClient } from './api-client';
import { SimulatorClient } from './intercom-simulator';
import { localSettings } from './local-settings';
import { LOCAL_TIMEBOOK_WORKSPACE_ID, LOCAL_WEBHOOK_TOPICS, LOCAL_WORKSPACE, subscribeLocalWorkspace } from './local-workspace';
import { DEV_PORTS } from './stack';

/**
 * `npm run subscribe [-- <webhookUrl>]`: subscribes the app of the Intercom workspace `npm start`
 * seeds to the service's topics, as an admin does in Intercom's Developer Hub. Without a URL it
 * takes the webhook URL of `npm start`'s Timebook workspace from the API (the one
 * `PUT .../intercom/webhook-secret` generated).
 */
async function main(): Promise<void> {
  const webhookUrl = process.argv[2] ?? (await currentWebhookUrl());
  if (!URL.canParse(webhookUrl)) fail(`not a URL: ${webhookUrl}`, 2);
  const simulator = new SimulatorClient(process.env.INTERCOM_SIMULATOR_URL ?? `http://127.0.0.1:${DEV_PORTS.intercom}`);
  const subscription = await subscribeLocalWorkspace(simulator, webhookUrl);
  console.log(`${LOCAL_WORKSPACE.name}'s app sends ${LOCAL_WEBHOOK_TOPICS.length} topics to ${subscription.url}`);
}

async function currentWebhookUrl(): Promise<string> {
  const settings = localSettings(process.env);
  const token = await mintAdminJwt(settings.adminJwtSecret, {
    sub: 'dev-admin',
    workspaceIds: [LOCAL_TIMEBOOK_WORKSPACE_ID],
    audience: settings.adminJwtAudience,
  });
  const api = apiClient(process.env.API_URL ?? `http://localhost:${DEV_PORTS.http}`);
  const status = await api('GET', `/v1/workspaces/${LOCAL_TIMEBOOK_WORKSPACE_ID}/intercom`, { token });
  if (status.status !== 200) fail(`GET .../intercom answered ${status.status}: ${status.text}`);
  const url: unknown = status.body.webhook?.url;
  if (typeof url !== 'string' || !status.body.webhook.secretConfigured) {
    fail(`${LOCAL_TIMEBOOK_WORKSPACE_ID} has no webhook URL yet: connect it and PUT the client secret first (npm start prints both commands)`);
  }
  return url;
}

function fail(message: string, code = 1): never {
  console.error(`subscribe: ${message}`);
  process.exit(code);
}

main().catch((error: unknown) => fail((error as Error).message));
