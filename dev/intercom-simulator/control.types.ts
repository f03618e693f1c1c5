import type { DropAnswerRule, FailNextRule, FaultSettings } from './fault-injector';
import type { Permission } from './permissions';
import type { RateLimitSettings } from './rate-limiter';
import type { Region } from './regions';
import type { HostStats, StatsSnapshot } from './request-stats';
import type { NotificationEnvelope } from './webhook-envelope';
import type { DeliveryAttempt } from './webhook-delivery';
import type {
  AppRef,
  DeliveryDetail,
  DeliveryList,
  DeliverySummary,
  DropReason,
  SubscriptionSummary,
  TimedAttempt,
} from './webhook-subscriptions';
import type { DeliveryRules, SubscriptionState } from './webhook-rules';

/** Response bodies of the control API (`/_sim/...`). */

export interface AdminSummary {
  id: string;
  name: string;
  email: string;
}

export interface TagSummary {
  id: string;
  name: string;
}

export interface WorkspaceSummary {
  appId: string;
  name: string;
  region: Region;
  strictRegion: boolean;
  timezone: string;
  createdAt: number;
  clientSecret: string;
  missingPermissionStyle: 'token_unauthorized' | 'forbidden';
  apiVersion: string;
  tagTouchesUpdatedAt: boolean;
  redactTouchesUpdatedAt: boolean;
  admins: AdminSummary[];
  /** The Fin/Operator bot that authors bot replies. */
  botId: string;
  counts: { contacts: number; conversations: number; tags: number };
  rateLimit: RateLimitSettings;
}

export interface CreatedWorkspace extends WorkspaceSummary {
  /** A token with the permissions asked for (default all). */
  accessToken: string;
}

export interface TokenSummary {
  token: string;
  appId: string;
  kind: 'access' | 'oauth';
  permissions: Permission[];
  adminId: string;
  clientId: string | null;
  revoked: boolean;
}

export interface SeedContactsResult {
  created: number;
  total: number;
  firstId: string | null;
  lastId: string | null;
}

export interface PartSummary {
  id: string;
  partType: string;
  authorType: string;
  authorId: string;
  body: string | null;
  redacted: boolean;
  tagIds: string[];
  createdAt: number;
}

export interface ConversationSummary {
  id: string;
  sourceId: string;
  contactIds: string[];
  createdAt: number;
  updatedAt: number;
  title: string | null;
  state: string;
  tagIds: string[];
  parts: PartSummary[];
}

export interface AddPartResult {
  part: PartSummary;
  /** The webhook topic Intercom sends for this part, if any. */
  topic: string | null;
}

export interface AppliedTag {
  id: string;
  name: string;
  appliedAt: number;
  appliedBy: { type: string; id: string };
  partId: string;
}

export interface FaultSnapshot {
  settings: FaultSettings;
  failNext: FailNextRule[];
  dropAnswer: DropAnswerRule[];
}

export interface OAuthClientSummary {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  name: string;
}

export interface BuiltWebhook {
  envelope: NotificationEnvelope;
  /** The exact bytes sent and signed. */
  body: string;
  headers: Record<string, string>;
}

export interface DeliverResult extends BuiltWebhook {
  url: string;
  deliveries: DeliveryAttempt[];
}

export interface DeliverBatchResult {
  /** In the order sent. */
  results: DeliverResult[];
}

export interface ClockSummary {
  /** The simulator's time, unix seconds. */
  now: number;
  /** Set or advanced: it moves only through the control API until released. */
  frozen: boolean;
  pendingRetries: number;
  /** The retries this call fired, each at its own due time. */
  fired: DeliverySummary[];
}

export interface InstallationsSummary {
  appIds: string[];
}

export type {
  AppRef,
  DeliveryAttempt,
  DeliveryDetail,
  DeliveryList,
  DeliveryRules,
  DeliverySummary,
  DropReason,
  HostStats,
  NotificationEnvelope,
  RateLimitSettings,
  StatsSnapshot,
  SubscriptionState,
  SubscriptionSummary,
  TimedAttempt,
};
