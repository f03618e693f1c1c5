import * as z from 'zod';
import { appliedTagsFromPayload } from '../feedback/applied-tags';
import { conversationSchema, firstMessage, partsOf } from '../intercom/conversation.schema';
import { notificationSchema, type Notification } from '../intercom/notification.schema';
import { lazy } from '../platform/lazy';
import { FEEDBACK_TOPICS } from './topics';

/*
 * What the webhook intake puts on the events queue. A queued message lives up to 14 days in the
 * queue or its dead-letter queue, so a conversation topic carries ids and times only, never text:
 * the worker reads the conversation from Intercom, and only for conversations that have tickets.
 * A redrive therefore cannot bring back a message redacted meanwhile, and a conversation that never
 * becomes a ticket leaves no text in SQS. Contact topics keep their item: it is the contact as
 * stored anyway (contact sync mirrors it).
 */

const schemas = lazy(() => {
  const unixSeconds = z.number().int().nonnegative();

  const queuedNotification = z.strictObject({
    id: z.string().min(1).nullable(),
    topic: z.string().min(1),
    app_id: z.string().min(1),
    created_at: unixSeconds,
    delivery_attempts: z.number().int().nonnegative().optional(),
    first_sent_at: unixSeconds.optional(),
  });

  const common = {
    workspaceId: z.string().min(1),
    receivedAt: z.iso.datetime(),
    notification: queuedNotification,
    /** How many times the worker put it back to wait for a rate-limit window (lib/events/defer-event.ts). */
    deferrals: z.number().int().positive().optional(),
  };

  const conversationEventSchema = z
    .strictObject({
      kind: z.literal('conversation'),
      ...common,
      conversationId: z.string().min(1),
      /**
       * `conversation_part.tag.created`: the tags it applied and when (`applied_at`, else the
       * notification's time); null when the payload names none and the worker must look.
       */
      appliedTags: z.array(z.strictObject({ id: z.string().min(1), appliedAt: z.number().nonnegative() })).nullable().optional(),
      /** `conversation_part.redacted`: the redacted parts, and the first message's id when it was redacted. */
      redacted: z.strictObject({ partIds: z.array(z.string().min(1)), sourceId: z.string().min(1).nullable() }).optional(),
    })
    .refine((event) => event.notification.topic !== 'conversation_part.tag.created' || event.appliedTags !== undefined, {
      message: 'A tag notification carries its applied tags (or null)',
      path: ['appliedTags'],
    })
    .refine((event) => event.notification.topic !== 'conversation_part.redacted' || event.redacted !== undefined, {
      message: 'A redaction notification carries its redacted parts',
      path: ['redacted'],
    });

  const contactEventSchema = z.strictObject({
    kind: z.literal('contact'),
    ...common,
    /** The notification's `data.item`. */
    item: z.looseObject({ type: z.string().optional() }).nullable(),
  });

  const queuedEvent = z.discriminatedUnion('kind', [conversationEventSchema, contactEventSchema]);

  /**
   * Versions before this one queued the whole verified envelope, text included. A message of that
   * form still in the events queue at a deploy, or redriven from the dead-letter queue (kept 14
   * days), is read as the ids and times it carries, and its text is not used. Remove once no queue
   * can hold a message that old.
   */
  const legacyEvent = z.object({ workspaceId: z.string().min(1), receivedAt: z.iso.datetime(), notification: notificationSchema() });
  return { queuedNotification, queuedEvent, legacyEvent };
});

/** The envelope's ids and times (`id` is null only on ping, which is never queued). */
export const queuedNotificationSchema = () => schemas().queuedNotification;
/** What the events queue carries: a conversation or a contact event. */
export const queuedEventSchema = () => schemas().queuedEvent;

export type QueuedEvent = z.infer<ReturnType<typeof queuedEventSchema>>;
export type ConversationEvent = Extract<QueuedEvent, { kind: 'conversation' }>;
export type ContactEvent = Extract<QueuedEvent, { kind: 'contact' }>;

const FEEDBACK: ReadonlySet<string> = new Set(FEEDBACK_TOPICS);

/** Why a notification cannot be queued: its item is not what its topic sends. */
export class UnqueueableNotificationError extends Error {
  override readonly name = 'UnqueueableNotificationError';
}

/**
 * The queued form of a verified notification of a supported topic: for conversation topics the
 * conversation id and, by topic, the applied tags or the redacted part ids, read from the item
 * (every listed part of a redaction counts, as 1.x payloads carry no `redacted` flag).
 */
export function toQueuedEvent(workspaceId: string, receivedAt: Date, notification: Notification): QueuedEvent {
  const envelope = {
    id: notification.id,
    topic: notification.topic,
    app_id: notification.app_id,
    created_at: notification.created_at,
    ...(Number.isInteger(notification.delivery_attempts) ? { delivery_attempts: notification.delivery_attempts as number } : {}),
    ...(Number.isInteger(notification.first_sent_at) ? { first_sent_at: notification.first_sent_at as number } : {}),
  };
  const common = { workspaceId, receivedAt: receivedAt.toISOString(), notification: envelope };
  if (!FEEDBACK.has(notification.topic)) return { kind: 'contact', ...common, item: notification.data.item };

  const item = conversationSchema().safeParse(notification.data.item);
  if (!item.success) throw new UnqueueableNotificationError('The notification\u2019s item is not a conversation');
  const conversation = item.data;
  const event: ConversationEvent = { kind: 'conversation', ...common, conversationId: conversation.id };
  if (notification.topic === 'conversation_part.tag.created') {
    event.appliedTags = appliedTagsFromPayload(conversation, notification.created_at) ?? null;
  }
  if (notification.topic === 'conversation_part.redacted') {
    const source = firstMessage(conversation);
    event.redacted = { partIds: partsOf(conversation).map((part) => part.id), sourceId: source?.redacted ? source.id : null };
  }
  const queued = queuedEventSchema().safeParse(event);
  if (!queued.success) throw new UnqueueableNotificationError('The notification\u2019s item has ids or times of another kind');
  return queued.data;
}

/** A queued message's event: the current form, or the former whole envelope reduced to it. */
export function parseQueuedEvent(body: unknown): z.ZodSafeParseResult<QueuedEvent> {
  const parsed = queuedEventSchema().safeParse(body);
  if (parsed.success) return parsed;
  const legacy = schemas().legacyEvent.safeParse(body);
  if (!legacy.success) return parsed;
  try {
    return { success: true, data: toQueuedEvent(legacy.data.workspaceId, new Date(legacy.data.receivedAt), legacy.data.notification) };
  } catch (error) {
    if (error instanceof UnqueueableNotificationError) return parsed;
    throw error;
  }
}
