import { describe, expect, it } from 'vitest';
import { rejection } from '../support/search-rejection';
import { compileConversationQuery, parseConversationSort } from '../../dev/intercom-simulator/conversation-search';
import type { ConversationRecord } from '../../dev/intercom-simulator/model';
import { SearchResults } from '../../dev/intercom-simulator/search-results';

const utc = (iso: string): number => Date.parse(iso) / 1000;
const T0 = utc('2026-01-05T10:00:00Z');

function conversation(id: string, fields: { createdAt: number; updatedAt: number; tagIds?: string[] }): ConversationRecord {
  const author = { type: 'user' as const, id: `contact-${id}`, name: null, email: '', fromAiAgent: false, isAiAnswer: false };
  return {
    id,
    createdAt: fields.createdAt,
    updatedAt: fields.updatedAt,
    title: null,
    state: 'open',
    read: false,
    priority: 'none',
    adminAssigneeId: null,
    teamAssigneeId: null,
    waitingSince: null,
    snoozedUntil: null,
    source: { type: 'conversation', id: `m${id}`, deliveredAs: 'customer_initiated', subject: '', body: '', author, url: null, redacted: false, tagIds: [] },
    contactIds: [`contact-${id}`],
    tags: (fields.tagIds ?? []).map((tagId) => ({ tagId, appliedAt: fields.updatedAt, appliedBy: { type: 'admin', id: '1' }, partId: `m${id}` })),
    parts: [],
    customAttributes: {},
  };
}

// updated_at one second apart, around a watermark at T0 + 100.
const conversations = [
  conversation('101', { createdAt: T0, updatedAt: T0 + 99, tagIds: ['7'] }),
  conversation('102', { createdAt: T0 + 1, updatedAt: T0 + 100, tagIds: ['7', '8'] }),
  conversation('103', { createdAt: T0 + 2, updatedAt: T0 + 101 }),
  conversation('104', { createdAt: T0 + 3, updatedAt: T0 + 200, tagIds: ['8'] }),
];

function matching(query: unknown): string[] {
  const predicate = compileConversationQuery(query, 'Europe/Berlin');
  return conversations.filter(predicate).map((c) => c.id);
}

describe('conversation search: times compare to the second', () => {
  it('> and < include the value itself, = is the exact second', () => {
    expect(matching({ field: 'updated_at', operator: '>', value: T0 + 100 })).toEqual(['102', '103', '104']);
    expect(matching({ field: 'updated_at', operator: '<', value: T0 + 100 })).toEqual(['101', '102']);
    expect(matching({ field: 'updated_at', operator: '=', value: T0 + 101 })).toEqual(['103']);
    expect(matching({ field: 'updated_at', operator: '!=', value: T0 + 101 })).toEqual(['101', '102', '104']);
    expect(matching({ field: 'created_at', operator: 'IN', value: [T0, T0 + 3] })).toEqual(['101', '104']);
  });

  it('accepts the time as a string of digits, as Intercom\'s own example sends it', () => {
    expect(matching({ field: 'updated_at', operator: '>', value: String(T0 + 101) })).toEqual(['103', '104']);
  });

  it('does not round to the day the way contact search does', () => {
    // All four fall on 5 January in Berlin; a day-granular `>` would match none of them.
    expect(matching({ field: 'created_at', operator: '>', value: T0 + 2 })).toEqual(['103', '104']);
  });
});

describe('conversation search: tag_ids', () => {
  it('= and != test whether the tag is among the conversation\'s tags', () => {
    expect(matching({ field: 'tag_ids', operator: '=', value: '7' })).toEqual(['101', '102']);
    expect(matching({ field: 'tag_ids', operator: '!=', value: '7' })).toEqual(['103', '104']);
  });

  it('IN matches any of the tags, NIN none of them', () => {
    expect(matching({ field: 'tag_ids', operator: 'IN', value: ['8', '9'] })).toEqual(['102', '104']);
    expect(matching({ field: 'tag_ids', operator: 'NIN', value: ['7', '8'] })).toEqual(['103']);
  });

  it('rejects string operators on tag_ids and a scalar for IN', () => {
    expect(rejection(() => compileConversationQuery({ field: 'tag_ids', operator: '~', value: '7' }, 'Etc/UTC')).code).toBe('parameter_invalid');
    expect(rejection(() => compileConversationQuery({ field: 'tag_ids', operator: 'IN', value: '7' }, 'Etc/UTC')).code).toBe('parameter_invalid');
  });
});

