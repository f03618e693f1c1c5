import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { ConsoleConfig } from '../console/src/types';

/** The admin console's sources (console/): its page, stylesheet and TypeScript. */
const CONSOLE_DIR = join(__dirname, '..', 'console');

/** What the page reads from `config.json` next to index.html (its type lives with the page). */
export type { ConsoleConfig };

/** The built page: every file the console needs, by its path under the base path. */
export interface ConsoleAssets {
  indexHtml: string;
  files: Map<string, { type: string; body: Buffer }>;
}

/**
 * `''` or a path like `/timebook`: leading slash, no trailing one. Every route and asset of the
 * console lives under it.
 */
export function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed.startsWith('/') ? trimmed : `/${trimmed}`)) {
    throw new Error(`not a base path: ${JSON.stringify(basePath)} (letters, digits, . _ ~ - and /)`);
  }
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Bundles console/src with esbuild and puts the base path into index.html's `<base href>`. */
export async function buildConsoleAssets(options: { basePath: string; minify?: boolean }): Promise<ConsoleAssets> {
  const basePath = normalizeBasePath(options.basePath);
  const result = await build({
    entryPoints: [join(CONSOLE_DIR, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    minify: options.minify ?? false,
    sourcemap: options.minify ? false : 'inline',
    legalComments: 'none',
    logLevel: 'silent',
    outfile: 'console.js',
  });
  const script = result.outputFiles[0];
  if (!script) throw new Error('esbuild produced no console bundle');
  const template = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
  if (!template.includes('<base href="/">')) throw new Error('console/index.html must carry <base href="/">');
  return {
    indexHtml: template.replace('<base href="/">', `<base href="${basePath}/">`),
    files: new Map([
      ['/console.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(script.contents) }],
      ['/console.css', { type: 'text/css; charset=utf-8', body: readFileSync(join(CONSOLE_DIR, 'console.css')) }],
    ]),
  };
}

export interface ConsoleServer {
  /** The console's address: origin and base path, which is `APP_URL` locally. */
  url: string;
  origin: string;
  stop(): Promise<void>;
}

/**
 * Serves the console on 127.0.0.1: the bundle, the stylesheet, `config.json` (built for each
 * request from `config()`, so the stack can fill it in once it knows its addresses) and index.html
 * for every other path under the base path, where the page's own router takes over.
 */
export async function startConsoleServer(options: {
  port: number;
  basePath: string;
  config: () => ConsoleConfig;
}): Promise<ConsoleServer> {
  const basePath = normalizeBasePath(options.basePath);
  const assets = await buildConsoleAssets({ basePath });
  const server = createServer((req, res) => serve(req, res, basePath, assets, options.config));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${basePath}`,
    origin,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function serve(req: IncomingMessage, res: ServerResponse, basePath: string, assets: ConsoleAssets, config: () => ConsoleConfig): void {
  const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(405, 'text/plain; charset=utf-8', 'Method not allowed', { allow: 'GET, HEAD' });
    return;
  }
  const path = new URL(req.url ?? '/', 'http://console').pathname;
  if (basePath && (path === '/' || path === '')) {
    send(302, 'text/plain; charset=utf-8', '', { location: `${basePath}/` });
    return;
  }
  if (path !== basePath && !path.startsWith(`${basePath}/`)) {
    send(404, 'text/plain; charset=utf-8', `Not found: the console is at ${basePath}/`);
    return;
  }
  const inside = path.slice(basePath.length) || '/';
  if (inside === '/config.json') {
    send(200, 'application/json; charset=utf-8', JSON.stringify(config()));
    return;
  }
  const file = assets.files.get(inside);
  if (file) {
    send(200, file.type, file.body);
    return;
  }
  // A path with a file extension is a missing file, not a route of the page.
  if (/\.[A-Za-z0-9]+$/.test(inside)) {
    send(404, 'text/plain; charset=utf-8', 'Not found');
    return;
  }
  send(200, 'text/html; charset=utf-8', assets.indexHtml, { 'content-security-policy': contentSecurityPolicy(config()) });
}

/** Scripts and styles from the console itself only; API calls to the API's origin. */
function contentSecurityPolicy(config: ConsoleConfig): string {
  let api = "'self'";
  try {
    api = `'self' ${new URL(config.apiUrl).origin}`;
  } catch {
    // A bad apiUrl shows as a failed request on the page.
  }
  return `default-src 'self'; script-src 'self'; style-src 'self'; connect-src ${api}; img-src 'self' data:; form-action 'self'; base-uri 'self'; frame-ancestors 'none'`;
}

/**
 * `npm run build:console`: the deployable static folder (index.html for the base path, the
 * minified bundle, the stylesheet, and `config.json` when an API URL and workspace are given).
 */
export async function writeConsoleBuild(outDir: string, options: { basePath: string; config?: ConsoleConfig }): Promise<string[]> {
  const assets = await buildConsoleAssets({ basePath: options.basePath, minify: true });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const written = ['index.html'];
  writeFileSync(join(outDir, 'index.html'), assets.indexHtml);
  for (const [path, file] of assets.files) {
    writeFileSync(join(outDir, path.slice(1)), file.body);
    written.push(path.slice(1));
  }
  if (options.config) {
    writeFileSync(join(outDir, 'config.json'), `${JSON.stringify(options.config, null, 2)}\n`);
    written.push('config.json');
  }
  return written;
}
