import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../lib/platform/errors';
import { decodeCursor, encodeCursor } from '../../lib/store/page-cursor';

const GSI1PK = 'WORKSPACE#ws_1#PRODUCT#prod_1#INBOX';
const LAST_KEY = {
  pk: 'TICKET#tkt_0123456789abcdef0123456789',
  sk: 'TICKET',
  gsi1pk: GSI1PK,
  gsi1sk: '2026-11-27T10:00:00.000Z#tkt_0123456789abcdef0123456789',
};

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('page cursors', () => {
  it('round-trip a last evaluated key through an opaque URL-safe string', () => {
    const cursor = encodeCursor(LAST_KEY);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor ?? undefined, { gsi1pk: GSI1PK })).toEqual(LAST_KEY);
  });

  it('encode the end of a list as null and decode a missing cursor as the first page', () => {
    expect(encodeCursor(undefined)).toBeNull();
    expect(decodeCursor(undefined, { gsi1pk: GSI1PK })).toBeUndefined();
    expect(decodeCursor('', { gsi1pk: GSI1PK })).toBeUndefined();
  });

  it("reject a cursor issued for another workspace's partition with 400 invalid_cursor", () => {
    const otherWorkspace = encodeCursor({ ...LAST_KEY, gsi1pk: 'WORKSPACE#ws_2#PRODUCT#prod_1#INBOX' });

    const error = rejection(() => decodeCursor(otherWorkspace ?? undefined, { gsi1pk: GSI1PK }));

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: 'invalid_cursor' });
  });

  it('reject a cursor that lacks the partition attribute', () => {
    const { gsi1pk: _omitted, ...withoutPartition } = LAST_KEY;

    expect(rejection(() => decodeCursor(encodeCursor(withoutPartition) ?? undefined, { gsi1pk: GSI1PK }))).toBeInstanceOf(BadRequestError);
  });

  it.each([
    ['not base64url JSON', 'not-a-cursor'],
    ['JSON that is not an object', Buffer.from('"WORKSPACE#ws_1"').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['a key with a non-string value', Buffer.from(JSON.stringify({ ...LAST_KEY, sk: 5 })).toString('base64url')],
  ])('reject a cursor that is %s', (_, cursor) => {
    const error = rejection(() => decodeCursor(cursor, { gsi1pk: GSI1PK }));

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: 'invalid_cursor' });
  });
});
