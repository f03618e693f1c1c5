import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'intake-handler.ts'), [], {
      execArgv: ['--import', 'tsx', ...profiling(options.cpuProfileDir)],
      env: { ...process.env, ...services.env, PUBLIC_BASE_URL: 'http://localhost:3000', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      stdio: 'inherit',
    });
    child.once('message', (message) => resolve(message as IntakeResult));
    child.once('exit', (code) => reject(new Error(`the intake benchmark exited with code ${code}`)));
  });
}

export interface LatencyResult {
  events: number;
  p50Ms: number;
  p99Ms: number;
  eventsPerSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Webhook-to-ticket latency through the whole local stack (serverless-offline, SQS, DynamoDB Local):
 * `events` conversations are tagged and their tag webhooks delivered, 10 at a time; each ticket's
 * latency runs from the start of its delivery to the worker's "Feedback ticket created" log line.
 */
export async function runWebhookLatencyBenchmark(events: number): Promise<LatencyResult> {
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
    const { conversations } = await simulator.seedConversations(intercom.appId, { count: events, seed: 11, partsPerConversation: 4 });
    const applied = new Map<string, { partId: string }>();
    for (const conversation of conversations) {
      applied.set(conversation.id, await simulator.tagConversation(intercom.appId, conversation.id, { tagId }));
    }
    // Warm the functions on the path once, outside the measurement.
    await api('GET', `${base}/products/bench/feedback`, { token });

    const sentAt = new Map<string, number>();
    const queue = [...conversations];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          sentAt.set(ticketIdFor(workspaceId, 'bench', next.id), Date.now());
          await simulator.deliverWebhook({
            appId: intercom.appId,
            url: secret.webhookUrl,
            topic: 'conversation_part.tag.created',
            conversationId: next.id,
            tagId,
            partIds: [applied.get(next.id)!.partId],
            timeoutMs: 30_000,
          });
        }
      }),
    );
    const createdAt = new Map<string, number>();
    const deadline = Date.now() + 10 * 60_000;
    while (createdAt.size < events && Date.now() < deadline) {
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        if (!line.includes('"Feedback ticket created"')) continue;
        const entry = JSON.parse(line) as { ticketId: string; timestamp: string };
        createdAt.set(entry.ticketId, Date.parse(entry.timestamp));
      }
      await sleep(500);
    }
    const latencies = [...createdAt].map(([ticketId, at]) => at - sentAt.get(ticketId)!).sort((a, b) => a - b);
    const first = Math.min(...sentAt.values());
    const last = Math.max(...createdAt.values());
    return {
      events: createdAt.size,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      eventsPerSecond: createdAt.size / ((last - first) / 1000),
    };
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
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'events-worker.ts'), [], {
      execArgv: ['--import', 'tsx', ...profiling(options.cpuProfileDir)],
      env: { ...process.env, ...services.env, PUBLIC_BASE_URL: 'http://localhost:3000', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      stdio: 'inherit',
    });
    child.once('message', (message) => resolve(message as EventsResult));
    child.once('exit', (code) => reject(new Error(`the events worker benchmark exited with code ${code}`)));
  });
}
