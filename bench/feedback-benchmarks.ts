import { benchChild } from './bench-child';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { mintAdminJwt } from '../dev/admin-jwt';
import { apiClient } from '../dev/api-client';
import { SimulatorClient } from '../dev/intercom-simulator';
import { localSettings } from '../dev/local-settings';
import { sleep } from '../dev/processes';
import { freePorts, startStack } from '../dev/stack';
import { ticketIdFor } from '../lib/feedback/ticket';
import type { BenchServices } from './bench-services';
import type { EventsResult } from './events-worker';

/** Node options that write a child's V8 CPU profile into `dir` (none without one). */
const profiling = (dir: string | undefined) => (dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []);

export interface IntakeResult {
  rounds: number;
  intakeMedianMs: number;
  referenceMedianMs: number;
}

/**
 * The intake handler's warm time per webhook over a reference handler that makes the same network
 * calls (the route's GetItem, one SendMessage) around the HMAC, medians of the same run (target <= 1.3).
 */
export function runIntakeBenchmark(services: BenchServices, options: { cpuProfileDir?: string } = {}): Promise<IntakeResult> {
  return benchChild('intake-handler.ts', { ...services.env, PUBLIC_BASE_URL: 'http://localhost:3000', POWERTOOLS_LOG_LEVEL: 'SILENT' }, profiling(options.cpuProfileDir));
}

export interface LatencyResult {
  events: number;
  p50Ms: number;
  p99Ms: number;
  eventsPerSecond: number;
}

export interface IdleLatencyResult {
  events: number;
  p50Ms: number;
  p99Ms: number;
  /** Medians of the parts of a latency: the intake's response as the simulator saw it, then queue and worker until the ticket. */
  intakeP50Ms: number;
  queueAndWorkerP50Ms: number;
}

export interface WebhookLatencyResults {
  burst: LatencyResult;
  idle: IdleLatencyResult;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The function log's JSON lines written since the last call. */
function logTail(file: string): () => Array<Record<string, unknown>> {
  let offset = 0;
  let partial = '';
  return () => {
    const fd = openSync(file, 'r');
    const chunks: Buffer[] = [];
    try {
      const buffer = Buffer.alloc(1 << 16);
      for (let read = readSync(fd, buffer, 0, buffer.length, offset); read > 0; read = readSync(fd, buffer, 0, buffer.length, offset)) {
        chunks.push(Buffer.from(buffer.subarray(0, read)));
        offset += read;
      }
    } finally {
      closeSync(fd);
    }
    const lines = (partial + Buffer.concat(chunks).toString('utf8')).split('\n');
    partial = lines.pop()!;
    return lines.flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  };
}

/**
 * Webhook-to-ticket latency through the whole local stack (serverless-offline, SQS, DynamoDB Local),
 * at idle and in a burst. Each ticket's latency runs from the start of its webhook's delivery to the
 * worker's "Feedback ticket created" log line. At idle, `idleEvents` tag webhooks go one after
 * another, each once the previous one's ticket exists; then `events` more are delivered 10 at a time.
 */
export async function runWebhookLatencyBenchmark(events: number, idleEvents = 50): Promise<WebhookLatencyResults> {
  const settings = localSettings({});
  const logFile = join(__dirname, '..', '.local', `bench-functions-${process.pid}.log`);
  const stack = await startStack({ ...settings, ports: await freePorts(), functionLog: { file: logFile }, maxVisibilityTimeoutSeconds: 30 });
  try {
    const api = apiClient(stack.apiUrl);
    const simulator = new SimulatorClient(stack.intercomApiUrl);
    const workspaceId = 'bench_latency';
    const token = await mintAdminJwt(settings.adminJwtSecret, { sub: 'bench', workspaceIds: [workspaceId], audience: settings.adminJwtAudience });
    const intercom = await simulator.createWorkspace({});
    const { tags } = await simulator.createTags(intercom.appId, { names: ['Feature request'] });
    const tagId = tags[0]!.id;
    const base = `/v1/workspaces/${workspaceId}`;
    await api('POST', `${base}/intercom/token`, { token, body: { accessToken: intercom.accessToken } });
    const { body: secret } = await api('PUT', `${base}/intercom/webhook-secret`, { token, body: { clientSecret: intercom.clientSecret } });
    await api('PUT', `${base}/products/bench/intercom-feedback`, { token, body: { enabled: true, triggerTagIds: [tagId] } });
    const { conversations: seeded } = await simulator.seedConversations(intercom.appId, { count: idleEvents + events, seed: 11, partsPerConversation: 4 });
    const applied = new Map<string, { partId: string }>();
    for (const conversation of seeded) {
      applied.set(conversation.id, await simulator.tagConversation(intercom.appId, conversation.id, { tagId }));
    }
    // Warm the functions on the path once, outside the measurement.
    await api('GET', `${base}/products/bench/feedback`, { token });
    const deliver = (conversationId: string) =>
      simulator.deliverWebhook({
        appId: intercom.appId,
        url: secret.webhookUrl,
        topic: 'conversation_part.tag.created',
        conversationId,
        tagId,
        partIds: [applied.get(conversationId)!.partId],
        timeoutMs: 30_000,
      });

    const idle = await idleLatencies(seeded.slice(0, idleEvents), {
      deliver,
      ticketIdOf: (conversationId) => ticketIdFor(workspaceId, 'bench', conversationId),
      log: logTail(logFile),
    });

    const conversations = seeded.slice(idleEvents);
    const sentAt = new Map<string, number>();
    const queue = [...conversations];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          sentAt.set(ticketIdFor(workspaceId, 'bench', next.id), Date.now());
          await deliver(next.id);
        }
      }),
    );
    const createdAt = new Map<string, number>();
    const deadline = Date.now() + 10 * 60_000;
    while (createdAt.size < events && Date.now() < deadline) {
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        if (!line.includes('"Feedback ticket created"')) continue;
        const entry = JSON.parse(line) as { ticketId: string; timestamp: string };
        if (sentAt.has(entry.ticketId)) createdAt.set(entry.ticketId, Date.parse(entry.timestamp));
      }
      await sleep(500);
    }
    const latencies = [...createdAt].map(([ticketId, at]) => at - sentAt.get(ticketId)!).sort((a, b) => a - b);
    const first = Math.min(...sentAt.values());
    const last = Math.max(...createdAt.values());
    const burst = {
      events: createdAt.size,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      eventsPerSecond: createdAt.size / ((last - first) / 1000),
    };
    return { burst, idle };
  } finally {
    await stack.stop();
  }
}