describe('conversation search: queries', () => {
  it('combines an updated_at window with a tag in nested AND/OR groups', () => {
    const window = {
      operator: 'AND',
      value: [
        { field: 'updated_at', operator: '>', value: T0 + 100 },
        { field: 'updated_at', operator: '<', value: T0 + 200 },
      ],
    };
    expect(matching(window)).toEqual(['102', '103', '104']);
    expect(matching({ operator: 'AND', value: [window, { field: 'tag_ids', operator: '=', value: '8' }] })).toEqual(['102', '104']);
    expect(
      matching({
        operator: 'OR',
        value: [
          { operator: 'AND', value: [{ field: 'tag_ids', operator: '=', value: '7' }, { field: 'updated_at', operator: '<', value: T0 + 99 }] },
          { field: 'id', operator: '=', value: '103' },
        ],
      }),
    ).toEqual(['101', '103']);
  });

  it('answers parameter_invalid for unknown fields, bad times, wrong operators and deep nesting', () => {
    const leaf = { field: 'id', operator: '=', value: '101' };
    expect(rejection(() => compileConversationQuery({ field: 'shoe_size', operator: '=', value: '9' }, 'Etc/UTC')).code).toBe('parameter_invalid');
    expect(rejection(() => compileConversationQuery({ field: 'updated_at', operator: '>', value: 'foobar' }, 'Etc/UTC')).code).toBe('parameter_invalid');
    expect(rejection(() => compileConversationQuery({ field: 'updated_at', operator: '~', value: 1 }, 'Etc/UTC')).code).toBe('parameter_invalid');
    expect(rejection(() => compileConversationQuery({ field: 'updated_at', operator: '>=', value: 1 }, 'Etc/UTC')).code).toBe('parameter_invalid');
    const deep = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [leaf] }] }] };
    expect(rejection(() => compileConversationQuery(deep, 'Etc/UTC')).message).toMatch(/2 levels/);
    expect(rejection(() => compileConversationQuery({ operator: 'OR', value: Array(16).fill(leaf) }, 'Etc/UTC')).message).toMatch(/15/);
  });
});

describe('conversation search: sorting and paging', () => {
  const many = Array.from({ length: 25 }, (_, i) =>
    // Pairs share an updated_at, so ties must break on id without losing or repeating rows.
    conversation(String(1000 + i), { createdAt: T0 + i, updatedAt: T0 + 500 - Math.floor(i / 2) }),
  );
  const all = (): Iterable<ConversationRecord> => many;
  const everything = compileConversationQuery({ field: 'updated_at', operator: '>', value: 0 }, 'Etc/UTC');

  function walk(order: 'ascending' | 'descending', perPage: number): { pages: ConversationRecord[][]; totals: number[] } {
    const results = new SearchResults<ConversationRecord>();
    const sort = parseConversationSort({ field: 'updated_at', order });
    const pages: ConversationRecord[][] = [];
    const totals: number[] = [];
    let after = null;
    for (;;) {
      const page = results.page(`all ${order}`, 1, all, everything, sort, after, perPage);
      pages.push(page.rows);
      totals.push(page.total);
      const last = page.rows.at(-1);
      if (!page.hasMore || !last) break;
      after = { value: sort.value(last), id: last.id };
    }
    return { pages, totals };
  }

  it.each(['ascending', 'descending'] as const)('walks 25 in three pages of 10, %s, each once', (order) => {
    const { pages, totals } = walk(order, 10);

    expect(pages.map((rows) => rows.length)).toEqual([10, 10, 5]);
    expect(totals).toEqual([25, 25, 25]);
    const ids = pages.flat().map((c) => c.id);
    expect(new Set(ids).size).toBe(25);
    const times = pages.flat().map((c) => c.updatedAt);
    expect(times).toEqual([...times].sort((a, b) => (order === 'ascending' ? a - b : b - a)));
  });

  it('defaults to created_at ascending and rejects an unknown sort field or order', () => {
    expect(parseConversationSort(undefined)).toMatchObject({ field: 'created_at', order: 'ascending' });
    expect(rejection(() => parseConversationSort({ field: 'title', order: 'ascending' })).code).toBe('parameter_invalid');
    expect(rejection(() => parseConversationSort({ field: 'updated_at', order: 'desc' })).code).toBe('invalid_sort_order');
  });
});
