import { startIntercomSimulator } from './simulator.server';

/**
 * Starts the simulator from the command line:
 *   npx tsx dev/intercom-simulator/main.ts [--port 4010] [--client-id ID --client-secret SECRET]
 * An OAuth client can also come from INTERCOM_CLIENT_ID / INTERCOM_CLIENT_SECRET.
 */

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

async function main(): Promise<void> {
  const port = Number(option('port') ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${option('port')}`);
  const clientId = option('client-id') ?? process.env.INTERCOM_CLIENT_ID;
  const clientSecret = option('client-secret') ?? process.env.INTERCOM_CLIENT_SECRET;
  const simulator = await startIntercomSimulator({
    port,
    oauthClients: clientId && clientSecret ? [{ clientId, clientSecret }] : [],
  });
  console.log(`Intercom simulator listening on ${simulator.url}`);
  console.log(`  REST and OAuth token: ${simulator.url}  consent page: ${simulator.url}/oauth  control API: ${simulator.url}/_sim/`);
  console.log(`  the simulator page, to click through in a browser: ${simulator.url}/_sim/ui`);
  console.log(`  REST of EU workspaces: ${simulator.regionUrls.EU}  of AU workspaces: ${simulator.regionUrls.AU}`);
  const shutdown = (): void => {
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
