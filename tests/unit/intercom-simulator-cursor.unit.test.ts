import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../dev/intercom-simulator/cursor';

describe('pagination cursor', () => {
  it('round-trips a position', () => {
    const position = { sortValue: 1700000000, id: '6762f0d01bb69f9f2193bb7d', page: 4 };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it('round-trips string and null sort values', () => {
    expect(decodeCursor(encodeCursor({ sortValue: 'Zoë', id: 'a', page: 2 }))).toEqual({ sortValue: 'Zoë', id: 'a', page: 2 });
    expect(decodeCursor(encodeCursor({ sortValue: null, id: 'a', page: 2 }))).toEqual({ sortValue: null, id: 'a', page: 2 });
  });

  it('is standard base64, so clients must URL-encode it', () => {
    const cursor = encodeCursor({ sortValue: 'ÿÿÿ>>>', id: '???', page: 2 });
    expect(cursor).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(cursor).toMatch(/[+/=]/);
  });

  it("reads Intercom's documented cursor format", () => {
    expect(decodeCursor('Wy0xLCI2NWU3NGYyYmY2ZGFhMTcwNTA1NTE1MGYiLDld')).toEqual({
      sortValue: -1,
      id: '65e74f2bf6daa1705055150f',
      page: 9,
    });
  });

  it('rejects a cursor whose + was turned into a space by a missing URL-encoding', () => {
    const cursor = encodeCursor({ sortValue: 'ÿÿÿ>>>', id: '???', page: 2 });
    expect(cursor).toContain('+');
    expect(decodeCursor(cursor.replace(/\+/g, ' '))).toBeNull();
  });

  it.each([
    ['not base64', '%%%'],
    ['base64 of text', Buffer.from('hello').toString('base64')],
    ['wrong arity', Buffer.from('[1,"a"]').toString('base64')],
    ['page below 2', Buffer.from('[1,"a",1]').toString('base64')],
    ['non-string id', Buffer.from('[1,2,3]').toString('base64')],
  ])('rejects %s', (_label, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
