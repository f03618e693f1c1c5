import * as z from 'zod';
import { BadRequestError } from '../platform/errors';
import { lazy } from '../platform/lazy';

/**
 * Opaque page cursors: DynamoDB's LastEvaluatedKey as base64url JSON. A cursor is only accepted
 * for the partition it was issued for, so it cannot be used to read another workspace's items.
 */
export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | null {
  return lastKey ? Buffer.from(JSON.stringify(lastKey)).toString('base64url') : null;
}

export function decodeCursor(
  cursor: string | undefined,
  expected: Record<string, string>,
): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    Object.values(key).every((value) => typeof value === 'string') &&
    Object.entries(expected).every(([name, value]) => (key as Record<string, unknown>)[name] === value);
  if (!valid) throw new BadRequestError('The cursor is not one this list issued.', {}, 'invalid_cursor');
  return key as Record<string, unknown>;
}

/** `?cursor&limit` of every cursor-paginated list: `limit` 1-100, default 50. */
export const pageQuery = lazy(() =>
  z.object({
    cursor: z.string().max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  }),
);
