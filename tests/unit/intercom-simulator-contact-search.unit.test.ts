import { describe, expect, it } from 'vitest';
import { rejection } from '../support/search-rejection';
import {
  compileContactQuery,
  parseContactSort,
} from '../../dev/intercom-simulator/contact-search';
import { ContactStore } from '../../dev/intercom-simulator/contact-store';
import type { ContactRecord } from '../../dev/intercom-simulator/model';

const utc = (iso: string): number => Date.parse(iso) / 1000;

function contact(id: string, fields: Partial<ContactRecord> = {}): ContactRecord {
  return {
    id,
    externalId: null,
    role: 'user',
    email: `${id}@example.com`,
    phone: null,
    name: null,
    ownerId: null,
    avatarUrl: null,
    createdAt: utc('2024-01-01T12:00:00Z'),
    updatedAt: utc('2024-01-01T12:00:00Z'),
    signedUpAt: null,
    lastSeenAt: null,
    lastRepliedAt: null,
    lastContactedAt: null,
    lastEmailOpenedAt: null,
    lastEmailClickedAt: null,
    hasHardBounced: false,
    markedEmailAsSpam: false,
    unsubscribedFromEmails: false,
    languageOverride: null,
    browser: null,
    browserVersion: null,
    browserLanguage: null,
    os: null,
    location: { country: null, region: null, city: null, countryCode: null, continentCode: null },
    customAttributes: {},
    tagIds: [],
    ...fields,
  };
}

const people = [
  contact('a1', { name: 'Ada Okafor', role: 'user', email: 'ada@acme.test', createdAt: utc('2024-03-09T12:00:00Z') }),
  contact('b2', { name: 'Ben Silva', role: 'lead', email: 'ben@globex.test', createdAt: utc('2024-03-10T12:00:00Z') }),
  contact('c3', { name: 'Chloé Rossi', role: 'user', email: 'chloe@acme.test', createdAt: utc('2024-03-11T12:00:00Z'), externalId: 'ext-3' }),
];

function matching(query: unknown, timeZone = 'Etc/UTC'): string[] {
  const predicate = compileContactQuery(query, timeZone);
  return people.filter(predicate).map((c) => c.id);
}

describe('compileContactQuery', () => {
  it.each([
    [{ field: 'role', operator: '=', value: 'user' }, ['a1', 'c3']],
    [{ field: 'role', operator: '!=', value: 'user' }, ['b2']],
    [{ field: 'email', operator: '$', value: '@ACME.test' }, ['a1', 'c3']],
    [{ field: 'name', operator: '^', value: 'ben' }, ['b2']],
    [{ field: 'name', operator: '~', value: 'ross' }, ['c3']],
    [{ field: 'name', operator: '!~', value: 'ross' }, ['a1', 'b2']],
    [{ field: 'id', operator: 'IN', value: ['a1', 'c3', 'zz'] }, ['a1', 'c3']],
    [{ field: 'id', operator: 'NIN', value: ['a1'] }, ['b2', 'c3']],
    [{ field: 'external_id', operator: '=', value: null }, ['a1', 'b2']],
    [{ field: 'email_domain', operator: '=', value: 'globex.test' }, ['b2']],
  ])('filters %j', (query, expected) => {
    expect(matching(query)).toEqual(expected);
  });

  it('combines AND and OR groups two levels deep', () => {
    const query = {
      operator: 'OR',
      value: [
        { operator: 'AND', value: [{ field: 'role', operator: '=', value: 'user' }, { field: 'name', operator: '^', value: 'Ada' }] },
        { field: 'role', operator: '=', value: 'lead' },
      ],
    };
    expect(matching(query)).toEqual(['a1', 'b2']);
  });

  it('compares dates by calendar day, accepting numeric strings', () => {
    const noon10th = String(utc('2024-03-10T12:00:00Z'));
    expect(matching({ field: 'created_at', operator: '=', value: noon10th })).toEqual(['b2']);
    expect(matching({ field: 'created_at', operator: '>', value: Number(noon10th) })).toEqual(['c3']);
    expect(matching({ field: 'created_at', operator: '<', value: noon10th })).toEqual(['a1']);
  });

  it('uses the workspace timezone for date days', () => {
    // 2024-03-10T12:00Z is 11 March, 01:00 in Auckland; b2 (10 March 12:00Z) is that same local day.
    expect(matching({ field: 'created_at', operator: '=', value: utc('2024-03-10T12:00:00Z') }, 'Pacific/Auckland')).toEqual(['b2']);
    expect(matching({ field: 'created_at', operator: '=', value: utc('2024-03-10T10:00:00Z') }, 'Pacific/Auckland')).toEqual(['a1']);
  });

  it.each(['>=', '<=', '!=', 'IN', 'NIN', '~'])('rejects %s on a date field', (operator) => {
    const error = rejection(() => compileContactQuery({ field: 'updated_at', operator, value: 1 }, 'Etc/UTC'));
    expect(error.code).toBe('parameter_invalid');
  });

  it('rejects a non-timestamp date value', () => {
    expect(rejection(() => compileContactQuery({ field: 'created_at', operator: '>', value: 'foobar' }, 'Etc/UTC')).code).toBe('parameter_invalid');
  });

  it('rejects three levels of nesting', () => {
    const leaf = { field: 'role', operator: '=', value: 'user' };
    const query = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [leaf] }] }] };
    expect(rejection(() => compileContactQuery(query, 'Etc/UTC')).message).toMatch(/2 levels/);
  });

  it('rejects more than 15 filters in a group', () => {
    const leaf = { field: 'role', operator: '=', value: 'user' };
    expect(() => compileContactQuery({ operator: 'AND', value: Array(15).fill(leaf) }, 'Etc/UTC')).not.toThrow();
    expect(rejection(() => compileContactQuery({ operator: 'AND', value: Array(16).fill(leaf) }, 'Etc/UTC')).message).toMatch(/15/);
  });

  it('rejects unknown fields and IN without an array', () => {
    expect(rejection(() => compileContactQuery({ field: 'shoe_size', operator: '=', value: '9' }, 'Etc/UTC')).code).toBe('parameter_invalid');
    expect(rejection(() => compileContactQuery({ field: 'id', operator: 'IN', value: 'a1' }, 'Etc/UTC')).code).toBe('parameter_invalid');
  });
});

