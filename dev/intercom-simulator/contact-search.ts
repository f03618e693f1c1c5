import { dateFilterRange, inDateRange, type DateOperator, type DateRange } from './day-range';
import type { ContactRecord } from './model';

/**
 * Intercom's contact search language: single filters `{field, operator, value}` and AND/OR groups
 * (at most 2 levels deep, at most 15 filters per group), compiled once into a predicate.
 * Date fields compare by calendar day in the workspace timezone (see day-range.ts).
 */

/** A query Intercom would reject with 400; `code` is the Intercom error code. */
export class SearchQueryError extends Error {
  constructor(
    readonly code: 'parameter_invalid' | 'invalid_sort_order',
    message: string,
  ) {
    super(message);
    this.name = 'SearchQueryError';
  }
}

type FieldType = 'string' | 'date' | 'boolean' | 'tag';
type FieldValue = string | number | boolean | null;

interface FieldDef {
  type: FieldType;
  get(contact: ContactRecord): FieldValue;
}

const text = (get: (c: ContactRecord) => string | null): FieldDef => ({ type: 'string', get });
const date = (get: (c: ContactRecord) => number | null): FieldDef => ({ type: 'date', get });
const flag = (get: (c: ContactRecord) => boolean): FieldDef => ({ type: 'boolean', get });

const emailDomain = (email: string): string | null => (email.includes('@') ? (email.split('@')[1] ?? null) : null);

const FIELDS: Record<string, FieldDef> = {
  id: text((c) => c.id),
  role: text((c) => c.role),
  name: text((c) => c.name),
  email: text((c) => c.email || null),
  email_domain: text((c) => emailDomain(c.email)),
  phone: text((c) => c.phone),
  external_id: text((c) => c.externalId),
  owner_id: text((c) => c.ownerId),
  language_override: text((c) => c.languageOverride),
  browser: text((c) => c.browser),
  browser_language: text((c) => c.browserLanguage),
  os: text((c) => c.os),
  'location.country': text((c) => c.location.country),
  'location.region': text((c) => c.location.region),
  'location.city': text((c) => c.location.city),
  created_at: date((c) => c.createdAt),
  updated_at: date((c) => c.updatedAt),
  signed_up_at: date((c) => c.signedUpAt),
  last_seen_at: date((c) => c.lastSeenAt),
  last_replied_at: date((c) => c.lastRepliedAt),
  last_contacted_at: date((c) => c.lastContactedAt),
  last_email_opened_at: date((c) => c.lastEmailOpenedAt),
  last_email_clicked_at: date((c) => c.lastEmailClickedAt),
  unsubscribed_from_emails: flag((c) => c.unsubscribedFromEmails),
  marked_email_as_spam: flag((c) => c.markedEmailAsSpam),
  has_hard_bounced: flag((c) => c.hasHardBounced),
  tag_id: { type: 'tag', get: () => null },
};

const OPERATORS: Record<FieldType, readonly string[]> = {
  string: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
  date: ['=', '>', '<'],
  boolean: ['=', '!=', 'IN', 'NIN'],
  tag: ['=', '!='],
};

const MAX_GROUP_DEPTH = 2;
const MAX_FILTERS_PER_GROUP = 15;

export type ContactPredicate = (contact: ContactRecord) => boolean;

function fieldDef(field: string): FieldDef {
  const known = FIELDS[field];
  if (known) return known;
  if (field.startsWith('custom_attributes.') && field.length > 'custom_attributes.'.length) {
    const name = field.slice('custom_attributes.'.length);
    return text((c) => {
      const value = c.customAttributes[name];
      return value === undefined || value === null ? null : String(value);
    });
  }
  throw new SearchQueryError('parameter_invalid', `${field} is not a valid search field`);
}

function toDate(field: string, value: unknown): number {
  const numeric = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof numeric !== 'number' || !Number.isFinite(numeric)) {
    throw new SearchQueryError('parameter_invalid', `The value for ${field} must be a UNIX timestamp`);
  }
  return Math.floor(numeric);
}

