/**
 * Opaque pagination cursors in Intercom's style: standard base64 (so `+`, `/` and `=` occur and
 * clients must URL-encode them) of a JSON array `[sortValue, lastId, nextPage]`.
 * The cursor is stateless: it names the last row served, not a server-side snapshot.
 */

/** Where the next page starts: after the row with this sort value and id. */
export interface CursorPosition {
  sortValue: string | number | null;
  id: string;
  page: number;
}

/** Encodes a position as an opaque `starting_after` value. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.sortValue, position.id, position.page]), 'utf8').toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a `starting_after` value; `null` when it was not produced by {@link encodeCursor}. */
export function decodeCursor(cursor: string): CursorPosition | null {
  if (!BASE64.test(cursor) || cursor.length % 4 !== 0) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return null;
  const [sortValue, id, page] = parsed as unknown[];
  const sortValueOk = sortValue === null || typeof sortValue === 'string' || typeof sortValue === 'number';
  if (!sortValueOk || typeof id !== 'string' || typeof page !== 'number' || !Number.isInteger(page) || page < 2) {
    return null;
  }
  return { sortValue: sortValue as string | number | null, id, page };
}
