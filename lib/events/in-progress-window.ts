import type { Context } from 'aws-lambda';

/**
 * The Lambda context the idempotency layer takes its in-progress window from.
 *
 * Powertools marks a notification in progress for the rest of the invocation and completes the
 * mark once the record is applied (or removes it when the record fails). When DynamoDB throttles
 * that completion or removal past the SDK's retries, the mark stays in progress for the rest of
 * the invocation's time, and every delivery of the message meanwhile fails as "already in
 * progress". In AWS no delivery comes that soon: a Lambda event source needs the queue's
 * visibility timeout to be at least the function's timeout. Where it is shorter
 * (`visibilityTimeoutSeconds`, the local stack's capped queues), the window ends when SQS hands
 * the batch out again, so the next delivery applies the record instead of using up its receives
 * and landing in the dead-letter queue. A record applied twice changes nothing: every write is
 * conditional.
 */
export function inProgressWindow(context: Context, visibilityTimeoutSeconds: number | undefined, now: () => number = Date.now): Context {
  if (visibilityTimeoutSeconds === undefined) return context;
  // The batch was received just before this invocation began; SQS hands it out again from then on.
  const redeliveryAt = now() + visibilityTimeoutSeconds * 1000;
  // Never 0: Powertools takes 0 for "unknown" and leaves the record in progress without end.
  return { ...context, getRemainingTimeInMillis: () => Math.max(1, Math.min(context.getRemainingTimeInMillis(), redeliveryAt - now())) };
}
