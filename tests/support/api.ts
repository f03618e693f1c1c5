import { randomUUID } from 'node:crypto';
import { mintAdminJwt } from '../../dev/admin-jwt';
import { stack } from './local-stack';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Calls the local API; `token` goes into `Authorization: Bearer`. */
export async function api<T = any>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${stack.apiUrl}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** A fresh Timebook workspace id, unique to the test that asks. */
export function newWorkspaceId(label = 'ws'): string {
  return `${label}_${randomUUID().slice(0, 8)}`;
}

/** An admin JWT for the local stack, signed with its dev secret. */
export function adminToken(workspaceIds: string[], options: { sub?: string; expiresIn?: string; audience?: string } = {}) {
  return mintAdminJwt(stack.adminJwtSecret, {
    sub: options.sub ?? 'test-admin',
    workspaceIds,
    audience: options.audience ?? 'timebook-intercom',
    expiresIn: options.expiresIn,
  });
}
