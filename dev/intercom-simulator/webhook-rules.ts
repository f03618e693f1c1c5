/**
 * Intercom's webhook delivery rules as pure functions (FACTS §4.5): a notification that fails
 * (no 2xx within the timeout) is retried once a minute later, then dropped; 410 disables the
 * subscription; more than 1,000 consecutive error responses within 15 minutes pause it for 15
 * minutes, and what happens meanwhile is never sent. Times are unix seconds.
 */

export interface DeliveryRules {
  /** An answer slower than this is a failure (Intercom: 5 s). */
  timeoutMs: number;
  /** When the one retry follows a failed first attempt (Intercom: 1 minute). */
  retryAfterSeconds: number;
  /** More consecutive errors than this within `pauseWindowSeconds` pause the subscription (Intercom: 1,000). */
  pauseAfterErrors: number;
  /** Intercom: 15 minutes. */
  pauseWindowSeconds: number;
  /** How long a pause lasts (Intercom: 15 minutes). */
  pauseSeconds: number;
}

export const INTERCOM_DELIVERY_RULES: Readonly<DeliveryRules> = Object.freeze({
  timeoutMs: 5000,
  retryAfterSeconds: 60,
  pauseAfterErrors: 1000,
  pauseWindowSeconds: 900,
  pauseSeconds: 900,
});

/** Intercom attempts a notification at most this often. */
export const MAX_ATTEMPTS = 2;

/** What one answer means: 2xx success, 410 disables the subscription, anything else (timeouts too) is an error. */
export type ResponseKind = 'success' | 'gone' | 'error';

export function classifyResponse(status: number | null): ResponseKind {
  if (status !== null && status >= 200 && status < 300) return 'success';
  if (status === 410) return 'gone';
  return 'error';
}

/** A subscription's delivery health. */
export interface SubscriptionHealth {
  /** Times of the current run of consecutive error responses that fall inside the pause window. */
  errorTimes: readonly number[];
  pausedUntil: number | null;
  disabledAt: number | null;
}

export const HEALTHY: SubscriptionHealth = Object.freeze({ errorTimes: [], pausedUntil: null, disabledAt: null });

export type SubscriptionState = 'live' | 'paused' | 'disabled';

export function stateAt(health: SubscriptionHealth, at: number): SubscriptionState {
  if (health.disabledAt !== null) return 'disabled';
  if (health.pausedUntil !== null && at < health.pausedUntil) return 'paused';
  return 'live';
}

/** The health once a pause that has run out is over: live, with a fresh error count. */
export function resumed(health: SubscriptionHealth, at: number): SubscriptionHealth {
  if (health.pausedUntil === null || at < health.pausedUntil) return health;
  return { ...health, errorTimes: [], pausedUntil: null };
}

/** The health after an answer received at `at`. */
export function afterResponse(health: SubscriptionHealth, kind: ResponseKind, at: number, rules: DeliveryRules): SubscriptionHealth {
  const current = resumed(health, at);
  if (kind === 'success') return { ...current, errorTimes: [] };
  if (kind === 'gone') return { ...current, errorTimes: [], disabledAt: at };
  const errorTimes = [...current.errorTimes, at].filter((time) => time > at - rules.pauseWindowSeconds);
  if (errorTimes.length > rules.pauseAfterErrors) return { ...current, errorTimes: [], pausedUntil: at + rules.pauseSeconds };
  return { ...current, errorTimes };
}

/** When a notification whose attempt `attempt` failed at `at` is tried again, or null when it is dropped as failed. */
export function nextAttemptAt(attempt: number, kind: ResponseKind, at: number, rules: DeliveryRules): number | null {
  if (kind !== 'error' || attempt >= MAX_ATTEMPTS) return null;
  return at + rules.retryAfterSeconds;
}
