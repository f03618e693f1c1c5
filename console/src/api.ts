import type { ApiErrorBody, ConsoleConfig } from './types';

/** An API refusal as the API words it (`error.code`, `error.message` and its details), or an unreachable API. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorBody['error'] = { code, message },
  ) {
    super(message);
  }
}

export type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * The public HTTP API, called with the admin JWT as a bearer token. `path` is relative to the
 * workspace (`/intercom`, `/products/p/feedback`); an absolute `/v1/...` path is taken as it is.
 */
export function apiClient(config: ConsoleConfig, jwt: () => string | null, onUnauthorized: () => void): Api {
  const base = config.apiUrl.replace(/\/+$/, '');
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const url = path.startsWith('/v1/') ? `${base}${path}` : `${base}/v1/workspaces/${encodeURIComponent(config.workspaceId)}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = jwt();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch {
      throw new ApiError(0, 'network_error', `Could not reach the API at ${base}.`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as Partial<ApiErrorBody> | undefined)?.error;
      if (response.status === 401) onUnauthorized();
      if (error && typeof error.code === 'string' && typeof error.message === 'string') {
        throw new ApiError(response.status, error.code, error.message, error);
      }
      throw new ApiError(response.status, 'http_error', `The API answered ${response.status} ${response.statusText}.`);
    }
    return parsed as T;
  };
}
