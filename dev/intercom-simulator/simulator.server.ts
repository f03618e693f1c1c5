import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isApiVersion } from './api-version';
import { ControlError } from './control-error';
import { BodyTooLargeError, matchRoute, parseJson, readBody, sendHtml, sendJson, sendRedirect } from './http-kit';
import { accessTokenInvalid, errorForStatus, IntercomApiError, notFound } from './intercom-errors';
import { missingPermissionError, satisfies } from './permissions';
import { hostOf, regionUrls, type Region } from './regions';
import type { RequestStats } from './request-stats';
import { controlRoutes, Reply } from './routes/control.routes';
import { oauthRoutes } from './routes/oauth.routes';
import { restRoutes } from './routes/rest.routes';
import { notFoundPage, uiRoutes } from './routes/ui.routes';
import { SimulatorClient } from './simulator-client';
import { SimulatorState } from './simulator-state';
import type { Workspace } from './workspace';

/** How to start a simulator. */
export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** OAuth apps known from the start; more can be registered through the control API. */
  oauthClients?: Array<{ clientId: string; clientSecret: string; redirectUris?: string[]; name?: string }>;
}

/** A running simulator. */
export interface IntercomSimulator {
  /** `http://127.0.0.1:PORT`: the Intercom API base URL of the US, OAuth host and control API at once. */
  url: string;
  /** Each region's API base URL: `url` for the US, `url/eu` and `url/au` for the others. */
  regionUrls: Record<Region, string>;
  port: number;
  /** Direct access to the state, for in-process use. */
  state: SimulatorState;
  /** A control-API client bound to `url`. */
  client: SimulatorClient;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

function sendControlError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

async function handleControl(state: SimulatorState, method: string, url: URL, body: Buffer, res: ServerResponse): Promise<void> {
  const match = matchRoute(controlRoutes, method, url.pathname);
  if (match.kind === 'none') return sendControlError(res, 404, 'not_found', `No control route ${method} ${url.pathname}`);
  if (match.kind === 'wrong-method') return sendControlError(res, 405, 'method_not_allowed', `${method} is not supported here`);
  let parsed: unknown;
  try {
    parsed = parseJson(body);
  } catch {
    return sendControlError(res, 400, 'invalid_json', 'The body is not valid JSON');
  }
  try {
    const result = await match.route.handler({ state, params: match.params, body: parsed, query: url.searchParams });
    if (result instanceof Reply) sendJson(res, result.status, result.body);
    else sendJson(res, 200, result ?? {});
  } catch (error) {
    if (error instanceof ControlError) return sendControlError(res, error.status, error.code, error.message);
    sendControlError(res, 500, 'internal', error instanceof Error ? error.message : String(error));
  }
}

/** The simulator page (`/_sim/ui`): HTML pages and form posts. */
async function handleUi(state: SimulatorState, method: string, url: URL, body: Buffer, res: ServerResponse): Promise<void> {
  const match = matchRoute(uiRoutes, method, url.pathname);
  if (match.kind === 'none') return sendHtml(res, 404, notFoundPage(`The simulator has no page ${url.pathname}.`));
  if (match.kind === 'wrong-method') return sendHtml(res, 405, notFoundPage(`${method} is not supported on ${url.pathname}.`));
  try {
    const form = new URLSearchParams(body.toString('utf8'));
    const answer = await match.route.handler({ state, params: match.params, query: url.searchParams, form });
    if (answer.kind === 'redirect') sendRedirect(res, answer.location, 303);
    else sendHtml(res, answer.status, answer.html);
  } catch (error) {
    if (error instanceof ControlError && error.status === 404) return sendHtml(res, 404, notFoundPage(error.message));
    throw error;
  }
}

/**
 * Whether the API host of `host` answers a token of `workspace`: its own region's host always; the
 * US host also answers `GET /me` for every region, and any other call too, as Intercom routes it,
 * unless the workspace is in strict mode. Another region's host never does.
 */
function answersOn(host: Region, workspace: Workspace, routeKey: string): boolean {
  if (host === workspace.settings.region) return true;
  return host === 'US' && (routeKey === 'GET /me' || !workspace.settings.strictRegion);
}

/**
 * An Intercom request: global faults, then the token and its region's host, the workspace's rate
 * limit and faults, the permission, and the handler. Every response is counted, with the host it
 * was sent to, in the workspace's statistics, or the global ones when no workspace is known.
 */
async function handleIntercom(state: SimulatorState, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const { region: host, path } = hostOf(url.pathname);
  const started = performance.now();
  // The OAuth pages and the token exchange are on the US host only.
  const oauth = host === 'US' ? matchRoute(oauthRoutes, method, path) : ({ kind: 'none' } as const);
  const rest = matchRoute(restRoutes, method, path);
  let routeKey = `${method} ${path}`;
  if (oauth.kind === 'found') routeKey = oauth.route.key;
  else if (rest.kind === 'found') routeKey = rest.route.key;
  let stats: RequestStats = state.globalStats;
  let headers: Record<string, string> = {};
  let status = 500;
  try {
    const global = state.globalFaults.decide(method, path);
    await sleep(global.delayMs);
    if (global.failure) throw errorForStatus(global.failure.status);

    if (oauth.kind === 'found') {
      oauth.route.handler({ state, req, res, url, body });
      status = res.statusCode;
      return;
    }
    if (rest.kind !== 'found') throw notFound();

    const token = bearerToken(req);
    // A revoked token's calls still count for the workspace that issued it.
    const issuer = token === null ? undefined : state.workspaces.get(state.tokens.get(token)?.appId ?? '');
    if (issuer) stats = issuer.stats;
    const resolved = token === null ? null : state.resolveToken(token);
    if (!resolved) throw accessTokenInvalid();
    const { workspace } = resolved;
    if (!answersOn(host, workspace, rest.route.key)) throw accessTokenInvalid();

    const rate = workspace.rateLimiter.take(Date.now());
    headers = rate.headers;
    if (!rate.allowed) throw errorForStatus(429);

    const fault = workspace.faults.decide(method, path);
    await sleep(fault.delayMs);
    if (fault.failure) {
      if (fault.failure.status === 429) headers = workspace.rateLimiter.exhaustedHeaders(Date.now());
      throw errorForStatus(fault.failure.status);
    }

    const { permissions, handle } = rest.route.handler;
    if (!satisfies(resolved.token.permissions, permissions)) {
      throw missingPermissionError(workspace.settings.missingPermissionStyle, permissions);
    }
    const requestedVersion = req.headers['intercom-version'];
    const version = typeof requestedVersion === 'string' ? requestedVersion.trim() : workspace.settings.apiVersion;
    if (!isApiVersion(version)) throw new IntercomApiError(400, 'intercom_version_invalid', `Requested version ${version} is not valid`);

    const result = handle({ state, workspace, token: resolved.token, url, body, params: rest.params, apiVersion: version });
    const lost = workspace.faults.takeDropAnswer(method, path);
    if (lost === 'reset') {
      // The request took effect; the client sees its connection closed without an answer.
      status = 0;
      res.destroy();
      return;
    }
    if (lost === 500) throw errorForStatus(500);
    status = 200;
    sendJson(res, status, result, headers);
  } catch (error) {
    if (!(error instanceof IntercomApiError)) console.error('intercom simulator: handler failed', error);
    const apiError = error instanceof IntercomApiError ? error : errorForStatus(500);
    status = apiError.status;
    sendJson(res, status, apiError.toBody(), { ...headers, ...apiError.headers });
  } finally {
    stats.record({ at: Date.now(), host, method, path, route: routeKey, status, durationMs: Math.round(performance.now() - started) });
  }
}

async function handle(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendJson(res, 413, errorForStatus(413).toBody());
    throw error;
  }
  if (url.pathname === '/_sim/ui' || url.pathname.startsWith('/_sim/ui/')) return handleUi(state, (req.method ?? 'GET').toUpperCase(), url, body, res);
  if (url.pathname.startsWith('/_sim/')) return handleControl(state, (req.method ?? 'GET').toUpperCase(), url, body, res);
  return handleIntercom(state, req, res, url, body);
}

/** Starts a simulator on 127.0.0.1. */
export async function startIntercomSimulator(options: SimulatorOptions = {}): Promise<IntercomSimulator> {
  const state = new SimulatorState();
  for (const client of options.oauthClients ?? []) state.registerOAuthClient(client);
  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      console.error('intercom simulator: request failed', error);
      if (!res.headersSent) sendJson(res, 500, errorForStatus(500).toBody());
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    regionUrls: regionUrls(url),
    port,
    state,
    client: new SimulatorClient(url),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
