import { z } from 'zod';
import { isApiVersion } from './api-version';
import { isValidTimeZone } from './day-range';
import { PERMISSIONS } from './permissions';
import { REGIONS } from './regions';

/**
 * Request bodies of the control API (`/_sim/...`). Each schema is also the input type of the
 * state operation it feeds, and of the matching SimulatorClient method.
 */

const unixSeconds = z.number().int().min(0).max(0xffffffff);
/**
 * Whether the change notifies the webhook subscriptions that follow it (default true); false makes
 * the change without any delivery, as a change Intercom sends no notification for would be.
 */
const notify = z.boolean().optional();
const timezone = z.string().refine(isValidTimeZone, { message: 'unknown IANA timezone' });
const apiVersion = z.string().refine(isApiVersion, { message: 'not an Intercom API version' });
const permissions = z.array(z.enum(PERMISSIONS));

export const createWorkspaceSchema = z.object({
  /** The app id (`/me` app.id_code, webhook `app_id`); random `sim…` when absent. */
  idCode: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  name: z.string().min(1).optional(),
  /** Which base URL serves the workspace's API (default US). */
  region: z.enum(REGIONS).optional(),
  /**
   * Strict mode: the US base URL answers this workspace's tokens on `GET /me` only, with
   * Intercom's 401 otherwise, so a call sent to the wrong host fails (default false: the US URL
   * routes every call, as Intercom's does).
   */
  strictRegion: z.boolean().optional(),
  /** IANA timezone; search date filters use its calendar days. */
  timezone: timezone.optional(),
  /** The app's client secret that signs webhooks. */
  clientSecret: z.string().min(1).optional(),
  missingPermissionStyle: z.enum(['token_unauthorized', 'forbidden']).optional(),
  /** The app's Developer Hub version: shapes webhooks and REST calls without `Intercom-Version`. */
  apiVersion: apiVersion.optional(),
  createdAt: unixSeconds.optional(),
  /**
   * Tagging or untagging a conversation moves its `updated_at` to the tag's `applied_at` (or now).
   * Default false: Intercom does not document that it does (FACTS §9.2), so a catch-up must not rely on it.
   */
  tagTouchesUpdatedAt: z.boolean().optional(),
  /** Redacting a part or the source moves the conversation's `updated_at` (default false). */
  redactTouchesUpdatedAt: z.boolean().optional(),
  /** Permissions of the access token created with the workspace (default: all). */
  tokenPermissions: permissions.optional(),
});
export type CreateWorkspaceInput = z.infer<typeof createWorkspaceSchema>;

export const updateWorkspaceSchema = createWorkspaceSchema.omit({ idCode: true, createdAt: true, tokenPermissions: true });
export type UpdateWorkspaceInput = z.infer<typeof updateWorkspaceSchema>;

export const createTokenSchema = z.object({
  /** Default: every permission. */
  permissions: permissions.optional(),
  /** The admin `/me` answers for (default: the first admin). */
  adminId: z.string().optional(),
});
export type CreateTokenInput = z.infer<typeof createTokenSchema>;

export const createAdminSchema = z.object({
  name: z.string().min(1).optional(),
  email: z.string().min(3).optional(),
  jobTitle: z.string().optional(),
});
export type CreateAdminInput = z.infer<typeof createAdminSchema>;

export const createTagsSchema = z.object({
  names: z.array(z.string().min(1)).optional(),
  /** Adds `count` tags named `Tag 1`, `Tag 2`, ... */
  count: z.number().int().min(0).max(10_000).optional(),
  /** Tags with explicit ids (tenant-isolation tests reuse one id in two workspaces). */
  tags: z.array(z.object({ id: z.string().min(1).optional(), name: z.string().min(1) })).optional(),
});
export type CreateTagsInput = z.infer<typeof createTagsSchema>;

export const seedContactsSchema = z.object({
  count: z.number().int().min(0).max(1_000_000),
  seed: z.number().int().optional(),
  /** Share of leads (default 0.3). */
  leadRatio: z.number().min(0).max(1).optional(),
  /** created_at spreads over [startAt, endAt]; default the `days` (365) before now. */
  startAt: unixSeconds.optional(),
  endAt: unixSeconds.optional(),
  days: z.number().int().min(0).max(36_500).optional(),
});
export type SeedContactsInput = z.infer<typeof seedContactsSchema>;

