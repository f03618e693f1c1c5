import * as z from 'zod';
import { lazy } from '../platform/lazy';

/**
 * Intercom's webhook envelope (`notification_event`). Lenient: unknown fields pass. Strict only on
 * what routing needs: the workspace (`app_id`), the topic and the time.
 */
export const notificationSchema = lazy(() =>
  z.looseObject({
    type: z.literal('notification_event'),
    app_id: z.string().min(1),
    id: z.string().min(1).nullable(),
    topic: z.string().min(1),
    created_at: z.number().int().nonnegative(),
    data: z.looseObject({
      item: z.looseObject({ type: z.string().optional() }).nullable(),
    }),
  }),
);

export type Notification = z.infer<ReturnType<typeof notificationSchema>>;
