import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { SimulatorClient } from '../dev/intercom-simulator';
import { connectWithToken } from '../lib/connect/connect-token';
import { toQueuedEvent, type QueuedEvent } from '../lib/events/queued-event';
import { putProductFeedback } from '../lib/feedback/manage-feedback';
import { notificationSchema } from '../lib/intercom/notification.schema';
import { dynamoClient } from '../lib/platform/aws-clients';
import { dependencies } from '../lib/platform/dependencies';
import { lambdaContext } from './lambda-context';
import { referenceWorker } from './events-reference';

/*
 * Child process of `npm run bench`: the events worker's handler (functions/queue/webhook-events.ts)
 * against a reference that makes the same DynamoDB and Intercom calls with no framework
 * (events-reference.ts), both fed the same kind of SQS batches, alternately, in this one process,
 * on the benchmark's DynamoDB Local, SQS, Secrets Manager stand-in and simulator. Each side has its
 * own Timebook workspace and Intercom workspace, so each side's Intercom calls are the simulator's
 * count for its workspace. Measured: this process's CPU time (process.cpuUsage, user + system)
 * while a side handles a batch of ten, per event, the median over the batches (a garbage
 * collection or a stall of the machine falls on one batch, not on the figure), for two kinds of
 * event: a trigger tag that makes a ticket, and a reply on a conversation that has one. BENCH_EVENTS_PROFILE=<file> records a CPU
 * profile of the measured batches alone.
 */

const EVENTS = Number(process.env.BENCH_EVENTS_PER_KIND ?? 150);
const BATCH = 10;

export type Side = 'worker' | 'reference';
export type Kind = 'tag' | 'reply';

export interface SideResult {
  events: number;
  /** Median over the measured batches of the batch's CPU time (user + system) per event. */
  cpuMsPerEvent: number;
  /** The same for user time alone (the process's own code; system time is mostly loopback socket writes). */
  userCpuMsPerEvent: number;
  /** DynamoDB requests by operation (X-Amz-Target), for all events of the kind. */
  dynamodb: Record<string, number>;
  /** Intercom requests by route, as the simulator counted them. */
  intercom: Record<string, number>;
}

export type EventsResult = Record<Kind, Record<Side, SideResult>>;

/** Counts every DynamoDB request the process sends, by operation, into `counts.current`. */
/** With BENCH_EVENTS_TRACE set, each side's DynamoDB operations in order, printed for its first batch. */
const trace: string[] = [];

function countDynamoRequests(): { current: Record<string, number> } {
  const counts = { current: {} as Record<string, number> };
  dynamoClient().middlewareStack.add(
    (next) => async (args) => {
      const target = String((args.request as { headers?: Record<string, string> }).headers?.['x-amz-target'] ?? 'unknown');
      const operation = target.split('.').pop()!;
      counts.current[operation] = (counts.current[operation] ?? 0) + 1;
      if (process.env.BENCH_EVENTS_TRACE) trace.push(operation);
      return next(args);
    },
    { step: 'build', name: 'benchRequestCount' },
  );
  return counts;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function record(event: QueuedEvent, index: number): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: `bench-${event.notification.id}-${index}`,
    receiptHandle: `bench-${index}`,
    body: JSON.stringify(event),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'bench', ApproximateFirstReceiveTimestamp: now },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:events',
    awsRegion: 'us-east-1',
  };
}

function batchesOf(events: QueuedEvent[]): SQSEvent[] {
  const batches: SQSEvent[] = [];
  for (let start = 0; start < events.length; start += BATCH) {
    batches.push({ Records: events.slice(start, start + BATCH).map((event, offset) => record(event, start + offset)) });
  }
  return batches;
}

