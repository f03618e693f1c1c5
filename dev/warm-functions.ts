import { lambdaName, type ResolvedServerlessConfig } from './serverless-config';

/**
 * Loads the HTTP and queue functions into serverless-offline once, before `npm start` says it is
 * ready, so that an admin's first click does not wait for a function's bundle to load (a second or
 * more each on a busy machine). Each HTTP function gets one request without credentials, which the
 * API refuses without any effect (401, 404 or a redirect to the error page: what the abuse suite
 * checks); each queue consumer gets an empty batch. Scheduled functions load on their first run.
 */
export async function warmFunctions(options: {
  config: ResolvedServerlessConfig;
  stage: string;
  apiUrl: string;
  lambdaEndpoint: string;
}): Promise<void> {
  const { config, stage, apiUrl, lambdaEndpoint } = options;
  const warmups: Array<() => Promise<Response>> = [];
  for (const [key, fn] of Object.entries(config.functions)) {
    const route = (fn.events ?? []).map((event) => httpRoute(event.httpApi)).find((found) => found !== undefined);
    if (route) {
      const path = route.path.replace(/\{[^}]+\}/g, 'warm-up');
      const hasBody = !['GET', 'HEAD'].includes(route.method);
      warmups.push(() =>
        fetch(`${apiUrl}${path}`, { method: route.method, redirect: 'manual', ...(hasBody ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) }),
      );
    } else if ((fn.events ?? []).some((event) => event.sqs)) {
      const url = `${lambdaEndpoint}/2015-03-31/functions/${lambdaName(config, stage, key)}/invocations`;
      warmups.push(() => fetch(url, { method: 'POST', body: JSON.stringify({ Records: [] }) }));
    }
  }
  // Two at a time: more loading bundles at once only starve each other of CPU.
  const worker = async () => {
    for (let next = warmups.shift(); next; next = warmups.shift()) {
      const response = await next().catch(() => undefined);
      await response?.arrayBuffer().catch(() => undefined);
    }
  };
  await Promise.all([worker(), worker()]);
}

/** The route of an `httpApi` event as serverless.yml declares them (`{ method, path }`). */
function httpRoute(event: unknown): { method: string; path: string } | undefined {
  if (!event || typeof event !== 'object' || !('path' in event) || typeof event.path !== 'string') return undefined;
  const method = 'method' in event && typeof event.method === 'string' ? event.method.toUpperCase() : 'GET';
  return { method, path: event.path };
}