const contactFields = {
  role: z.enum(['user', 'lead']).optional(),
  email: z.string().optional(),
  name: z.string().nullable().optional(),
  externalId: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  ownerId: z.string().nullable().optional(),
  createdAt: unixSeconds.optional(),
  /** Default: now, whenever a contact is created or changed. */
  updatedAt: unixSeconds.optional(),
  signedUpAt: unixSeconds.nullable().optional(),
  lastSeenAt: unixSeconds.nullable().optional(),
  unsubscribedFromEmails: z.boolean().optional(),
  customAttributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  location: z
    .object({
      country: z.string().nullable().optional(),
      region: z.string().nullable().optional(),
      city: z.string().nullable().optional(),
      countryCode: z.string().nullable().optional(),
      continentCode: z.string().nullable().optional(),
    })
    .optional(),
  tagIds: z.array(z.string()).optional(),
};

export const createContactSchema = z.object({ id: z.string().min(1).optional(), ...contactFields, notify });
export type CreateContactInput = z.infer<typeof createContactSchema>;

export const updateContactSchema = z.object({ ...contactFields, notify });
export type UpdateContactInput = z.infer<typeof updateContactSchema>;

/** Archiving, unarchiving and deleting take only the flag. */
export const contactActionSchema = z.object({ notify });
export type ContactActionInput = z.infer<typeof contactActionSchema>;

export const mergeContactsSchema = z.object({
  /** The lead that is absorbed: it answers 404 from then on and leaves list and search. */
  from: z.string().min(1),
  /** The user that survives. */
  into: z.string().min(1),
  notify,
});
export type MergeContactsInput = z.infer<typeof mergeContactsSchema>;

export const partKinds = ['user_reply', 'admin_reply', 'admin_note', 'bot_reply', 'assignment', 'close', 'open'] as const;

export const addPartSchema = z.object({
  /**
   * user_reply: comment by the conversation's contact; admin_reply: comment by an admin;
   * admin_note: note; bot_reply: comment by the Fin/Operator bot; assignment: no text unless a
   * body is given (a reply-and-assign); close/open: state changes without text.
   */
  kind: z.enum(partKinds),
  /** HTML; a default sentence when absent (null for assignment, close, open). */
  body: z.string().nullable().optional(),
  adminId: z.string().optional(),
  /** Overrides Intercom's `part_type` (e.g. `channel_and_reply_time_expectation`). */
  partType: z.string().min(1).optional(),
  /** The admin an assignment assigns to (default: the author). */
  assignToAdminId: z.string().optional(),
  /** Marks a bot reply as written by the AI agent. */
  aiAgent: z.boolean().optional(),
  createdAt: unixSeconds.optional(),
  notify,
});
export type AddPartInput = z.infer<typeof addPartSchema>;

export const createConversationSchema = z.object({
  id: z.string().regex(/^\d{1,20}$/).optional(),
  /** The customer; a new lead is created when absent. */
  contactId: z.string().optional(),
  createdAt: unixSeconds.optional(),
  title: z.string().nullable().optional(),
  subject: z.string().optional(),
  /** HTML of the first message. */
  body: z.string().optional(),
  deliveredAs: z.string().optional(),
  sourceType: z.string().optional(),
  url: z.string().nullable().optional(),
  parts: z.array(addPartSchema.omit({ notify: true })).optional(),
  notify,
});
export type CreateConversationInput = z.infer<typeof createConversationSchema>;

export const seedConversationsSchema = z.object({
  count: z.number().int().min(0).max(100_000),
  seed: z.number().int().optional(),
  /** Parts per conversation (default 5 to 7: bot reply, assignment, admin reply, user reply, note, ...). */
  partsPerConversation: z.number().int().min(0).max(5_000).optional(),
  /** created_at spreads over [startAt, endAt]; default the `days` (30) before now. */
  startAt: unixSeconds.optional(),
  endAt: unixSeconds.optional(),
  days: z.number().int().min(0).max(36_500).optional(),
});
export type SeedConversationsInput = z.infer<typeof seedConversationsSchema>;

export const tagConversationSchema = z
  .object({
    tagId: z.string().optional(),
    /** Creates the tag when the workspace has none of that name. */
    tagName: z.string().min(1).optional(),
    /** The part (or source) id to tag; default the latest part with text, else the source. */
    partId: z.string().optional(),
    adminId: z.string().optional(),
    appliedAt: unixSeconds.optional(),
    notify,
  })
  .refine((input) => input.tagId !== undefined || input.tagName !== undefined, { message: 'tagId or tagName is required' });
export type TagConversationInput = z.infer<typeof tagConversationSchema>;

