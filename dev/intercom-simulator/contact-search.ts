import type { ContactRecord } from './model';
import {
  compileQuery,
  day,
  flag,
  parseSort,
  text,
  type FieldDef,
  type Predicate,
  type SearchFields,
  type Sort,
  type SortValue,
} from './search-query';

/**
 * Intercom's contact search fields (the language itself is in search-query.ts). Date fields compare
 * by calendar day in the workspace timezone (see day-range.ts).
 */

export { compareSortKeys, SearchQueryError, type SortOrder, type SortValue } from './search-query';

const emailDomain = (email: string): string | null => (email.includes('@') ? (email.split('@')[1] ?? null) : null);

const FIELDS: Record<string, FieldDef<ContactRecord>> = {
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
  created_at: day((c) => c.createdAt),
  updated_at: day((c) => c.updatedAt),
  signed_up_at: day((c) => c.signedUpAt),
  last_seen_at: day((c) => c.lastSeenAt),
  last_replied_at: day((c) => c.lastRepliedAt),
  last_contacted_at: day((c) => c.lastContactedAt),
  last_email_opened_at: day((c) => c.lastEmailOpenedAt),
  last_email_clicked_at: day((c) => c.lastEmailClickedAt),
  unsubscribed_from_emails: flag((c) => c.unsubscribedFromEmails),
  marked_email_as_spam: flag((c) => c.markedEmailAsSpam),
  has_hard_bounced: flag((c) => c.hasHardBounced),
  tag_id: { type: 'tag', get: (c) => c.tagIds },
};

const CUSTOM_ATTRIBUTE = 'custom_attributes.';

const CONTACT_SEARCH: SearchFields<ContactRecord> = {
  fields: FIELDS,
  operators: {
    string: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
    day: ['=', '>', '<'],
    boolean: ['=', '!=', 'IN', 'NIN'],
    tag: ['=', '!='],
    time: [],
    ids: [],
  },
  resolve(field) {
    if (!field.startsWith(CUSTOM_ATTRIBUTE) || field.length === CUSTOM_ATTRIBUTE.length) return undefined;
    const name = field.slice(CUSTOM_ATTRIBUTE.length);
    return text((c) => {
      const value = c.customAttributes[name];
      return value === undefined || value === null ? null : String(value);
    });
  },
};

export type ContactPredicate = Predicate<ContactRecord>;
export type ContactSort = Sort<ContactRecord>;

/** Compiles a contact search `query`; throws {@link SearchQueryError} where Intercom answers 400. */
export function compileContactQuery(query: unknown, timeZone: string): ContactPredicate {
  return compileQuery(CONTACT_SEARCH, query, timeZone);
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

/** Parses the `sort` object of a contact search body; absent means `created_at` ascending. */
export function parseContactSort(sort: unknown): ContactSort {
  return parseSort(SORTABLE, sort);
}
