import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { groupsOf } from './groups-of';

/** How long a message may be hidden, as SQS allows: whole seconds from 1 to 900. */
export function sqsDelaySeconds(seconds: number): number {
  return Math.min(900, Math.max(1, Math.ceil(seconds)));
}

/** A message to queue, optionally hidden for `delaySeconds` (whole seconds from 1 to 900, as SQS allows). */
export interface Queued<M> {
  message: M;
  delaySeconds?: number;
}

/** Where work of one kind goes. */
export interface WorkQueue<M> {
  send(messages: Queued<M>[]): Promise<void>;
}

/** Thrown when SQS refuses some messages of a batch; the caller's retry sends them again. */
export class QueueSendError extends Error {
  override readonly name = 'QueueSendError';
}

/** An SQS queue of JSON messages, sent ten per request (SQS's batch limit). `what` names them in errors. */
export class SqsBatchQueue<M> implements WorkQueue<M> {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly what: string,
  ) {}

  async send(messages: Queued<M>[]): Promise<void> {
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
          throw new QueueSendError(`SQS refused ${Failed.length} ${this.what} message(s): ${Failed.map((f) => f.Code).join(', ')}`);
        }
      }),
    );
  }
}
