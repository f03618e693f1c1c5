/**
 * The simulator's internal records. They hold the facts; the serializers turn them into
 * Intercom's wire shapes for a given API version and for REST or webhooks.
 * All times are unix seconds.
 */

export type ContactRole = 'user' | 'lead';

export interface ContactLocation {
  country: string | null;
  region: string | null;
  city: string | null;
  countryCode: string | null;
  continentCode: string | null;
}

export type CustomAttributeValue = string | number | boolean | null;

export interface ContactRecord {
  id: string;
  externalId: string | null;
  role: ContactRole;
  /** Intercom returns an empty string for contacts without an email. */
  email: string;
  phone: string | null;
  name: string | null;
  ownerId: string | null;
  avatarUrl: string | null;
  createdAt: number;
  updatedAt: number;
  signedUpAt: number | null;
  lastSeenAt: number | null;
  lastRepliedAt: number | null;
  lastContactedAt: number | null;
  lastEmailOpenedAt: number | null;
  lastEmailClickedAt: number | null;
  hasHardBounced: boolean;
  markedEmailAsSpam: boolean;
  unsubscribedFromEmails: boolean;
  languageOverride: string | null;
  browser: string | null;
  browserVersion: string | null;
  browserLanguage: string | null;
  os: string | null;
  location: ContactLocation;
  customAttributes: Record<string, CustomAttributeValue>;
  tagIds: string[];
}

/** What remains of a deleted contact, so a `contact.deleted` notification can still be built. */
export interface DeletedContactRecord {
  id: string;
  externalId: string | null;
  role: ContactRole;
  deletedAt: number;
}

export interface AdminRecord {
  id: string;
  name: string;
  email: string;
  jobTitle: string | null;
}

export interface TagRecord {
  id: string;
  name: string;
}

export type AuthorType = 'admin' | 'user' | 'lead' | 'bot' | 'team';

export interface AuthorRecord {
  type: AuthorType;
  id: string;
  name: string | null;
  email: string;
  fromAiAgent: boolean;
  isAiAnswer: boolean;
}

export interface PartRecord {
  id: string;
  /** e.g. `comment`, `note`, `assignment`, `open`, `close`, `channel_and_reply_time_expectation`. */
  partType: string;
  /** HTML, or null for parts without text (assignments, state changes). */
  body: string | null;
  createdAt: number;
  updatedAt: number;
  notifiedAt: number;
  assignedTo: { type: string; id: string } | null;
  author: AuthorRecord;
  redacted: boolean;
  state: 'open' | 'closed' | 'snoozed';
  /** Tags applied to this part, in application order. */
  tagIds: string[];
}

export interface SourceRecord {
  /** Intercom's `source.type`: `conversation`, `email`, ... */
  type: string;
  id: string;
  deliveredAs: string;
  subject: string;
  body: string;
  author: AuthorRecord;
  url: string | null;
  redacted: boolean;
  tagIds: string[];
}

export interface ConversationTagRecord {
  tagId: string;
  appliedAt: number;
  appliedBy: { type: string; id: string };
  /** The part (or source) id the tag was applied to. */
  partId: string;
}

export type ConversationPriority = 'none' | 'low' | 'medium' | 'high' | 'urgent';

export interface ConversationRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  title: string | null;
  state: 'open' | 'closed' | 'snoozed';
  read: boolean;
  priority: ConversationPriority;
  adminAssigneeId: string | null;
  teamAssigneeId: string | null;
  waitingSince: number | null;
  snoozedUntil: number | null;
  source: SourceRecord;
  contactIds: string[];
  tags: ConversationTagRecord[];
  parts: PartRecord[];
  customAttributes: Record<string, CustomAttributeValue>;
}

/** The HTML Intercom puts in place of a redacted body. */
export const REDACTED_BODY_HTML = '<p><i>This message was deleted</i></p>';
