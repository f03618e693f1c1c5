import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

/*
 * One backfill worker process of the benchmark: a Lambda container's worth of the contacts
 * backfill handler, fed the way AWS's SQS event source feeds a container (a batch of up to ten
 * records at a time, the records of a batch in parallel, failed records left for redelivery), so
 * its peak memory is what one container would need. bench/run.ts builds it (with the handler) as the
 * deployment builds the function and starts it with `fork` as Lambda starts the function (heap
 * limits, NODE_OPTIONS, AWS_LAMBDA_FUNCTION_MEMORY_SIZE). `{ stop: true }` on the IPC channel ends
 * it, and it answers with `{ peak, heapAfterGcBytes, cpuMs, handlerCpuMs, batches, failedRecords }`: its memory
 * usage when its RSS was highest (sampled every 20 ms), its heap after a full garbage collection,
 * the CPU time it used since it was ready (its modules loaded), and the part of it spent while the
 * handler ran (one poller: nothing else of this harness runs meanwhile but the memory sampler), which
 * is what a Lambda invocation would use; the rest is this stand-in for Lambda's SQS poller. Records
 * the handler reported failed (left for SQS to deliver again) are counted.
 */

const POLLERS = 1;
const BATCH_SIZE = 10;

let running = true;
let peak = process.memoryUsage();
let batches = 0;
let handlerCpuMs = 0;
let failedRecords = 0;
let cpuAtReady: NodeJS.CpuUsage | undefined;
// `memoryUsage.rss()` is cheap; the full breakdown (which walks the heap's spaces) only at a new peak.
const sampler = setInterval(() => {
  if (process.memoryUsage.rss() > peak.rss) peak = process.memoryUsage();
}, 20);

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'timebook-intercom-bench-contactsBackfill',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:timebook-intercom-bench-contactsBackfill',
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
    awsRequestId: randomUUID(),
    logGroupName: 'bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function poll(sqs: SQSClient, queueUrl: string, queueArn: string, handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) {
  while (running) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: BATCH_SIZE, WaitTimeSeconds: 0, AttributeNames: ['All'] }),
    );
    if (Messages.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      continue;
    }
    const event: SQSEvent = { Records: Messages.map((message) => record(message, queueArn)) };
    const before = process.cpuUsage();
    const response = await handler(event, lambdaContext());
    const { user, system } = process.cpuUsage(before);
    handlerCpuMs += (user + system) / 1000;
    batches += 1;
    const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    failedRecords += failed.size;
    const done = Messages.filter((message) => !failed.has(message.MessageId!));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
  }
}

function record(message: Message, queueArn: string): SQSEvent['Records'][number] {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

async function main(): Promise<void> {
  // Loaded after the environment is in place: the handler reads its configuration at first use.
  const { handler } = await import('../functions/queue/contacts-backfill');
  const sqs = new SQSClient({});
  const queueUrl = process.env.BACKFILL_QUEUE_URL!;
  const queueArn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
  const loops = Array.from({ length: POLLERS }, () => poll(sqs, queueUrl, queueArn, handler as never));
  process.on('message', async (message: { stop?: boolean }) => {
    if (!message.stop) return;
    running = false;
    await Promise.allSettled(loops);
    clearInterval(sampler);
    (globalThis as { gc?: () => void }).gc?.();
    const { user, system } = process.cpuUsage(cpuAtReady);
    process.send!({ peak, heapAfterGcBytes: process.memoryUsage().heapUsed, cpuMs: (user + system) / 1000, handlerCpuMs, batches, failedRecords }, () => process.exit(0));
  });
  cpuAtReady = process.cpuUsage();
  process.send!({ ready: true });
  await Promise.all(loops);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
