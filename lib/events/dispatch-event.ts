import type { QueuedEvent } from './queued-event';

/** Applies one notification of one topic family. Throws to have the record retried. */
export type TopicHandler = (event: QueuedEvent) => Promise<void>;

export type TopicRegistry = Readonly<Record<string, TopicHandler>>;

export type DispatchOutcome = 'handled' | 'ignored';

/**
 * Routes a queued notification to the handler registered for its topic.
 * An unregistered topic is acknowledged (`ignored`), never retried: Intercom may send topics
 * this service does not use, and retrying them could only fill the dead-letter queue.
 */
export async function dispatchEvent(registry: TopicRegistry, event: QueuedEvent): Promise<DispatchOutcome> {
  const handler = registry[event.notification.topic];
  if (!handler) return 'ignored';
  await handler(event);
  return 'handled';
}