function toScalar(field: string, value: unknown): string | null {
  if (value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new SearchQueryError('parameter_invalid', `The value for ${field} must be a string`);
}

function toList(field: string, operator: string, value: unknown): Array<string | null> {
  if (!Array.isArray(value)) {
    throw new SearchQueryError('parameter_invalid', `The ${operator} operator on ${field} needs an array value`);
  }
  return value.map((item) => toScalar(field, item));
}

function compileDateFilter(def: FieldDef, field: string, operator: string, value: unknown, timeZone: string): ContactPredicate {
  const range: DateRange = dateFilterRange(operator as DateOperator, toDate(field, value), timeZone);
  return (c) => {
    const actual = def.get(c);
    return typeof actual === 'number' && inDateRange(actual, range);
  };
}

function compileTagFilter(operator: string, field: string, value: unknown): ContactPredicate {
  const tagId = toScalar(field, value);
  return operator === '=' ? (c) => c.tagIds.includes(tagId ?? '') : (c) => !c.tagIds.includes(tagId ?? '');
}

function compileScalarFilter(def: FieldDef, field: string, operator: string, value: unknown): ContactPredicate {
  const read = (c: ContactRecord): string | null => {
    const actual = def.get(c);
    return actual === null ? null : String(actual);
  };
  if (operator === 'IN' || operator === 'NIN') {
    const wanted = new Set(toList(field, operator, value));
    return operator === 'IN' ? (c) => wanted.has(read(c)) : (c) => !wanted.has(read(c));
  }
  const expected = toScalar(field, value);
  if (operator === '=') return (c) => read(c) === expected;
  if (operator === '!=') return (c) => read(c) !== expected;
  const needle = (expected ?? '').toLowerCase();
  const test: Record<string, (haystack: string) => boolean> = {
    '~': (h) => h.includes(needle),
    '!~': (h) => !h.includes(needle),
    '^': (h) => h.startsWith(needle),
    $: (h) => h.endsWith(needle),
  };
  const matcher = test[operator] as (haystack: string) => boolean;
  return (c) => {
    const actual = read(c);
    return actual === null ? operator === '!~' : matcher(actual.toLowerCase());
  };
}

function compileFilter(filter: Record<string, unknown>, timeZone: string): ContactPredicate {
  const { field, operator, value } = filter;
  if (typeof field !== 'string') throw new SearchQueryError('parameter_invalid', 'A filter needs a string field');
  if (typeof operator !== 'string') throw new SearchQueryError('parameter_invalid', `The filter on ${field} needs an operator`);
  const def = fieldDef(field);
  if (!OPERATORS[def.type].includes(operator)) {
    throw new SearchQueryError('parameter_invalid', `The operator ${operator} is not supported for ${def.type} field ${field}`);
  }
  if (def.type === 'date') return compileDateFilter(def, field, operator, value, timeZone);
  if (def.type === 'tag') return compileTagFilter(operator, field, value);
  return compileScalarFilter(def, field, operator, value);
}

function compileNode(node: unknown, timeZone: string, depth: number): ContactPredicate {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw new SearchQueryError('parameter_invalid', 'query must be an object');
  }
  const record = node as Record<string, unknown>;
  if ('field' in record) return compileFilter(record, timeZone);
  const { operator, value } = record;
  if (operator !== 'AND' && operator !== 'OR') {
    throw new SearchQueryError('parameter_invalid', 'A filter group needs the operator AND or OR');
  }
  if (depth >= MAX_GROUP_DEPTH) {
    throw new SearchQueryError('parameter_invalid', `Nested filters are limited to ${MAX_GROUP_DEPTH} levels`);
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new SearchQueryError('parameter_invalid', 'A filter group needs a non-empty array value');
  }
  if (value.length > MAX_FILTERS_PER_GROUP) {
    throw new SearchQueryError('parameter_invalid', `A filter group is limited to ${MAX_FILTERS_PER_GROUP} filters`);
  }
  const children = value.map((child) => compileNode(child, timeZone, depth + 1));
  return operator === 'AND' ? (c) => children.every((p) => p(c)) : (c) => children.some((p) => p(c));
}

/** Compiles a search `query`; throws {@link SearchQueryError} where Intercom answers 400. */
export function compileContactQuery(query: unknown, timeZone: string): ContactPredicate {
  return compileNode(query, timeZone, 0);
}

// Sorting

export type SortOrder = 'ascending' | 'descending';
export type SortValue = string | number | null;

export interface ContactSort {
  field: string;
  order: SortOrder;
  value(contact: ContactRecord): SortValue;
}

const SORTABLE: Record<string, (c: ContactRecord) => SortValue> = {
  id: (c) => c.id,
  created_at: (c) => c.createdAt,
  updated_at: (c) => c.updatedAt,
  signed_up_at: (c) => c.signedUpAt,
  last_seen_at: (c) => c.lastSeenAt,
  name: (c) => c.name,
  email: (c) => c.email,
};

/** Parses the `sort` object of a search body; absent means `created_at` ascending. */
export function parseContactSort(sort: unknown): ContactSort {
  if (sort === undefined || sort === null) return { field: 'created_at', order: 'ascending', value: (c) => c.createdAt };
  if (typeof sort !== 'object' || Array.isArray(sort)) throw new SearchQueryError('parameter_invalid', 'sort must be an object');
  const { field = 'created_at', order = 'ascending' } = sort as Record<string, unknown>;
  if (order !== 'ascending' && order !== 'descending') {
    throw new SearchQueryError('invalid_sort_order', `Invalid sort order '${String(order)}'. Must be one of: ascending, descending`);
  }
  const value = typeof field === 'string' ? SORTABLE[field] : undefined;
  if (!value) throw new SearchQueryError('parameter_invalid', `${String(field)} is not a sortable field`);
  return { field: field as string, order, value };
}

/** Orders (value, id) keys; nulls first ascending. The id breaks ties so the order is total. */
export function compareSortKeys(a: SortValue, aId: string, b: SortValue, bId: string, order: SortOrder): number {
  let result = 0;
  if (a !== b) {
    if (a === null) result = -1;
    else if (b === null) result = 1;
    else if (typeof a === 'number' && typeof b === 'number') result = a < b ? -1 : 1;
    else result = String(a) < String(b) ? -1 : 1;
  }
  if (result === 0 && aId !== bId) result = aId < bId ? -1 : 1;
  return order === 'ascending' ? result : -result;
}
