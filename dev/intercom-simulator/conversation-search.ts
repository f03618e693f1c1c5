import type { ConversationRecord } from './model';
import {
  compileQuery,
  flag,
  idList,
  parseSort,
  text,
  time,
  type FieldDef,
  type Predicate,
  type SearchFields,
  type Sort,
  type SortValue,
} from './search-query';

/**
 * Intercom's conversation search fields (the language itself is in search-query.ts). Unlike
 * contact search, times compare to the second and `>`/`<` include the value ("Greater (or equal)
 * than", "Lower (or equal) than" in the OpenAPI description of `searchConversations`).
 * `tag_ids` and `contact_ids` hold lists: `=` matches a conversation holding the id.
 */

const FIELDS: Record<string, FieldDef<ConversationRecord>> = {
  id: text((c) => c.id),
  created_at: time((c) => c.createdAt),
  updated_at: time((c) => c.updatedAt),
  waiting_since: time((c) => c.waitingSince),
  snoozed_until: time((c) => c.snoozedUntil),
  state: text((c) => c.state),
  open: flag((c) => c.state !== 'closed'),
  read: flag((c) => c.read),
  priority: text((c) => c.priority),
  tag_ids: idList((c) => c.tags.map((tag) => tag.tagId)),
  contact_ids: idList((c) => c.contactIds),
  'source.id': text((c) => c.source.id),
  'source.type': text((c) => c.source.type),
  'source.author.id': text((c) => c.source.author.id),
};

const CONVERSATION_SEARCH: SearchFields<ConversationRecord> = {
  fields: FIELDS,
  operators: {
    string: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
    time: ['=', '!=', 'IN', 'NIN', '>', '<'],
    boolean: ['=', '!=', 'IN', 'NIN'],
    ids: ['=', '!=', 'IN', 'NIN'],
    day: [],
    tag: [],
  },
};

export type ConversationPredicate = Predicate<ConversationRecord>;
export type ConversationSort = Sort<ConversationRecord>;

/** Compiles a conversation search `query`; throws `SearchQueryError` where Intercom answers 400. */
export function compileConversationQuery(query: unknown, timeZone: string): ConversationPredicate {
  return compileQuery(CONVERSATION_SEARCH, query, timeZone);
}

const SORTABLE: Record<string, (c: ConversationRecord) => SortValue> = {
  id: (c) => c.id,
  created_at: (c) => c.createdAt,
  updated_at: (c) => c.updatedAt,
  waiting_since: (c) => c.waitingSince,
};

/** Parses the `sort` object of a conversation search body; absent means `created_at` ascending. */
export function parseConversationSort(sort: unknown): ConversationSort {
  return parseSort(SORTABLE, sort);
}