async function main(): Promise<void> {
  const deps = dependencies();
  const simulator = new SimulatorClient(deps.config.INTERCOM_API_BASE_URL);
  const { handler } = await import('../functions/queue/webhook-events');
  const reference = referenceWorker(deps.config);
  const context = { ...lambdaContext('eventsWorker'), getRemainingTimeInMillis: () => 70_000 };
  const counts = countDynamoRequests();

  // One workspace per side, each with a product whose trigger tag is "Feature request".
  const sides = {} as Record<Side, { appId: string; workspaceId: string; tagId: string; conversations: string[]; run: (batch: SQSEvent) => Promise<unknown> }>;
  for (const side of ['worker', 'reference'] as const) {
    const workspaceId = `bench_events_${side}_${process.pid}`;
    const intercom = await simulator.createWorkspace({});
    const { tags } = await simulator.createTags(intercom.appId, { names: ['Feature request'] });
    const admin = { sub: 'bench', workspaceIds: [workspaceId] };
    await connectWithToken(deps, { workspaceId, accessToken: intercom.accessToken, admin });
    await putProductFeedback(deps, { workspaceId, productId: 'bench', enabled: true, triggerTagIds: [tags[0]!.id] });
    const { conversations } = await simulator.seedConversations(intercom.appId, { count: EVENTS + BATCH, seed: 7, partsPerConversation: 6 });
    const run = side === 'worker' ? (batch: SQSEvent) => handler(batch, context) : (batch: SQSEvent) => reference(batch);
    sides[side] = { appId: intercom.appId, workspaceId, tagId: tags[0]!.id, conversations: conversations.map((c) => c.id), run };
  }

  const queued = async (side: Side, body: string) =>
    toQueuedEvent(sides[side].workspaceId, new Date(), notificationSchema().parse(JSON.parse(body)));
  const tagEvents = async (side: Side) => {
    const { appId, tagId, conversations } = sides[side];
    const events: QueuedEvent[] = [];
    for (const conversationId of conversations) {
      const applied = await simulator.tagConversation(appId, conversationId, { tagId });
      const built = await simulator.buildWebhook({ appId, topic: 'conversation_part.tag.created', conversationId, tagId, partIds: [applied.partId] });
      events.push(await queued(side, built.body));
    }
    return events;
  };
  const replyEvents = async (side: Side) => {
    const { appId, conversations } = sides[side];
    const events: QueuedEvent[] = [];
    for (const conversationId of conversations) {
      const { part } = await simulator.addPart(appId, conversationId, { kind: 'user_reply' });
      const built = await simulator.buildWebhook({ appId, topic: 'conversation.user.replied', conversationId, partIds: [part.id] });
      events.push(await queued(side, built.body));
    }
    return events;
  };

  const result = {} as EventsResult;
  const profile = await profileTo(process.env.BENCH_EVENTS_PROFILE);
  for (const kind of ['tag', 'reply'] as const) {
    const batches = {} as Record<Side, SQSEvent[]>;
    for (const side of ['worker', 'reference'] as const) {
      batches[side] = batchesOf(kind === 'tag' ? await tagEvents(side) : await replyEvents(side));
    }
    const fresh = () => ({ cpuMs: [] as number[], userMs: [] as number[], events: 0, dynamodb: {} as Record<string, number> });
    const totals = { worker: fresh(), reference: fresh() };
    for (let index = 0; index < batches.worker.length; index += 1) {
      // The first batch of each side warms it up and is not counted; then the sides alternate.
      const order: Side[] = index % 2 === 0 ? ['worker', 'reference'] : ['reference', 'worker'];
      for (const side of order) {
        const batch = batches[side][index]!;
        if (index > 0) counts.current = totals[side].dynamodb;
        else counts.current = {};
        trace.length = 0;
        const started = process.cpuUsage();
        const outcome = (await sides[side].run(batch)) as { batchItemFailures?: unknown[] };
        const used = process.cpuUsage(started);
        if (outcome.batchItemFailures?.length) throw new Error(`${side}: ${outcome.batchItemFailures.length} records of a ${kind} batch failed`);
        if (index === 0) {
          if (process.env.BENCH_EVENTS_TRACE) console.error(side, kind, JSON.stringify(counts.current), trace.slice(0, 40).join(' '));
          await simulator.resetStats(sides[side].appId);
          continue;
        }
        totals[side].cpuMs.push((used.user + used.system) / 1000 / batch.Records.length);
        totals[side].userMs.push(used.user / 1000 / batch.Records.length);
        totals[side].events += batch.Records.length;
      }
    }
    result[kind] = {} as Record<Side, SideResult>;
    for (const side of ['worker', 'reference'] as const) {
      const stats = await simulator.getStats(sides[side].appId);
      result[kind][side] = {
        events: totals[side].events,
        cpuMsPerEvent: median(totals[side].cpuMs),
        userCpuMsPerEvent: median(totals[side].userMs),
        dynamodb: totals[side].dynamodb,
        intercom: Object.fromEntries(Object.entries(stats.byRoute).map(([route, entry]) => [route, entry.count])),
      };
    }
  }
  await profile.stop();
  process.send!(result);
}

/**
 * With a file name, records a V8 CPU profile of the measured batches only (setup left out) into it,
 * for `node --cpu-prof`-style summaries; otherwise nothing.
 */
async function profileTo(file: string | undefined): Promise<{ stop(): Promise<void> }> {
  if (!file) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((resolve, reject) => session.post(method, (error, value) => (error ? reject(error) : resolve(value))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
