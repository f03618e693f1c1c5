import { join } from 'node:path';
import { normalizeBasePath, writeConsoleBuild, type ConsoleConfig } from './console-server';

const USAGE = `npm run build:console [-- --base /path] [--api-url URL --workspace ID [--product id=Name]...] [--out DIR]

Writes the admin console as a static folder (default console-dist/, gitignored): index.html, the
minified console.js, console.css and, with --api-url and --workspace, config.json. --base is the
path the folder is served under (default: the path of APP_URL when set, else /).`;

/** `npm run build:console`: the deployable admin console. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const option = (name: string) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const products = args
    .flatMap((arg, index) => (arg === '--product' ? [args[index + 1] ?? ''] : []))
    .map((value) => {
      const [id, ...name] = value.split('=');
      if (!id) fail(`--product takes id=Name, not ${JSON.stringify(value)}`);
      return { id, name: name.join('=') || id };
    });
  const basePath = normalizeBasePath(option('base') ?? (process.env.APP_URL ? new URL(process.env.APP_URL).pathname : ''));
  const apiUrl = option('api-url');
  const workspaceId = option('workspace');
  if (Boolean(apiUrl) !== Boolean(workspaceId)) fail('--api-url and --workspace go together (they make config.json)');
  const config: ConsoleConfig | undefined = apiUrl && workspaceId ? { apiUrl, workspaceId, products } : undefined;
  const outDir = option('out') ?? join(__dirname, '..', 'console-dist');
  const written = await writeConsoleBuild(outDir, { basePath, config });
  console.log(`Wrote ${written.join(', ')} to ${outDir} for the base path ${basePath || '/'}${config ? '' : ' (no config.json: add one next to index.html)'}.`);
}

function fail(message: string): never {
  console.error(`build:console: ${message}\n\n${USAGE}`);
  process.exit(2);
}

main().catch((error: unknown) => fail((error as Error).message));
