import { IntercomApiError } from './intercom-errors';

/**
 * The app permissions the simulator knows, by the names Intercom's Developer Hub shows.
 * "Write conversations" is what `POST /conversations/{id}/reply` needs (the service's write-back).
 */
export const PERMISSIONS = [
  'Read and list users and companies',
  'Read and write users',
  'Read one user and one company',
  'Read conversations',
  'Write conversations',
  'Read tags',
  'Read admins',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/**
 * Scope identifiers used in 403 messages. `read_conversations` and `read_write_users` appear in
 * Intercom's OpenAPI text; the others follow the same pattern.
 */
const SCOPE_IDS: Record<Permission, string> = {
  'Read and list users and companies': 'read_users_companies',
  'Read and write users': 'read_write_users',
  'Read one user and one company': 'read_single_user_company',
  'Read conversations': 'read_conversations',
  'Write conversations': 'write_conversations',
  'Read tags': 'read_tags',
  'Read admins': 'read_admins',
};

/** How a workspace reports a missing permission: Intercom's historic 401 or the newer 403. */
export type MissingPermissionStyle = 'token_unauthorized' | 'forbidden';

/** Whether `value` is a permission name. */
export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/** True when the granted set holds at least one of `anyOf` (an empty requirement always passes). */
export function satisfies(granted: ReadonlySet<Permission>, anyOf: readonly Permission[]): boolean {
  return anyOf.length === 0 || anyOf.some((permission) => granted.has(permission));
}

/** The error for a request whose token lacks every permission in `anyOf`. */
export function missingPermissionError(style: MissingPermissionStyle, anyOf: readonly Permission[]): IntercomApiError {
  if (style === 'forbidden') {
    const scope = anyOf[0] ? SCOPE_IDS[anyOf[0]] : 'unknown';
    return new IntercomApiError(403, 'forbidden', `You do not have the required scope (${scope}) to access this resource`);
  }
  return new IntercomApiError(401, 'token_unauthorized', 'Not authorized to access resource');
}
