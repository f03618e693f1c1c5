import { z } from 'zod';
import { notificationSchema } from '../intercom/notification.schema';

/** What the webhook intake puts on the events queue: the verified notification and its workspace. */
export const queuedEventSchema = z.object({
  workspaceId: z.string().min(1),
  receivedAt: z.iso.datetime(),
  notification: notificationSchema,
});

export type QueuedEvent = z.infer<typeof queuedEventSchema>;
