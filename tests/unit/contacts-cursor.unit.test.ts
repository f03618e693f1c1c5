import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../lib/platform/errors';
import { contactListStartKey } from '../../lib/store/contact-store';
import { keys } from '../../lib/store/keys';
import { encodeCursor } from '../../lib/store/page-cursor';

const cursorOf = (key: Record<string, unknown>) => encodeCursor(key)!;

describe('contacts list cursors', () => {
  it('stand for the DynamoDB key they were made from, as URL-safe text', () => {
    const key = keys.contact('ws_1', '6762f0d01bb69f9f2193bb7d');
    const cursor = cursorOf(key);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(contactListStartKey('ws_1', cursor)).toEqual(key);
  });

  it('mean "from the start" when absent', () => {
    expect(contactListStartKey('ws_1', undefined)).toBeUndefined();
  });

  it.each([
    ['another workspace', cursorOf(keys.contact('ws_2', 'c1'))],
    ['another kind of item', cursorOf({ pk: keys.contacts('ws_1').pk, sk: 'CONNECTION' })],
    ['an extra attribute', cursorOf({ ...keys.contact('ws_1', 'c1'), gsi1pk: 'x' })],
    ['a missing sort key', cursorOf({ pk: keys.contacts('ws_1').pk })],
    ['text that is not base64url JSON', 'not a cursor!'],
    ['JSON that is not a key', Buffer.from('[1,2]').toString('base64url')],
  ])('refuse %s with invalid_cursor', (_label, cursor) => {
    let error: unknown;
    try {
      contactListStartKey('ws_1', cursor);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).code).toBe('invalid_cursor');
  });
});
