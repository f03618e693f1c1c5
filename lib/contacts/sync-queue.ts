import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';

/*
 * The contacts backfill queue carries two kinds of work, one page per message: a page of a
 * backfill partition, and a page of a workspace's incremental sync.
 */

const id = z.string().min(1).max(256);
const count = z.number().int().nonnegative();

/** Page `seq` of a backfill partition; where the page starts is the partition's checkpoint, not the message. */
export const backfillPageMessage = z.object({
  kind: z.literal('backfill-page'),
  workspaceId: id,
  runId: id,
  generation: count,
  partitionId: id,
  seq: count,
});
export type BackfillPageMessage = z.infer<typeof backfillPageMessage>;

/** The next pages of an incremental run: contacts updated at or after `since` (unix seconds). */
export const incrementalPageMessage = z.object({
  kind: z.literal('incremental-page'),
  workspaceId: id,
  since: count,
  /** When the run was scheduled; the watermark moves to this instant (less the search lag) when it ends. */
  startedAt: count,
  cursor: z.string().min(1).nullable(),
});
export type IncrementalPageMessage = z.infer<typeof incrementalPageMessage>;

export const syncMessageSchema = z.discriminatedUnion('kind', [backfillPageMessage, incrementalPageMessage]);
export type SyncMessage = z.infer<typeof syncMessageSchema>;

/** Work to queue, optionally hidden for `delaySeconds` (at most 900, SQS's limit). */
export interface QueuedSyncMessage {
  message: SyncMessage;
  delaySeconds?: number;
}

/** Where contact sync work goes. */
export interface SyncQueue {
  send(messages: QueuedSyncMessage[]): Promise<void>;
}

/** Thrown when SQS refuses some messages of a batch. */
export class SyncQueueError extends Error {
  override readonly name = 'SyncQueueError';
}

/** The contacts backfill queue on SQS, ten messages per request. */
export class SqsSyncQueue implements SyncQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(messages: QueuedSyncMessage[]): Promise<void> {
    const batches: QueuedSyncMessage[][] = [];
    for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
    await Promise.all(
      batches.map(async (batch) => {
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
          throw new SyncQueueError(`SQS refused ${Failed.length} contact sync message(s): ${Failed.map((f) => f.Code).join(', ')}`);
        }
      }),
    );
  }
}