describe('parseContactSort', () => {
  it("rejects an order other than ascending or descending with Intercom's message", () => {
    const error = rejection(() => parseContactSort({ field: 'updated_at', order: 'desc' }));
    expect(error.code).toBe('invalid_sort_order');
    expect(error.message).toBe("Invalid sort order 'desc'. Must be one of: ascending, descending");
  });

  it('defaults to created_at ascending', () => {
    expect(parseContactSort(undefined)).toMatchObject({ field: 'created_at', order: 'ascending' });
  });
});

describe('ContactStore', () => {
  const ids = (rows: ContactRecord[]): string[] => rows.map((row) => row.id);

  it('lists in id order by keyset, unaffected by inserts before the cursor', () => {
    const store = new ContactStore();
    store.insertMany(['05', '01', '03', '07', '09'].map((id) => contact(id)));
    const first = store.listPage(null, 2);
    expect(ids(first.rows)).toEqual(['01', '03']);
    expect(first).toMatchObject({ total: 5, hasMore: true });
    store.insert(contact('02'));
    const second = store.listPage('03', 2);
    expect(ids(second.rows)).toEqual(['05', '07']);
    const last = store.listPage('07', 2);
    expect(ids(last.rows)).toEqual(['09']);
    expect(last.hasMore).toBe(false);
  });

  it('serves search pages in sort order and continues after the cursor row', () => {
    const store = new ContactStore();
    store.insertMany([contact('x', { updatedAt: 30 }), contact('y', { updatedAt: 10 }), contact('z', { updatedAt: 20 }), contact('w', { updatedAt: 20 })]);
    const sort = parseContactSort({ field: 'updated_at', order: 'descending' });
    const all = (): boolean => true;
    const page1 = store.searchPage('all', all, sort, null, 2);
    expect(ids(page1.rows)).toEqual(['x', 'z']);
    const page2 = store.searchPage('all', all, sort, { value: 20, id: 'z' }, 2);
    expect(ids(page2.rows)).toEqual(['w', 'y']);
    expect(page2.hasMore).toBe(false);
  });

  it('sees changes made after a search was cached', () => {
    const store = new ContactStore();
    const record = contact('x', { role: 'lead' });
    store.insertMany([record, contact('y')]);
    const sort = parseContactSort(undefined);
    const leads = compileContactQuery({ field: 'role', operator: '=', value: 'lead' }, 'Etc/UTC');
    expect(ids(store.searchPage('leads', leads, sort, null, 10).rows)).toEqual(['x']);
    record.role = 'user';
    store.touch();
    expect(store.searchPage('leads', leads, sort, null, 10).total).toBe(0);
  });

  it('keeps a tombstone of deleted contacts', () => {
    const store = new ContactStore();
    store.insertMany([contact('x', { externalId: 'e1' }), contact('y')]);
    store.delete('x', 123);
    expect(store.get('x')).toBeUndefined();
    expect(store.getDeleted('x')).toMatchObject({ id: 'x', externalId: 'e1', deletedAt: 123 });
    expect(ids(store.listPage(null, 10).rows)).toEqual(['y']);
  });
});
