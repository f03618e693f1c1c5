import { mintAdminJwt } from './admin-jwt';
import { SimulatorClient } from './intercom-simulator';
import { localSettings } from './local-settings';
import { DEV_PORTS } from './stack';

const USAGE = `Usage: npm run sync -- <workspaceId> [--seed <count>] [--watch] [--api <url>] [--intercom <url>]

Switches contact sync on for a workspace of the running local stack (\`npm start\`) and shows the
backfill's progress until it ends.
  --seed <count>   first create an Intercom workspace in the simulator with <count> contacts and
                   connect the workspace to it by access token
  --watch          only watch; do not switch sync on
  --api <url>      the service (default http://localhost:${DEV_PORTS.http})
  --intercom <url> the simulator, for --seed (default http://127.0.0.1:${DEV_PORTS.intercom})`;

interface ContactsSync {
  state: 'idle' | 'running' | 'completed' | 'failed';
  synced: number;
  expected: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** `[██████░░░░]  3,450 / 5,000  69%` */
export function progressLine(sync: ContactsSync, elapsedSeconds: number, width = 30): string {
  const fraction = sync.expected ? Math.min(1, sync.synced / sync.expected) : 0;
  const filled = Math.round(fraction * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const count = `${sync.synced.toLocaleString('en-US')} / ${sync.expected === null ? '?' : sync.expected.toLocaleString('en-US')}`;
  const rate = elapsedSeconds > 0 ? `${Math.round(sync.synced / elapsedSeconds).toLocaleString('en-US')}/s` : '';
  return `[${bar}] ${count}  ${Math.floor(fraction * 100)}%  ${rate}  ${elapsedSeconds.toFixed(1)} s  ${sync.state}`;
}

async function main(): Promise<void> {
  const workspaceId = process.argv[2];
  if (!workspaceId || workspaceId.startsWith('--')) {
    console.error(USAGE);
    process.exit(2);
  }
  const settings = localSettings(process.env);
  const api = option('api') ?? `http://localhost:${DEV_PORTS.http}`;
  const token = await mintAdminJwt(settings.adminJwtSecret, { sub: 'dev-sync-cli', workspaceIds: [workspaceId], audience: settings.adminJwtAudience });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api}/v1/workspaces/${workspaceId}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  };

  const seed = option('seed');
  if (seed !== undefined) {
    const simulator = new SimulatorClient(option('intercom') ?? `http://127.0.0.1:${DEV_PORTS.intercom}`);
    const intercom = await simulator.createWorkspace({ name: `Contacts for ${workspaceId}` });
    await simulator.seedContacts(intercom.appId, { count: Number(seed) });
    await call('POST', '/intercom/token', { accessToken: intercom.accessToken });
    console.log(`Connected ${workspaceId} to simulator workspace ${intercom.appId} with ${Number(seed).toLocaleString('en-US')} contacts.`);
  }
  let sync: ContactsSync = process.argv.includes('--watch')
    ? (await call('GET', '/intercom')).contactsSync
    : (await call('PATCH', '/intercom/settings', { syncContacts: true })).contactsSync;

  const started = sync.startedAt ? Date.parse(sync.startedAt) : Date.now();
  const interactive = process.stdout.isTTY;
  let lastPrinted = 0;
  for (;;) {
    const elapsed = ((sync.finishedAt ? Date.parse(sync.finishedAt) : Date.now()) - started) / 1000;
    const line = progressLine(sync, elapsed);
    if (interactive) process.stdout.write(`\r${line}`);
    else if (Date.now() - lastPrinted > 2_000 || sync.state !== 'running') {
      console.log(line);
      lastPrinted = Date.now();
    }
    if (sync.state !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 300));
    sync = (await call('GET', '/intercom')).contactsSync;
  }
  if (interactive) process.stdout.write('\n');
  if (sync.state === 'failed') {
    console.error(`The backfill failed: ${sync.error}`);
    process.exit(1);
  }
  console.log(sync.state === 'completed' ? 'Backfill completed.' : 'Contact sync is off; switch it on to resume.');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
