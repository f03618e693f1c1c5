import { ZodError } from 'zod';
import type { Connection } from '../connect/connection';
import {
  IntercomBadRequestError,
  IntercomNotFoundError,
  IntercomPermissionError,
  IntercomTokenInvalidError,
} from '../intercom/errors';
import { ConflictError } from '../platform/errors';

/**
 * Why a notification was acknowledged without being applied. Each is a condition a retry cannot
 * change, so retrying would only park the record in the dead-letter queue and page an operator
 * for something that needs no operator:
 * - `malformed`: the queued message or its item does not parse (a retry parses the same bytes);
 * - `token_refused`: Intercom refused the token; the connection is now `needs_reauth`;
 * - `needs_reauth`: the connection already waits for the admin to authorise again, so Intercom is not called;
 * - `permission_missing`: the token lacks a permission the call needs; only the admin can grant it;
 * - `not_found`: Intercom no longer has what the notification names (and the handler has no state for it);
 * - `bad_request`: Intercom refused the request itself (4xx other than the above);
 * - `not_connected`: the workspace disconnected since the notification arrived.
 * Everything else (5xx, timeouts, network errors, 429, the store) is transient and retried by SQS.
 */
export const DROP_REASONS = ['malformed', 'token_refused', 'needs_reauth', 'permission_missing', 'not_found', 'bad_request', 'not_connected'] as const;

export type DropReason = (typeof DROP_REASONS)[number];

/** A failure a handler knows to be permanent, with the reason it is dropped. */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';

  constructor(
    readonly reason: DropReason,
    message: string,
  ) {
    super(message);
  }
}

/** The reason a failure is permanent, or undefined when it is transient and the record must be retried. */
export function permanentReason(error: unknown): DropReason | undefined {
  if (error instanceof PermanentEventError) return error.reason;
  if (error instanceof ZodError || error instanceof SyntaxError) return 'malformed';
  if (error instanceof IntercomTokenInvalidError) return 'token_refused';
  if (error instanceof IntercomPermissionError) return 'permission_missing';
  if (error instanceof IntercomNotFoundError) return 'not_found';
  if (error instanceof IntercomBadRequestError) return 'bad_request';
  if (error instanceof ConflictError && error.code === 'intercom_not_connected') return 'not_connected';
  return undefined;
}

/**
 * Stops work that needs Intercom for a connection waiting to be authorised again: its token was
 * refused once, and every further call would be refused too (and count against the app).
 */
export function assertAuthorised(connection: Connection): void {
  if (connection.status === 'needs_reauth') {
    throw new PermanentEventError('needs_reauth', 'The Intercom connection needs to be authorised again; Intercom is not called');
  }
}
