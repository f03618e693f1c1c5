import { dateFilterRange, inDateRange, type DateOperator, type DateRange } from './day-range';

/**
 * Intercom's search language, shared by contact and conversation search: single filters
 * `{field, operator, value}` and AND/OR groups (at most 2 levels deep, at most 15 filters per
 * group), compiled once into a predicate over a record type. Each search names its fields, their
 * types and the sort fields; the types decide which operators apply and what they mean.
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

/**
 * - `string`, `boolean`: one value compared as text;
 * - `day`: a unix time matched by calendar day in the workspace timezone (contact search);
 * - `time`: a unix time matched to the second, `>` and `<` inclusive (conversation search);
 * - `tag`: a contact's tag list, `=`/`!=` one tag id;
 * - `ids`: a list of ids (a conversation's `tag_ids`, `contact_ids`): `=` holds the id, `!=` does
 *   not, `IN` holds any of the ids, `NIN` none of them.
 */
export type FieldType = 'string' | 'boolean' | 'day' | 'time' | 'tag' | 'ids';
export type FieldValue = string | number | boolean | null | readonly string[];

export interface FieldDef<T> {
  type: FieldType;
  get(record: T): FieldValue;
}

export type Predicate<T> = (record: T) => boolean;

/** The fields of one search; `resolve` may add computed fields (e.g. `custom_attributes.<name>`). */
export interface SearchFields<T> {
  fields: Record<string, FieldDef<T>>;
  operators: Record<FieldType, readonly string[]>;
  resolve?(field: string): FieldDef<T> | undefined;
}

export const text = <T>(get: (record: T) => string | null): FieldDef<T> => ({ type: 'string', get });
export const flag = <T>(get: (record: T) => boolean): FieldDef<T> => ({ type: 'boolean', get });
export const day = <T>(get: (record: T) => number | null): FieldDef<T> => ({ type: 'day', get });
export const time = <T>(get: (record: T) => number | null): FieldDef<T> => ({ type: 'time', get });
export const idList = <T>(get: (record: T) => readonly string[]): FieldDef<T> => ({ type: 'ids', get });

const MAX_GROUP_DEPTH = 2;
const MAX_FILTERS_PER_GROUP = 15;

function toUnixTime(field: string, value: unknown): number {
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

function toList(field: string, operator: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) {
    throw new SearchQueryError('parameter_invalid', `The ${operator} operator on ${field} needs an array value`);
  }
  return value;
}

function compileDayFilter<T>(def: FieldDef<T>, field: string, operator: string, value: unknown, timeZone: string): Predicate<T> {
  const range: DateRange = dateFilterRange(operator as DateOperator, toUnixTime(field, value), timeZone);
  return (record) => {
    const actual = def.get(record);
    return typeof actual === 'number' && inDateRange(actual, range);
  };
}

function compileTimeFilter<T>(def: FieldDef<T>, field: string, operator: string, value: unknown): Predicate<T> {
  const read = (record: T): number | null => {
    const actual = def.get(record);
    return typeof actual === 'number' ? actual : null;
  };
  if (operator === 'IN' || operator === 'NIN') {
    const wanted = new Set(toList(field, operator, value).map((item) => toUnixTime(field, item)));
    return operator === 'IN' ? (r) => wanted.has(read(r) as number) : (r) => !wanted.has(read(r) as number);
  }
  const at = toUnixTime(field, value);
  const compare: Record<string, (actual: number) => boolean> = {
    '=': (actual) => actual === at,
    '!=': (actual) => actual !== at,
    '>': (actual) => actual >= at,
    '<': (actual) => actual <= at,
  };
  const matches = compare[operator] as (actual: number) => boolean;
  return (record) => {
    const actual = read(record);
    return actual === null ? operator === '!=' : matches(actual);
  };
}

function compileIdListFilter<T>(def: FieldDef<T>, field: string, operator: string, value: unknown): Predicate<T> {
  const held = (record: T): readonly string[] => {
    const actual = def.get(record);
    return Array.isArray(actual) ? actual : [];
  };
  if (operator === 'IN' || operator === 'NIN') {
    const wanted = toList(field, operator, value).map((item) => toScalar(field, item) ?? '');
    const any = (record: T): boolean => held(record).some((id) => wanted.includes(id));
    return operator === 'IN' ? any : (record) => !any(record);
  }
  const id = toScalar(field, value) ?? '';
  return operator === '=' ? (record) => held(record).includes(id) : (record) => !held(record).includes(id);
}

