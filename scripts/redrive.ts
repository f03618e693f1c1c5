import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

/**
 * Moves every message of a dead-letter queue back to the queue it came from, with SQS's own
 * message move task, and reports progress until the task ends.
 *
 *   npx tsx scripts/redrive.ts --stage prod --queue events
 *   npx tsx scripts/redrive.ts --stage prod --queue contacts-backfill
 *   npx tsx scripts/redrive.ts --stage prod --queue write-back
 *
 * Uses the usual AWS credentials and region; locally, AWS_ENDPOINT_URL_SQS points it at the local SQS.
 */
async function main(): Promise<void> {
  const args = new Map<string, string>();
  for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
  const stage = args.get('stage');
  const queue = args.get('queue');
  if (!stage || !queue || !['events', 'contacts-backfill', 'write-back'].includes(queue)) {
    console.error('usage: npx tsx scripts/redrive.ts --stage <stage> --queue events|contacts-backfill|write-back');
    process.exit(2);
  }
  const sqs = new SQSClient({});
  const name = `timebook-intercom-${stage}-${queue}-dlq`;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }),
  );
  const waiting = Number(Attributes.ApproximateNumberOfMessages ?? 0);
  console.log(`${name}: ${waiting} message(s) waiting`);
  if (waiting === 0) return;
  const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: Attributes.QueueArn }));
  console.log(`Redrive started (task ${TaskHandle}); messages go back to the queue they failed on.`);
  for (;;) {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: Attributes.QueueArn, MaxResults: 1 }));
    const task = Results[0];
    console.log(`  ${task?.Status ?? 'UNKNOWN'}: ${task?.ApproximateNumberOfMessagesMoved ?? 0} moved`);
    if (!task || !['RUNNING', 'CANCELLING'].includes(task.Status ?? '')) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

main().catch((error: unknown) => {
  console.error(`Redrive failed: ${(error as Error).message}`);
  process.exit(1);
});
