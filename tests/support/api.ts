import { randomUUID } from 'node:crypto';
import { mintAdminJwt } from '../../dev/admin-jwt';
import { apiClient } from '../../dev/api-client';

export type { ApiResponse } from '../../dev/api-client';
import { stack } from './local-stack';

/** Calls the local stack's API; `token` goes into `Authorization: Bearer`. */
export const api = apiClient(stack.apiUrl);

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
