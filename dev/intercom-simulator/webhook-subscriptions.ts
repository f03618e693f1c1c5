import type { SimulatorClock } from './clock';
import { ControlError } from './control-error';
import type { DeliveryFilter, DeliveryStatus, WebhookSubscriptionInput } from './control.schema';
import { attemptDelivery, validateWithHead, type DeliveryAttempt } from './webhook-delivery';
import { buildNotificationEnvelope, signNotification, type NotificationEnvelope } from './webhook-envelope';
import { buildWebhookItem } from './webhook-items';
import {
  afterResponse,
  classifyResponse,
  HEALTHY,
  INTERCOM_DELIVERY_RULES,
  nextAttemptAt,
  resumed,
  stateAt,
  type DeliveryRules,
  type SubscriptionHealth,
  type SubscriptionState,
} from './webhook-rules';
import type { Workspace, WorkspaceEvent } from './workspace';

/**
 * Webhook subscriptions as an Intercom app has them (FACTS §4.2): a workspace's private app hears
 * about its one workspace; an OAuth app has one URL and one topic list for every workspace it is
 * installed in. Every change made through the control API notifies the matching subscriptions by
 * itself, under Intercom's delivery rules (webhook-rules.ts), and every notification is kept in a
 * delivery log that tests read.
 */

/** Whose subscription: a workspace's private app, or an OAuth app by client id. */
export type AppRef = { type: 'private'; appId: string } | { type: 'oauth'; clientId: string };

/** Why a notification was never sent, or not retried. */
export type DropReason = 'paused' | 'disabled' | 'unsubscribed' | 'uninstalled';

export interface WebhookHost {
  clock: SimulatorClock;
  /** The client secret that signs the app's notifications now; null once the app is gone. */
  secretOf(app: AppRef): string | null;
  /** Whether the app hears about a workspace: its own for a private app, one it is installed in for an OAuth app. */
  receives(app: AppRef, appId: string): boolean;
}

interface Subscription {
  app: AppRef;
  url: string;
  topics: ReadonlySet<string>;
  shape: '1.x' | '2.x';
  apiVersion: string | null;
  rules: DeliveryRules;
  health: SubscriptionHealth;
  savedAt: number;
}

/** One attempt, with the simulated time it was made at and where it went. */
export interface TimedAttempt extends DeliveryAttempt {
  at: number;
  url: string;
}

interface DeliveryRecord {
  seq: number;
  app: AppRef;
  /** The workspace the notification is about (`app_id`). */
  appId: string;
  topic: string;
  conversationId: string | null;
  contactId: string | null;
  partIds: string[];
  tagId: string | null;
  /** As first sent; retries send it with `delivery_attempts` 2 and the first attempt's `first_sent_at`. */
  envelope: NotificationEnvelope;
  url: string;
  status: DeliveryStatus;
  droppedBecause: DropReason | null;
  attempts: TimedAttempt[];
  nextAttemptAt: number | null;
}

export interface SubscriptionSummary {
  app: AppRef;
  url: string;
  /** Always includes `ping`. */
  topics: string[];
  shape: '1.x' | '2.x';
  apiVersion: string | null;
  rules: DeliveryRules;
  state: SubscriptionState;
  pausedUntil: number | null;
  disabledAt: number | null;
  /** Consecutive error responses inside the pause window. */
  recentErrors: number;
  pendingRetries: number;
  savedAt: number;
}

export interface DeliverySummary {
  /** `dlv_<seq>`; `seq` orders deliveries by creation. */
  id: string;
  seq: number;
  app: AppRef;
  appId: string;
  topic: string;
  notificationId: string | null;
  conversationId: string | null;
  contactId: string | null;
  partIds: string[];
  tagId: string | null;
  /** The notification's `created_at`. */
  createdAt: number;
  url: string;
  /** `sending`: the first attempt is under way; `retrying`: it failed and the retry is due at `nextAttemptAt`. */
  status: DeliveryStatus;
  droppedBecause: DropReason | null;
  /** More than one attempt was made. */
  retried: boolean;
  attempts: TimedAttempt[];
  nextAttemptAt: number | null;
}

export interface DeliveryDetail extends DeliverySummary {
  envelope: NotificationEnvelope;
}

export interface DeliveryList {
  deliveries: DeliverySummary[];
  counts: Record<DeliveryStatus, number>;
}

