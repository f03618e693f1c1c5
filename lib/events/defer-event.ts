import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { deferralSeconds } from '../contacts/rate-budget';
import type { IntercomRateLimitError } from '../intercom/errors';
import type { Dependencies } from '../platform/dependencies';
import type { QueuedEvent } from './queued-event';

/**
 * How many times one notification is put back for a rate limit before it is left to SQS's own
 * retries (and, after the redrive policy's count, the dead-letter queue): windows are 10 to 60 s,
 * so this waits out several minutes of a workspace's spent budget.
 */
export const MAX_RATE_LIMIT_DEFERRALS = 30;

/** Intercom enforces its per-minute limit in ten-second windows; used when a 429 carries no reset time. */
const WINDOW_SECONDS = 10;

/**
 * Puts a notification whose Intercom call found the workspace's rate budget spent (or got a 429)
 * back on the events queue, hidden until the window resets, as the contact backfill does with its
 * pages. A rate limit ends at a known time, so waiting for it must not spend the record's SQS
 * receives: five of them at the visibility timeout would park in the dead-letter queue a record
 * that only had to wait a minute. False once the notification was deferred too often.
 */
export async function deferRateLimited(
  deps: Pick<Dependencies, 'sqs' | 'config' | 'clock'>,
  event: QueuedEvent,
  error: IntercomRateLimitError,
): Promise<{ delaySeconds: number } | undefined> {
  const deferrals = event.deferrals ?? 0;
  if (deferrals >= MAX_RATE_LIMIT_DEFERRALS) return undefined;
  const nowSeconds = Math.floor(deps.clock().getTime() / 1000);
  const resetAt = error.resetAt ? Math.ceil(error.resetAt.getTime() / 1000) : nowSeconds + WINDOW_SECONDS;
  const delaySeconds = deferralSeconds(resetAt, nowSeconds);
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.config.EVENTS_QUEUE_URL,
      MessageBody: JSON.stringify({ ...event, deferrals: deferrals + 1 }),
      DelaySeconds: delaySeconds,
    }),
  );
  return { delaySeconds };
}
