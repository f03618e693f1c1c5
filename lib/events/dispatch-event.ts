import { logger } from '../platform/logger';
import { permanentReason, type DropReason } from './event-failures';
import type { QueuedEvent } from './queued-event';

/** Applies one notification of one topic family. Throws to have the record retried. */
export type TopicHandler = (event: QueuedEvent) => Promise<void>;

export type TopicRegistry = Readonly<Record<string, TopicHandler>>;

/** `dropped:<reason>`: a permanent failure, acknowledged without being applied (`DropReason`). */
export type DispatchOutcome = 'handled' | 'ignored' | `dropped:${DropReason}`;

/**
 * Routes a queued notification to the handler registered for its topic.
 * An unregistered topic is acknowledged (`ignored`), never retried: Intercom may send topics
 * this service does not use, and retrying them could only fill the dead-letter queue.
 * A permanent failure is acknowledged too (`dropped:<reason>`); a transient one is thrown, for SQS
 * to retry and, after the redrive policy's count, park in the dead-letter queue.
 */
export async function dispatchEvent(registry: TopicRegistry, event: QueuedEvent): Promise<DispatchOutcome> {
  const handler = registry[event.notification.topic];
  if (!handler) return 'ignored';
  try {
    await handler(event);
    return 'handled';
  } catch (error) {
    const reason = permanentReason(error);
    if (!reason) throw error;
    logger.warn('Webhook event dropped: the failure is permanent, so it is not retried', { reason, error: error as Error });
    return `dropped:${reason}`;
  }
}

/** The reason of a `dropped:<reason>` outcome, else undefined. */
export function droppedReason(outcome: DispatchOutcome): DropReason | undefined {
  return outcome.startsWith('dropped:') ? (outcome.slice('dropped:'.length) as DropReason) : undefined;
}
