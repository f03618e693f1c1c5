import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { toQueuedEvent, UnqueueableNotificationError, type QueuedEvent } from '../events/queued-event';
import { SUPPORTED_TOPICS } from '../events/topics';
import { notificationSchema } from '../intercom/notification.schema';
import { isValidWebhookSignature } from '../intercom/webhook-signature';
import type { Dependencies } from '../platform/dependencies';
import { BadRequestError, ForbiddenError, HttpError, NotFoundError, PayloadTooLargeError, refusedFields, UnauthorizedError } from '../platform/errors';
import { logger } from '../platform/logger';
import { countDroppedEvent } from '../platform/metrics';
import { secretNames } from '../platform/secret-store';

/** SQS takes 256 KiB per message; the envelope and workspace id must fit beside the body. */
export const MAX_WEBHOOK_BYTES = 240 * 1024;

/**
 * Intercom retries a failed delivery within minutes and holds deliveries back at most a few hours;
 * a notification older than this is a replay, refused without being queued.
 */
export const MAX_NOTIFICATION_AGE_SECONDS = 3 * 24 * 3600;

export type WebhookTarget = { kind: 'token'; webhookKey: string } | { kind: 'oauth' };

export type WebhookOutcome =
  | { kind: 'ping' }
  | { kind: 'ignored'; workspaceId: string; topic: string }
  | { kind: 'dropped'; workspaceId: string; topic: string }
  | { kind: 'queued'; workspaceId: string; topic: string };

/**
 * Receives one Intercom notification.
 * Steps: bound the size; find the secret for the URL (the workspace's client secret, or Timebook's
 * app secret); verify `X-Hub-Signature` over the raw bytes; parse the envelope; check that its
 * `app_id` belongs to the URL's workspace; refuse replays of old notifications; answer a ping;
 * enqueue the topics the worker applies, as ids and times only for conversation topics
 * (`toQueuedEvent`). Other topics are acknowledged but not queued: answering them with an error would
 * make Intercom pause the whole subscription. A conversation topic whose item is not a conversation
 * can never be applied: it is logged with its notification id, counted as a dropped event and
 * acknowledged, as the worker did when it found it. Never answers 410.
 */
export async function receiveWebhook(
  deps: Pick<Dependencies, 'config' | 'connections' | 'secrets' | 'sqs' | 'clock'>,
  input: { target: WebhookTarget; body: Buffer; signature: string | undefined },
): Promise<WebhookOutcome> {
  if (input.body.length > MAX_WEBHOOK_BYTES) throw new PayloadTooLargeError(MAX_WEBHOOK_BYTES);

  let workspaceId: string | undefined;
  let expectedAppId: string | undefined;
  let secret;
  if (input.target.kind === 'token') {
    const route = await deps.connections.getWebhookRoute(input.target.webhookKey);
    if (!route) throw new NotFoundError('No webhook is registered at this address.', 'webhook_not_found');
    ({ workspaceId, appId: expectedAppId } = route);
    secret = await deps.secrets.get(secretNames.webhookSecret(deps.config.SECRETS_PREFIX, route.workspaceId, route.connectionId), {
      version: route.secretVersion,
    });
  } else {
    secret = await deps.secrets.get(deps.config.INTERCOM_CLIENT_SECRET_NAME);
  }
  if (!secret || !isValidWebhookSignature(input.body, input.signature, secret.value)) {
    throw new UnauthorizedError('The X-Hub-Signature header does not match the body.', 'invalid_signature');
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(input.body.toString('utf8'));
  } catch {
    throw new BadRequestError('The body is not valid JSON.', {}, 'invalid_json');
  }
  const envelope = notificationSchema().safeParse(parsed);
  if (!envelope.success) {
    const fields = refusedFields(envelope.error);
    throw new BadRequestError(`Not an Intercom notification: check ${fields.join(', ')}.`, { fields }, 'invalid_notification');
  }
  const notification = envelope.data;

  if (input.target.kind === 'oauth') {
    const route = await deps.connections.getAppRoute(notification.app_id);
    if (!route) throw new NotFoundError('No workspace is connected to this Intercom app.', 'webhook_not_found');
    workspaceId = route.workspaceId;
  } else if (notification.app_id !== expectedAppId) {
    throw new ForbiddenError('This notification is from another Intercom workspace than this URL belongs to.', 'app_id_mismatch');
  }
  if (notification.topic === 'ping') return { kind: 'ping' };
  if (notification.created_at < Math.floor(deps.clock().getTime() / 1000) - MAX_NOTIFICATION_AGE_SECONDS) {
    throw new BadRequestError('This notification is too old to be applied; it looks like a replay.', {}, 'stale_notification');
  }
  if (!SUPPORTED_TOPICS.has(notification.topic)) return { kind: 'ignored', workspaceId: workspaceId!, topic: notification.topic };

  let event: QueuedEvent;
  try {
    event = toQueuedEvent(workspaceId!, deps.clock(), notification);
  } catch (error) {
    if (!(error instanceof UnqueueableNotificationError)) throw error;
    logger.warn('Webhook event dropped: its item is not what the topic sends, so it is not queued', {
      reason: 'malformed',
      workspaceId,
      topic: notification.topic,
      notificationId: notification.id,
    });
    countDroppedEvent('malformed');
    return { kind: 'dropped', workspaceId: workspaceId!, topic: notification.topic };
  }
  try {
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.config.EVENTS_QUEUE_URL, MessageBody: JSON.stringify(event) }));
  } catch (error) {
    logger.error('Could not enqueue a webhook notification', { error: error as Error, workspaceId, topic: notification.topic });
    // A 500 makes Intercom deliver it again.
    throw new HttpError(500, 'enqueue_failed', 'The notification could not be queued; Intercom will retry.');
  }
  return { kind: 'queued', workspaceId: workspaceId!, topic: notification.topic };
}