export const redactSchema = z
  .object({
    partId: z.string().optional(),
    source: z.boolean().optional(),
    /** When the redaction happened (default now): the part's `updated_at`, and the conversation's with `redactTouchesUpdatedAt`. */
    redactedAt: unixSeconds.optional(),
    notify,
  })
  .refine((input) => (input.partId !== undefined) !== (input.source === true), { message: 'give exactly one of partId or source: true' });
export type RedactInput = z.infer<typeof redactSchema>;

const rate = z.number().min(0).max(1);
export const faultSettingsSchema = z.object({
  seed: z.number().int().optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  jitterMs: z.number().int().min(0).max(60_000).optional(),
  spikeRate: rate.optional(),
  spikeMs: z.number().int().min(0).max(120_000).optional(),
  errorRate: rate.optional(),
  errorStatuses: z.array(z.number().int().min(500).max(599)).optional(),
  rateLimitRate: rate.optional(),
});
export type FaultSettingsInput = z.infer<typeof faultSettingsSchema>;

export const failNextSchema = z.object({
  method: z.string().optional(),
  pathPrefix: z.string().startsWith('/'),
  status: z.number().int().min(100).max(599),
  count: z.number().int().min(1).default(1),
});
export type FailNextInput = z.input<typeof failNextSchema>;

/** Handle the next `count` matching requests, then lose the answer (connection reset, or a 500). */
export const dropAnswerSchema = z.object({
  method: z.string().optional(),
  pathPrefix: z.string().startsWith('/'),
  count: z.number().int().min(1).default(1),
  answer: z.union([z.literal('reset'), z.literal(500)]).default('reset'),
});
export type DropAnswerInput = z.input<typeof dropAnswerSchema>;

export const rateLimitSchema = z
  .object({
    /** Requests per window. */
    limit: z.number().int().min(0).optional(),
    /** Intercom's style: the per-minute quota, enforced per 10 s window as perMinute / 6. */
    perMinute: z.number().int().min(0).optional(),
    windowSeconds: z.number().int().min(1).max(3600).optional(),
  })
  .refine((input) => !(input.limit !== undefined && input.perMinute !== undefined), { message: 'give limit or perMinute, not both' });
export type RateLimitInput = z.infer<typeof rateLimitSchema>;

export const oauthClientSchema = z.object({
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  /** When given, `redirect_uri` must be one of these; the first is the default. */
  redirectUris: z.array(z.string().url()).optional(),
  name: z.string().optional(),
});
export type OAuthClientInput = z.infer<typeof oauthClientSchema>;

export const webhookTopics = [
  'conversation.admin.noted',
  'conversation.admin.replied',
  'conversation.operator.replied',
  'conversation.user.replied',
  'conversation_part.redacted',
  'conversation_part.tag.created',
  'contact.user.created',
  'contact.lead.created',
  'contact.user.updated',
  'contact.lead.updated',
  'contact.lead.signed_up',
  'contact.archived',
  'contact.unarchive',
  'contact.merged',
  'contact.deleted',
  'ping',
] as const;
export type WebhookTopic = (typeof webhookTopics)[number];

const notificationFields = {
  topic: z.enum(webhookTopics),
  conversationId: z.string().optional(),
  /** The triggering part(s); defaults depend on the topic (see README). */
  partIds: z.array(z.string()).optional(),
  tagId: z.string().optional(),
  contactId: z.string().optional(),
  /** `contact.merged`: the absorbed contact (`merged_from`); `contactId` is the one that survives. */
  mergedFromId: z.string().optional(),
  /** Conversation topics: `2.x` (default) or the legacy `1.x` item with `tags_added`. */
  shape: z.enum(['1.x', '2.x']).optional(),
  /** Default: the workspace's apiVersion. 2.15+ sends plain-text bodies and integer statistics. */
  apiVersion: apiVersion.optional(),
  /** Default `notif_<uuid>`; ping always sends null. */
  notificationId: z.string().optional(),
  createdAt: unixSeconds.optional(),
  firstSentAt: unixSeconds.optional(),
  deliveryAttempts: z.number().int().min(1).optional(),
  /** Ping message. */
  message: z.string().optional(),
};

export const buildWebhookSchema = z.object({
  appId: z.string(),
  ...notificationFields,
  /** Signs with this instead of the workspace's client secret (to send a wrong signature). */
  secret: z.string().optional(),
});
export type BuildWebhookInput = z.infer<typeof buildWebhookSchema>;

export const deliverWebhookSchema = buildWebhookSchema.extend({
  url: z.string().url(),
  /** Sends the same signed body this many times (Intercom delivers at least once). */
  times: z.number().int().min(1).max(20).optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
});
export type DeliverWebhookInput = z.infer<typeof deliverWebhookSchema>;

