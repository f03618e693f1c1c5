import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { groupsOf } from '../platform/groups-of';

/*
 * The feedback catch-up queue: one message carries one workspace's run from where it stands, and
 * the worker queues the next when its invocation's time runs short or the rate budget is spent.
 * A message holds ids and positions only, never conversation text.
 */

const id = z.string().min(1).max(256);
const seconds = z.number().int().nonnegative();

export const catchupMessageSchema = z.object({
  kind: z.literal('feedback-catchup'),
  workspaceId: id,
  /** The run holding the workspace's lease. */
  runId: id,
  /** Unix seconds: when the run was scheduled; the watermark moves here once it is done. */
  startedAt: seconds,
  /** Unix seconds: the watermark the run reads from. */
  since: seconds,
  /** `updated`: conversations updated since; `counts`: the tag counts; `sweep`: every tagged conversation; `verify`: re-reading tickets. */
  phase: z.enum(['updated', 'counts', 'sweep', 'verify']),
  /** Intercom's cursor of the current search page; null for the first. */
  cursor: z.string().min(1).nullable(),
  /** The last conversation of the current page already handled, by the search's sort key. */
  after: z.object({ sortValue: z.number(), id }).nullable(),
  /** When the run sweeps: Intercom's count per trigger tag (the tags it sweeps), read before it began, and what it covers. */
  sweep: z.object({ counts: z.record(z.string(), seconds), fingerprint: z.string() }).nullable(),
  /** In the `verify` phase: the conversations still to re-read. */
  verify: z.array(id).nullable(),
});
export type CatchupMessage = z.infer<typeof catchupMessageSchema>;

/** Parses a catch-up queue message; throws on anything this service did not queue. */
export function parseCatchupMessage(body: string): CatchupMessage {
  return catchupMessageSchema.parse(JSON.parse(body));
}

export interface QueuedCatchupMessage {
  message: CatchupMessage;
  /** Whole seconds from 1 to 900, as SQS allows. */
  delaySeconds?: number;
}

/** Where catch-up runs go. */
export interface CatchupQueue {
  send(messages: QueuedCatchupMessage[]): Promise<void>;
}

/** Thrown when SQS refuses some messages of a batch. */
export class CatchupQueueError extends Error {
  override readonly name = 'CatchupQueueError';
}

/** The feedback catch-up queue on SQS, ten messages per request. */
export class SqsCatchupQueue implements CatchupQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(messages: QueuedCatchupMessage[]): Promise<void> {
    await Promise.all(
      groupsOf(messages, 10).map(async (batch) => {
        const { Failed = [] } = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((entry, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify(entry.message),
              DelaySeconds: entry.delaySeconds,
            })),
          }),
        );
        if (Failed.length > 0) {
          throw new CatchupQueueError(`SQS refused ${Failed.length} catch-up message(s): ${Failed.map((f) => f.Code).join(', ')}`);
        }
      }),
    );
  }
}