const keyOf = (app: AppRef): string => (app.type === 'private' ? `private:${app.appId}` : `oauth:${app.clientId}`);

const appName = (app: AppRef): string => (app.type === 'private' ? `workspace ${app.appId}'s app` : `OAuth app ${app.clientId}`);

export class WebhookSubscriptions {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly deliveries: DeliveryRecord[] = [];
  private readonly pending = new Set<DeliveryRecord>();
  private lastSeq = 0;
  /** Clock moves run one at a time, so a retry never fires twice. */
  private moving: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: WebhookHost) {}

  // Subscriptions

  /** Saves (or replaces) the app's subscription once its URL answers HEAD with 2xx; a saved subscription is live. */
  async subscribe(app: AppRef, input: WebhookSubscriptionInput): Promise<SubscriptionSummary> {
    const rules = { ...INTERCOM_DELIVERY_RULES, ...input.rules };
    const refused = await validateWithHead(input.url, rules.timeoutMs);
    if (refused) throw new ControlError(400, 'url_not_validated', `Intercom validates the URL with HEAD: ${refused}`);
    const subscription: Subscription = {
      app,
      url: input.url,
      topics: new Set(input.topics),
      shape: input.shape ?? '2.x',
      apiVersion: input.apiVersion ?? null,
      rules,
      health: HEALTHY,
      savedAt: this.host.clock.now(),
    };
    this.subscriptions.set(keyOf(app), subscription);
    return this.summary(subscription);
  }

  /** Removes the app's subscription; its pending retries are dropped. */
  unsubscribe(app: AppRef): boolean {
    const key = keyOf(app);
    const existed = this.subscriptions.delete(key);
    for (const record of this.pending) if (keyOf(record.app) === key) this.drop(record, 'unsubscribed');
    return existed;
  }

  subscription(app: AppRef): SubscriptionSummary {
    const subscription = this.subscriptions.get(keyOf(app));
    if (!subscription) throw new ControlError(404, 'not_found', `${appName(app)} has no webhook subscription`);
    return this.summary(subscription);
  }

  // Notifying

  /**
   * Notifies every subscription that follows the workspace and the event's topic, one notification
   * after another, and answers once each first attempt has been answered. The items are built at
   * once, from the state the change left.
   */
  async publish(workspace: Workspace, events: readonly WorkspaceEvent[]): Promise<DeliverySummary[]> {
    const created: DeliveryRecord[] = [];
    for (const event of events) {
      for (const subscription of this.subscriptions.values()) {
        if (!subscription.topics.has(event.topic) || !this.host.receives(subscription.app, workspace.appId)) continue;
        const item = buildWebhookItem(workspace, {
          ...event,
          shape: subscription.shape,
          apiVersion: subscription.apiVersion ?? undefined,
        });
        const envelope = buildNotificationEnvelope({ appId: workspace.appId, topic: event.topic, item, createdAt: this.host.clock.now() });
        created.push(this.record(subscription, envelope, event));
      }
    }
    for (const record of created) await this.firstAttempt(record);
    return created.map((record) => this.deliverySummary(record));
  }

  /** Sends a ping through the app's subscription ("Ping is always subscribed to"). */
  async ping(app: AppRef, appId: string, message?: string): Promise<DeliverySummary> {
    const subscription = this.subscriptions.get(keyOf(app));
    if (!subscription) throw new ControlError(404, 'not_found', `${appName(app)} has no webhook subscription`);
    const item = { type: 'ping', message: message ?? 'something something interzen' };
    const envelope = buildNotificationEnvelope({ appId, topic: 'ping', item, createdAt: this.host.clock.now() });
    const record = this.record(subscription, envelope, {});
    await this.firstAttempt(record);
    return this.deliverySummary(record);
  }

  // The clock

  /** Moves the clock forward by `seconds`, firing each retry that falls due on the way at its own time. */
  advance(seconds: number): Promise<DeliverySummary[]> {
    return this.exclusive(() => this.moveTo(this.host.clock.now() + seconds));
  }

  /** Stops the clock at `at`; moving it forward fires the retries due on the way. */
  setClock(at: number): Promise<DeliverySummary[]> {
    return this.exclusive(() => this.moveTo(at));
  }

  /** Fires every retry due by now without moving the clock (for a clock that follows real time). */
  flush(): Promise<DeliverySummary[]> {
    return this.exclusive(async () => {
      const fired: DeliveryRecord[] = [];
      for (let record = this.nextDue(this.host.clock.now()); record; record = this.nextDue(this.host.clock.now())) {
        fired.push(record);
        await this.retry(record);
      }
      return fired.map((record) => this.deliverySummary(record));
    });
  }

  get pendingRetries(): number {
    return this.pending.size;
  }

  // The delivery log

  list(filter: DeliveryFilter): DeliveryList {
    const matches = this.deliveries.filter((record) => {
      if (filter.appId !== undefined && record.appId !== filter.appId) return false;
      if (filter.clientId !== undefined && (record.app.type !== 'oauth' || record.app.clientId !== filter.clientId)) return false;
      if (filter.appType !== undefined && record.app.type !== filter.appType) return false;
      if (filter.status !== undefined && record.status !== filter.status) return false;
      if (filter.topic !== undefined && record.topic !== filter.topic) return false;
      if (filter.conversationId !== undefined && record.conversationId !== filter.conversationId) return false;
      if (filter.contactId !== undefined && record.contactId !== filter.contactId) return false;
      return filter.after === undefined || record.seq > filter.after;
    });
    const counts: Record<DeliveryStatus, number> = { sending: 0, sent: 0, retrying: 0, failed: 0, dropped: 0 };
    for (const record of matches) counts[record.status] += 1;
    return { deliveries: matches.map((record) => this.deliverySummary(record)), counts };
  }

  delivery(id: string): DeliveryDetail {
    const record = this.find(id);
    return { ...this.deliverySummary(record), envelope: record.envelope };
  }

  /** Forgets every finished delivery; pending retries stay. */
  clearLog(): void {
    const keep = this.deliveries.filter((record) => this.pending.has(record));
    this.deliveries.splice(0, this.deliveries.length, ...keep);
  }

  /**
   * Sends a logged notification again, exactly as first built (same id and item), signed with the
   * app's current secret: a late delivery. It changes neither the log nor the subscription's health.
   */
  async replay(id: string, url?: string): Promise<DeliveryAttempt> {
    const record = this.find(id);
    const secret = this.host.secretOf(record.app);
    if (secret === null) throw new ControlError(409, 'conflict', `${appName(record.app)} no longer exists`);
    const subscription = this.subscriptions.get(keyOf(record.app));
    const target = url ?? subscription?.url ?? record.url;
    return attemptDelivery(target, signNotification(record.envelope, secret), record.envelope.delivery_attempts, subscription?.rules.timeoutMs);
  }

  // Internals

  private record(subscription: Subscription, envelope: NotificationEnvelope, event: Partial<WorkspaceEvent>): DeliveryRecord {
    const record: DeliveryRecord = {
      seq: ++this.lastSeq,
      app: subscription.app,
      appId: envelope.app_id,
      topic: envelope.topic,
      conversationId: event.conversationId ?? null,
      contactId: event.contactId ?? null,
      partIds: [...(event.partIds ?? [])],
      tagId: event.tagId ?? null,
      envelope,
      url: subscription.url,
      status: 'sending',
      droppedBecause: null,
      attempts: [],
      nextAttemptAt: null,
    };
    this.deliveries.push(record);
    return record;
  }

  private async firstAttempt(record: DeliveryRecord): Promise<void> {
    const subscription = this.admitting(record);
    if (subscription) await this.attempt(record, subscription);
  }

  private async retry(record: DeliveryRecord): Promise<void> {
    this.pending.delete(record);
    record.nextAttemptAt = null;
    const subscription = this.admitting(record);
    if (subscription) await this.attempt(record, subscription);
  }

  /** The subscription that may send the record now, or null once the record is dropped. */
  private admitting(record: DeliveryRecord): Subscription | null {
    const subscription = this.subscriptions.get(keyOf(record.app));
    if (!subscription) return this.drop(record, 'unsubscribed');
    if (!this.host.receives(record.app, record.appId)) return this.drop(record, 'uninstalled');
    const now = this.host.clock.now();
    subscription.health = resumed(subscription.health, now);
    const state = stateAt(subscription.health, now);
    if (state !== 'live') return this.drop(record, state);
    return subscription;
  }

  private async attempt(record: DeliveryRecord, subscription: Subscription): Promise<void> {
    const secret = this.host.secretOf(record.app);
    if (secret === null) {
      this.drop(record, 'unsubscribed');
      return;
    }
    const number = record.attempts.length + 1;
    const at = this.host.clock.now();
    const first = record.attempts[0];
    const envelope = first ? { ...record.envelope, delivery_attempts: number, first_sent_at: first.at } : record.envelope;
    const result = await attemptDelivery(subscription.url, signNotification(envelope, secret), number, subscription.rules.timeoutMs);
    record.attempts.push({ ...result, at, url: subscription.url });

    const answeredAt = this.host.clock.now();
    const kind = classifyResponse(result.status);
    // A subscription saved again meanwhile starts with a clean slate.
    const current = this.subscriptions.get(keyOf(record.app)) === subscription;
    if (current) subscription.health = afterResponse(subscription.health, kind, answeredAt, subscription.rules);
    if (kind === 'success') {
      record.status = 'sent';
    } else {
      const next = nextAttemptAt(number, kind, answeredAt, subscription.rules);
      if (next === null) {
        record.status = 'failed';
      } else {
        record.status = 'retrying';
        record.nextAttemptAt = next;
        this.pending.add(record);
      }
    }
    // 410 disables the subscription: nothing more is sent, retries included.
    if (current && subscription.health.disabledAt !== null) {
      const key = keyOf(subscription.app);
      for (const waiting of this.pending) if (keyOf(waiting.app) === key) this.drop(waiting, 'disabled');
    }
  }

  private drop(record: DeliveryRecord, reason: DropReason): null {
    this.pending.delete(record);
    record.status = 'dropped';
    record.droppedBecause = reason;
    record.nextAttemptAt = null;
    return null;
  }

  /** The earliest pending retry due at or before `at` (ties by creation). */
  private nextDue(at: number): DeliveryRecord | undefined {
    let next: DeliveryRecord | undefined;
    for (const record of this.pending) {
      const due = record.nextAttemptAt as number;
      if (due > at) continue;
      if (!next || due < (next.nextAttemptAt as number) || (due === next.nextAttemptAt && record.seq < next.seq)) next = record;
    }
    return next;
  }

  private async moveTo(target: number): Promise<DeliverySummary[]> {
    const { clock } = this.host;
    const fired: DeliveryRecord[] = [];
    for (let record = this.nextDue(target); record; record = this.nextDue(target)) {
      clock.set(Math.max(clock.now(), record.nextAttemptAt as number));
      fired.push(record);
      await this.retry(record);
    }
    clock.set(target);
    return fired.map((record) => this.deliverySummary(record));
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.moving.then(run);
    this.moving = result.catch(() => undefined);
    return result;
  }

  private find(id: string): DeliveryRecord {
    const seq = /^dlv_(\d+)$/.exec(id)?.[1];
    const record = seq === undefined ? undefined : this.deliveries.find((candidate) => candidate.seq === Number(seq));
    if (!record) throw new ControlError(404, 'not_found', `Unknown delivery ${id}`);
    return record;
  }

  private summary(subscription: Subscription): SubscriptionSummary {
    const now = this.host.clock.now();
    const health = resumed(subscription.health, now);
    const key = keyOf(subscription.app);
    return {
      app: subscription.app,
      url: subscription.url,
      topics: ['ping', ...[...subscription.topics].filter((topic) => topic !== 'ping').sort()],
      shape: subscription.shape,
      apiVersion: subscription.apiVersion,
      rules: { ...subscription.rules },
      state: stateAt(health, now),
      pausedUntil: health.pausedUntil,
      disabledAt: health.disabledAt,
      recentErrors: health.errorTimes.length,
      pendingRetries: [...this.pending].filter((record) => keyOf(record.app) === key).length,
      savedAt: subscription.savedAt,
    };
  }

  private deliverySummary(record: DeliveryRecord): DeliverySummary {
    return {
      id: `dlv_${record.seq}`,
      seq: record.seq,
      app: record.app,
      appId: record.appId,
      topic: record.topic,
      notificationId: record.envelope.id,
      conversationId: record.conversationId,
      contactId: record.contactId,
      partIds: [...record.partIds],
      tagId: record.tagId,
      createdAt: record.envelope.created_at,
      url: record.url,
      status: record.status,
      droppedBecause: record.droppedBecause,
      retried: record.attempts.length > 1,
      attempts: record.attempts.map((attempt) => ({ ...attempt })),
      nextAttemptAt: record.nextAttemptAt,
    };
  }
}
