import { atLeast } from './api-version';
import type { ContactRecord, DeletedContactRecord, TagRecord } from './model';

/** How to render a contact: REST answers use unix seconds, webhook items ISO-8601 strings. */
export interface ContactViewOptions {
  appId: string;
  apiVersion: string;
  flavor: 'rest' | 'webhook';
  tags: ReadonlyMap<string, TagRecord>;
}

const INLINE_LIST_LIMIT = 10;

/** `2026-01-10T04:22:28.000+00:00`, the form contact webhooks use. */
export function isoTime(unixSeconds: number | null): string | null {
  return unixSeconds === null ? null : new Date(unixSeconds * 1000).toISOString().replace('Z', '+00:00');
}

function listStub(url: string, data: unknown[] = [], total = 0): Record<string, unknown> {
  return { type: 'list', data, url, total_count: total, has_more: total > data.length };
}

/** A contact in Intercom's wire shape (OpenAPI 2.16 `contact`; webhook captures for the webhook flavor). */
export function contactView(contact: ContactRecord, options: ContactViewOptions): Record<string, unknown> {
  const time = options.flavor === 'webhook' ? isoTime : (value: number | null) => value;
  // owner_id became a string in 2.16.
  const ownerId =
    contact.ownerId === null ? null : atLeast(options.apiVersion, '2.16') ? contact.ownerId : Number(contact.ownerId);
  const tagRefs = contact.tagIds
    .slice(0, INLINE_LIST_LIMIT)
    .filter((id) => options.tags.has(id))
    .map((id) => ({ type: 'tag', id, url: `/tags/${id}` }));
  const base = `/contacts/${contact.id}`;
  const emailDomain = contact.email.includes('@') ? (contact.email.split('@')[1] ?? '') : '';
  const view: Record<string, unknown> = {
    type: 'contact',
    id: contact.id,
    workspace_id: options.appId,
    external_id: contact.externalId,
    role: contact.role,
    email: contact.email,
  };
  if (options.flavor === 'rest') view.email_domain = emailDomain;
  Object.assign(view, {
    phone: contact.phone,
    name: contact.name,
    avatar: contact.avatarUrl === null ? null : { type: 'avatar', image_url: contact.avatarUrl },
    owner_id: ownerId,
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: contact.hasHardBounced,
    marked_email_as_spam: contact.markedEmailAsSpam,
    unsubscribed_from_emails: contact.unsubscribedFromEmails,
    created_at: time(contact.createdAt),
    updated_at: time(contact.updatedAt),
    signed_up_at: time(contact.signedUpAt),
    last_seen_at: time(contact.lastSeenAt),
    last_replied_at: time(contact.lastRepliedAt),
    last_contacted_at: time(contact.lastContactedAt),
    last_email_opened_at: time(contact.lastEmailOpenedAt),
    last_email_clicked_at: time(contact.lastEmailClickedAt),
    language_override: contact.languageOverride,
    browser: contact.browser,
    browser_version: contact.browserVersion,
    browser_language: contact.browserLanguage,
    os: contact.os,
    location: {
      type: 'location',
      country: contact.location.country,
      region: contact.location.region,
      city: contact.location.city,
      country_code: contact.location.countryCode,
      continent_code: contact.location.continentCode,
    },
    android_app_name: null,
    android_app_version: null,
    android_device: null,
    android_os_version: null,
    android_sdk_version: null,
    android_last_seen_at: null,
    ios_app_name: null,
    ios_app_version: null,
    ios_device: null,
    ios_os_version: null,
    ios_sdk_version: null,
    ios_last_seen_at: null,
    custom_attributes: { ...contact.customAttributes },
    tags: listStub(`${base}/tags`, tagRefs, contact.tagIds.length),
    notes: listStub(`${base}/notes`),
    companies: listStub(`${base}/companies`),
    opted_out_subscription_types: listStub(`${base}/subscriptions`),
    opted_in_subscription_types: listStub(`${base}/subscriptions`),
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: null,
    utm_term: null,
    referrer: null,
  });
  if (options.flavor === 'webhook') Object.assign(view, { sms_consent: false, unsubscribed_from_sms: false });
  view.enabled_push_messaging = null;
  return view;
}

/** The minimal item of a `contact.deleted` notification. */
export function deletedContactView(contact: Pick<DeletedContactRecord, 'id' | 'externalId'>): Record<string, unknown> {
  return { id: contact.id, external_id: contact.externalId, type: 'contact', deleted: true };
}
