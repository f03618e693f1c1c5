import { createHmac, randomUUID } from 'node:crypto';

/**
 * Intercom's webhook notification envelope and signature, as pure functions: a test can build and
 * sign a payload without a simulator.
 */

/** The `notification_event` wrapper around `data.item`. */
export interface NotificationEnvelope {
  type: 'notification_event';
  app_id: string;
  data: { type: 'notification_event_data'; item: Record<string, unknown> };
  links: Record<string, never>;
  /** `notif_<uuid>`; null for ping. */
  id: string | null;
  topic: string;
  /** `pending`; null for ping. */
  delivery_status: string | null;
  delivery_attempts: number;
  delivered_at: number;
  first_sent_at: number;
  created_at: number;
  self: null;
}

export interface EnvelopeInput {
  appId: string;
  topic: string;
  item: Record<string, unknown>;
  /** Default `notif_<uuid>`; always null for ping. */
  id?: string | null;
  /** Default now. */
  createdAt?: number;
  /** Default `createdAt`. */
  firstSentAt?: number;
  deliveryAttempts?: number;
}

/** A fresh notification id in Intercom's form. */
export function newNotificationId(): string {
  return `notif_${randomUUID()}`;
}

/** Builds the envelope with the field order of Intercom's captured notifications. */
export function buildNotificationEnvelope(input: EnvelopeInput): NotificationEnvelope {
  const ping = input.topic === 'ping';
  const createdAt = input.createdAt ?? Math.floor(Date.now() / 1000);
  return {
    type: 'notification_event',
    app_id: input.appId,
    data: { type: 'notification_event_data', item: input.item },
    links: {},
    id: ping ? null : input.id === undefined ? newNotificationId() : input.id,
    topic: input.topic,
    delivery_status: ping ? null : 'pending',
    delivery_attempts: input.deliveryAttempts ?? 1,
    delivered_at: 0,
    first_sent_at: input.firstSentAt ?? createdAt,
    created_at: createdAt,
    self: null,
  };
}

/** The `X-Hub-Signature` value: `sha1=` and the hex HMAC-SHA1 of the raw body bytes. */
export function signWebhookBody(body: string | Uint8Array, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

/** The headers Intercom sends with a notification. */
export function webhookHeaders(body: string | Uint8Array, secret: string): Record<string, string> {
  return {
    'User-Agent': 'intercom-parrot-service-client/1.0',
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'X-Hub-Signature': signWebhookBody(body, secret),
  };
}

/** A ready-to-send notification: the envelope, its exact body bytes and headers. */
export interface SignedNotification {
  envelope: NotificationEnvelope;
  body: string;
  headers: Record<string, string>;
}

/** Serializes and signs an envelope. */
export function signNotification(envelope: NotificationEnvelope, secret: string): SignedNotification {
  const body = JSON.stringify(envelope);
  return { envelope, body, headers: webhookHeaders(body, secret) };
}
