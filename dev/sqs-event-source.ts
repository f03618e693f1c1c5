import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { groupsOf } from '../lib/platform/groups-of';
import { sleep } from './processes';

export interface EventSourceMapping {
  functionName: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  /** Parallel pollers, as Lambda scales consumers of one queue. */
  concurrency: number;
  /**
   * The queue's visibility timeout. While an invocation runs, its records are kept hidden for this
   * long again every half of it, so a record is never handed to a second invocation while the first
   * still works on it: in AWS the visibility timeout is six times the function's timeout, and here
   * it is capped at seconds so that a failed record comes back quickly.
   */
  visibilityTimeoutSeconds?: number;
}

/*
 * How long an idle poller waits between two empty receives, at most. AWS's pollers long-poll, so a
 * message that arrives at an idle queue is handed over at once; the local SQS answers a long poll
 * for more than one message only at its end, so these poll instead. The first poller of each queue
 * keeps the wait short (it sets what one webhook waits at idle); the others, which only add
 * throughput under load, back off further, so that idle queues cost little CPU.
 */
const FIRST_POLLER_IDLE_MS = 50;
const OTHER_POLLERS_IDLE_MS = 1_000;

/**
 * Feeds SQS messages to Lambda functions the way AWS's event source mapping does, for the local
 * stack: receive a batch, invoke the function with an `aws:sqs` event through serverless-offline's
 * Lambda Invoke API, delete the records it did not report in `batchItemFailures`, and leave the
 * others (or the whole batch, if the function threw) to reappear after the visibility timeout
 * and, past `maxReceiveCount`, to move to the dead-letter queue.
 *
 * Written here because serverless-offline-sqs deletes every record of a batch once the handler
 * returns, ignoring `batchItemFailures`, which would silently drop failed records.
 */
export class SqsEventSource {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly lambdaEndpoint: string,
    private readonly mappings: EventSourceMapping[],
    private readonly region: string,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    this.running = true;
    for (const mapping of this.mappings) {
      for (let i = 0; i < mapping.concurrency; i += 1) this.loops.push(this.poll(mapping, i === 0 ? FIRST_POLLER_IDLE_MS : OTHER_POLLERS_IDLE_MS));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private async poll(mapping: EventSourceMapping, maxIdleMs: number): Promise<void> {
    let idleMs = 20;
    while (this.running) {
      try {
        const { Messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: mapping.queueUrl,
            MaxNumberOfMessages: mapping.batchSize,
            // Long polls wait their full time here when asked for more than one message.
            WaitTimeSeconds: 0,
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) {
          await sleep(idleMs);
          idleMs = Math.min(idleMs * 2, maxIdleMs);
          continue;
        }
        idleMs = 20;
        await this.deliver(mapping, Messages);
      } catch (error) {
        if (!this.running) return;
        this.onError(`SQS poller for ${mapping.functionName}: ${(error as Error).message}`);
        await sleep(1_000);
      }
    }
  }

  private async deliver(mapping: EventSourceMapping, messages: Message[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((message) => toRecord(message, mapping.queueArn, this.region)) };
    const visibility = mapping.visibilityTimeoutSeconds;
    const heartbeat = visibility
      ? setInterval(() => void this.keepHidden(mapping.queueUrl, messages, visibility), (visibility * 1000) / 2)
      : undefined;
    let response: Response;
    let payload: string;
    try {
      response = await fetch(`${this.lambdaEndpoint}/2015-03-31/functions/${encodeURIComponent(mapping.functionName)}/invocations`, {
        method: 'POST',
        body: JSON.stringify(event),
      });
      payload = await response.text();
    } finally {
      clearInterval(heartbeat);
    }
    if (!response.ok || response.headers.get('x-amz-function-error')) {
      this.onError(`${mapping.functionName} failed a batch of ${messages.length}; it will be retried`);
      return;
    }
    const failed = new Set(
      ((JSON.parse(payload || 'null') as { batchItemFailures?: { itemIdentifier: string }[] } | null)
        ?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier),
    );
    const done = messages.filter((message) => !failed.has(message.MessageId!));
    for (const batch of groupsOf(done, 10)) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: mapping.queueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
          })),
        }),
      );
    }
  }

  /**
   * Hides in-flight records for another visibility timeout; a failure only means SQS may show them sooner.
   * In SQS a visibility change is not a receive: only ReceiveMessage adds to ApproximateReceiveCount,
   * which the redrive policy's maxReceiveCount is compared with, so keeping a record hidden costs it
   * none of its retries. local-aws-sqs counted every change as a receive until patched
   * (patches/README.md); unpatched, an invocation of 10 s or more used up a record's five receives.
   * In AWS nothing renews: the queue hides a record for six times the function's timeout.
   */
  private async keepHidden(queueUrl: string, messages: Message[], visibilityTimeoutSeconds: number): Promise<void> {
    try {
      for (const batch of groupsOf(messages, 10)) {
        await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle!,
              VisibilityTimeout: visibilityTimeoutSeconds,
            })),
          }),
        );
      }
    } catch (error) {
      if (this.running) this.onError(`Could not extend the visibility of a batch in flight: ${(error as Error).message}`);
    }
  }
}

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          stringValue: value.StringValue,
          binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
          stringListValues: value.StringListValues ?? [],
          binaryListValues: [],
          dataType: value.DataType ?? 'String',
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