/**
 * The events worker's CPU time per event over a reference that makes the same DynamoDB and
 * Intercom calls with no framework (bench/events-worker.ts), for a tag that makes a ticket and a
 * reply on a ticketed conversation.
 */
export function runEventsWorkerBenchmark(services: BenchServices, options: { cpuProfileDir?: string } = {}): Promise<EventsResult> {
  return benchChild('events-worker.ts', { ...services.env, PUBLIC_BASE_URL: 'http://localhost:3000', POWERTOOLS_LOG_LEVEL: 'SILENT' }, profiling(options.cpuProfileDir));
}

/**
 * Tag webhooks one at a time: each is delivered once the previous one's ticket is in the function
 * log, so every one meets an idle queue and idle pollers, as a quiet workspace's tags do.
 */
async function idleLatencies(
  conversations: Array<{ id: string }>,
  io: { deliver: (conversationId: string) => Promise<unknown>; ticketIdOf: (conversationId: string) => string; log: () => Array<Record<string, unknown>> },
): Promise<IdleLatencyResult> {
  const latencies: number[] = [];
  const intake: number[] = [];
  const rest: number[] = [];
  io.log(); // skip what the stack logged before
  for (const conversation of conversations) {
    const ticketId = io.ticketIdOf(conversation.id);
    const sentAt = Date.now();
    await io.deliver(conversation.id);
    intake.push(Date.now() - sentAt);
    let queuedAt: number | undefined;
    let createdAt: number | undefined;
    const deadline = Date.now() + 60_000;
    while (createdAt === undefined && Date.now() < deadline) {
      for (const entry of io.log()) {
        if (entry.message === 'Webhook queued') queuedAt = Date.parse(String(entry.timestamp));
        if (entry.message === 'Feedback ticket created' && entry.ticketId === ticketId) createdAt = Date.parse(String(entry.timestamp));
      }
      if (createdAt === undefined) await sleep(10);
    }
    if (createdAt === undefined) throw new Error(`No ticket for conversation ${conversation.id} within a minute`);
    latencies.push(createdAt - sentAt);
    if (queuedAt !== undefined) rest.push(createdAt - queuedAt);
  }
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  return {
    events: latencies.length,
    p50Ms: percentile(sorted(latencies), 50),
    p99Ms: percentile(sorted(latencies), 99),
    intakeP50Ms: percentile(sorted(intake), 50),
    queueAndWorkerP50Ms: rest.length ? percentile(sorted(rest), 50) : Number.NaN,
  };
}