function compileScalarFilter<T>(def: FieldDef<T>, field: string, operator: string, value: unknown): Predicate<T> {
  const read = (record: T): string | null => {
    const actual = def.get(record);
    return actual === null ? null : String(actual);
  };
  if (operator === 'IN' || operator === 'NIN') {
    const wanted = new Set(toList(field, operator, value).map((item) => toScalar(field, item)));
    return operator === 'IN' ? (r) => wanted.has(read(r)) : (r) => !wanted.has(read(r));
  }
  const expected = toScalar(field, value);
  if (operator === '=') return (r) => read(r) === expected;
  if (operator === '!=') return (r) => read(r) !== expected;
  const needle = (expected ?? '').toLowerCase();
  const test: Record<string, (haystack: string) => boolean> = {
    '~': (h) => h.includes(needle),
    '!~': (h) => !h.includes(needle),
    '^': (h) => h.startsWith(needle),
    $: (h) => h.endsWith(needle),
  };
  const matcher = test[operator] as (haystack: string) => boolean;
  return (r) => {
    const actual = read(r);
    return actual === null ? operator === '!~' : matcher(actual.toLowerCase());
  };
}

function fieldDef<T>(search: SearchFields<T>, field: string): FieldDef<T> {
  const def = search.fields[field] ?? search.resolve?.(field);
  if (!def) throw new SearchQueryError('parameter_invalid', `${field} is not a valid search field`);
  return def;
}

function compileFilter<T>(search: SearchFields<T>, filter: Record<string, unknown>, timeZone: string): Predicate<T> {
  const { field, operator, value } = filter;
  if (typeof field !== 'string') throw new SearchQueryError('parameter_invalid', 'A filter needs a string field');
  if (typeof operator !== 'string') throw new SearchQueryError('parameter_invalid', `The filter on ${field} needs an operator`);
  const def = fieldDef(search, field);
  if (!search.operators[def.type].includes(operator)) {
    throw new SearchQueryError('parameter_invalid', `The operator ${operator} is not supported for field ${field}`);
  }
  switch (def.type) {
    case 'day':
      return compileDayFilter(def, field, operator, value, timeZone);
    case 'time':
      return compileTimeFilter(def, field, operator, value);
    case 'tag':
    case 'ids':
      return compileIdListFilter(def, field, operator, value);
    default:
      return compileScalarFilter(def, field, operator, value);
  }
}

function compileNode<T>(search: SearchFields<T>, node: unknown, timeZone: string, depth: number): Predicate<T> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw new SearchQueryError('parameter_invalid', 'query must be an object');
  }
  const record = node as Record<string, unknown>;
  if ('field' in record) return compileFilter(search, record, timeZone);
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
  const children = value.map((child) => compileNode(search, child, timeZone, depth + 1));
  return operator === 'AND' ? (r) => children.every((p) => p(r)) : (r) => children.some((p) => p(r));
}

/** Compiles a search `query` over `search`'s fields; throws {@link SearchQueryError} where Intercom answers 400. */
export function compileQuery<T>(search: SearchFields<T>, query: unknown, timeZone: string): Predicate<T> {
  return compileNode(search, query, timeZone, 0);
}

// Sorting

export type SortOrder = 'ascending' | 'descending';
export type SortValue = string | number | null;

export interface Sort<T> {
  field: string;
  order: SortOrder;
  value(record: T): SortValue;
}

/** Parses the `sort` object of a search body; absent means `created_at` ascending. */
export function parseSort<T>(sortable: Record<string, (record: T) => SortValue>, sort: unknown): Sort<T> {
  const byCreation = sortable.created_at as (record: T) => SortValue;
  if (sort === undefined || sort === null) return { field: 'created_at', order: 'ascending', value: byCreation };
  if (typeof sort !== 'object' || Array.isArray(sort)) throw new SearchQueryError('parameter_invalid', 'sort must be an object');
  const { field = 'created_at', order = 'ascending' } = sort as Record<string, unknown>;
  if (order !== 'ascending' && order !== 'descending') {
    throw new SearchQueryError('invalid_sort_order', `Invalid sort order '${String(order)}'. Must be one of: ascending, descending`);
  }
  const value = typeof field === 'string' ? sortable[field] : undefined;
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