export const deliverBatchSchema = z.object({
  url: z.string().url(),
  /** Default workspace for notifications that name none. */
  appId: z.string().optional(),
  notifications: z.array(z.object({ appId: z.string().optional(), ...notificationFields, times: z.number().int().min(1).max(20).optional() })),
  /** `shuffled` sends in a random order from `seed`. */
  order: z.enum(['given', 'shuffled']).optional(),
  seed: z.number().int().optional(),
  secret: z.string().optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
});
export type DeliverBatchInput = z.infer<typeof deliverBatchSchema>;

export const deliveryRulesSchema = z
  .object({
    timeoutMs: z.number().int().min(1).max(60_000),
    retryAfterSeconds: z.number().int().min(0).max(86_400),
    pauseAfterErrors: z.number().int().min(0).max(1_000_000),
    pauseWindowSeconds: z.number().int().min(1).max(86_400),
    pauseSeconds: z.number().int().min(0).max(86_400),
  })
  .partial();

export const webhookSubscriptionSchema = z.object({
  /** Validated with a HEAD request when saved; http is accepted here, Intercom requires https. */
  url: z.string().url(),
  /** `ping` is always subscribed to. */
  topics: z.array(z.enum(webhookTopics)),
  /** Conversation items: `2.x` (default) or the legacy `1.x` shape with `tags_added`. */
  shape: z.enum(['1.x', '2.x']).optional(),
  /** The app's API version, which shapes the items; default each workspace's apiVersion. */
  apiVersion: apiVersion.optional(),
  /** Intercom's rules, each overridable (small thresholds keep tests fast). */
  rules: deliveryRulesSchema.optional(),
});
export type WebhookSubscriptionInput = z.infer<typeof webhookSubscriptionSchema>;

export const oauthPingSchema = z.object({ appId: z.string().min(1), message: z.string().optional() });
export const pingSchema = z.object({ message: z.string().optional() });

export const installSchema = z.object({
  appId: z.string().min(1),
  /** The admin who installs (default the first). */
  adminId: z.string().optional(),
});
export type InstallInput = z.infer<typeof installSchema>;

export const deliveryStatuses = ['sending', 'sent', 'retrying', 'failed', 'dropped'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** Query of `GET /_sim/webhooks/deliveries`. */
export const deliveryFilterSchema = z.object({
  /** The workspace the notifications are about (`app_id`). */
  appId: z.string().optional(),
  /** Only this OAuth app's deliveries. */
  clientId: z.string().optional(),
  /** Only private-app or only OAuth-app deliveries. */
  appType: z.enum(['private', 'oauth']).optional(),
  status: z.enum(deliveryStatuses).optional(),
  topic: z.string().optional(),
  conversationId: z.string().optional(),
  contactId: z.string().optional(),
  /** Only deliveries with a larger sequence number than this. */
  after: z.coerce.number().int().min(0).optional(),
});
export type DeliveryFilter = z.infer<typeof deliveryFilterSchema>;

export const replaySchema = z.object({
  /** Default: the subscription's current URL, else the one it was created for. */
  url: z.string().url().optional(),
});
export type ReplayInput = z.infer<typeof replaySchema>;

export const setClockSchema = z.object({ now: unixSeconds });
export const advanceClockSchema = z.object({ seconds: z.number().int().min(0).max(366 * 86_400) });

/** An inbox app request as Intercom sends one when a teammate opens (or acts in) a conversation. */
export const canvasInitializeSchema = z.object({
  /** The inbox app's initialize (or submit) URL. */
  url: z.string().url(),
  conversationId: z.string(),
  /** The teammate viewing the conversation (default the workspace's first admin). */
  adminId: z.string().optional(),
  /** Signs as this OAuth app, installed in the workspace, instead of the workspace's private app. */
  clientId: z.string().optional(),
  /** Signs with this instead of the app's client secret (to send a wrong signature). */
  secret: z.string().optional(),
  /** Builds and signs the request without sending it. */
  dryRun: z.boolean().optional(),
  timeoutMs: z.number().int().min(1).max(60_000).optional(),
});
export type CanvasInitializeInput = z.infer<typeof canvasInitializeSchema>;

export const canvasSubmitSchema = canvasInitializeSchema.extend({
  /** The component clicked (default `send`). */
  componentId: z.string().optional(),
  /** What the teammate entered, by component id. */
  inputValues: z.record(z.string(), z.unknown()).optional(),
  /** The canvas the teammate saw (the service's previous answer). */
  currentCanvas: z.unknown().optional(),
});
export type CanvasSubmitInput = z.infer<typeof canvasSubmitSchema>;
