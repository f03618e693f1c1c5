import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { SimulatorClient } from '../dev/intercom-simulator';
import { sleep } from '../dev/processes';
import type { Dependencies } from '../lib/platform/dependencies';
import { keys } from '../lib/store/keys';
import { startBenchServices, type BenchServices } from './bench-services';
import { startCpuMeter } from './cpu-time';

/*
 * `npm run bench`: the contact backfill benchmark (issue 5). Every figure is reported beside its
 * target; none fails the run. Options: --contacts N (default 100000), --small N (default 10000),
 * --latency-ms N (default 150).
 *   (a) backfill time over the read bound: the same simulator paged with the same partition plan
 *       and concurrency, nothing written, in the same run (target <= 1.5)
 *   (b) with simulated Intercom latency, a single sequential `GET /contacts` cursor (reading only)
 *       over the parallel backfill (target >= 4)
 *   (c) peak RSS of the backfill worker process at --small and --contacts contacts (target: within 1.2x)
 */

const BENCH_DIR = __dirname;
/** Worker processes, each a Lambda container taking batches of ten (the local stack runs four pollers too). */
const WORKERS = 4;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  return value;
}

const children = new Set<ChildProcess>();

function tracked(proc: ChildProcess): ChildProcess {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

/** A benchmark script run from its TypeScript source. */
function child(script: string, env: Record<string, string>): ChildProcess {
  return tracked(fork(join(BENCH_DIR, script), [], { execArgv: ['--import', 'tsx', '--expose-gc'], env: { ...process.env, ...env }, stdio: 'inherit' }));
}

function nextMessage<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`benchmark child exited with code ${code}`));
    proc.once('exit', onExit);
    proc.once('message', (message) => {
      proc.off('exit', onExit);
      resolve(message as T);
    });
  });
}

interface Workspace {
  appId: string;
  accessToken: string;
  timezone: string;
}

async function seededWorkspace(simulator: SimulatorClient, count: number, seed: number): Promise<Workspace> {
  // Intercom's default limit (10,000 a minute, enforced per 10 s) stays in force.
  const workspace = await simulator.createWorkspace({ timezone: 'Europe/Berlin' });
  for (let done = 0; done < count; done += 50_000) {
    await simulator.seedContacts(workspace.appId, { count: Math.min(50_000, count - done), seed: seed + done, leadRatio: 0.3 });
  }
  return { appId: workspace.appId, accessToken: workspace.accessToken, timezone: 'Europe/Berlin' };
}

async function readAll(services: BenchServices, workspace: Workspace, mode: 'parallel' | 'sequential') {
  const reader = child('raw-reader.ts', { ...services.env, BENCH_TOKEN: workspace.accessToken, BENCH_MODE: mode, BENCH_TZ: workspace.timezone });
  return nextMessage<{ contacts: number; pages: number; ms: number }>(reader);
}

async function storedContacts(deps: Dependencies, workspaceId: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.table.client.send(
      new QueryCommand({
        TableName: deps.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.contacts(workspaceId).pk },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/**
 * The V8 heap limits AWS Lambda's Node.js runtime starts a function with, from its memory size: its
 * bootstrap script gives a tenth of the memory to the young generation (half of that per
 * semi-space) and the rest to the old one. A worker started with Node's defaults would size its young
 * generation for this machine's memory instead of the container's.
 */
function lambdaNodeFlags(memoryMb: number): string[] {
  const youngMb = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(youngMb / 2)}`, `--max-old-space-size=${memoryMb - youngMb}`];
}

/**
 * Builds the backfill worker (`backfill-worker.ts` and the handler it feeds) as the deployment builds
 * the function, so that the workers run the code Lambda runs rather than TypeScript through tsx.
 */
async function buildWorker(services: BenchServices, dir: string): Promise<string> {
  const outfile = join(dir, 'backfill-worker.js');
  await build({ ...services.backfillLambda.buildOptions, entryPoints: [join(BENCH_DIR, 'backfill-worker.ts')], outfile });
  return outfile;
}

/** A backfill worker process started the way Lambda starts the function: heap limits, NODE_OPTIONS, memory size. */
function lambdaWorker(bundle: string, services: BenchServices): ChildProcess {
  const { memoryMb, nodeOptions } = services.backfillLambda;
  return tracked(
    fork(bundle, [], {
      execArgv: ['--expose-gc', ...lambdaNodeFlags(memoryMb)],
      env: { ...process.env, ...services.env, NODE_OPTIONS: nodeOptions ?? '', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb) },
      stdio: 'inherit',
    }),
  );
}

/** Connects a Timebook workspace, switches contact sync on, and times the backfill in a fresh worker process. */
async function backfill(deps: Dependencies, services: BenchServices, worker: string, workspace: Workspace, workspaceId: string) {
  // Imported once the environment is in place: the service's modules read it when first loaded.
  const { connectWithToken } = await import('../lib/connect/connect-token');
  const { updateSettings } = await import('../lib/connect/manage-connection');
  const workers = Array.from({ length: WORKERS }, () => lambdaWorker(worker, services));
  await Promise.all(workers.map((worker) => nextMessage(worker)));
  await connectWithToken(deps, { workspaceId, accessToken: workspace.accessToken, admin: { sub: 'bench', workspaceIds: [workspaceId] } });
  const cpuMeter = startCpuMeter(services.pids);
  const started = performance.now();
  await updateSettings(deps, workspaceId, { syncContacts: true });
  let sync = await deps.contactSync.get(workspaceId);
  while (sync?.state === 'running') {
    await sleep(100);
    sync = await deps.contactSync.get(workspaceId);
  }
  const ms = performance.now() - started;
  const cpu = cpuMeter();
  const reports = await Promise.all(
    workers.map((worker) => {
      worker.send({ stop: true });
      return nextMessage<{ peak: NodeJS.MemoryUsage; heapAfterGcBytes: number; cpuMs: number }>(worker);
    }),
  );
  const peak = reports.map((r) => r.peak).reduce((a, b) => (b.rss > a.rss ? b : a));
  const heapAfterGcBytes = Math.max(...reports.map((r) => r.heapAfterGcBytes));
  if (sync?.state !== 'completed') throw new Error(`the backfill ended ${sync?.state}: ${sync?.error}`);
  return {
    ms,
    synced: sync.synced,
    expected: sync.expected,
    stored: await storedContacts(deps, workspaceId),
    partitions: sync.partitionsTotal,
    peakRssBytes: peak.rss,
    peakHeapBytes: peak.heapTotal,
    heapAfterGcBytes,
    cpuSeconds: {
      dynamodbLocal: cpu.dynamodbLocal === null ? null : seconds(cpu.dynamodbLocal),
      workers: seconds(reports.reduce((sum, r) => sum + r.cpuMs, 0)),
      simulator: cpu.simulator === null ? null : seconds(cpu.simulator),
      driverAndSqs: seconds(cpu.self),
      available: seconds(ms * cpus().length),
    },
  };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const memory = (run: { peakRssBytes: number; peakHeapBytes: number; heapAfterGcBytes: number }) => ({
  peakRssMb: mb(run.peakRssBytes),
  heapAtPeakMb: mb(run.peakHeapBytes),
  heapAfterGcMb: mb(run.heapAfterGcBytes),
});
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const perSecond = (count: number, ms: number) => Math.round(count / (ms / 1000));

async function main(): Promise<void> {
  const contacts = option('contacts', 100_000);
  const small = option('small', 10_000);
  const latencyMs = option('latency-ms', 150);
  console.log(`Contact backfill benchmark: ${contacts} contacts (memory also at ${small}), ${latencyMs} ms latency for (b)`);
  const services = await startBenchServices();
  const interrupt = () => {
    for (const proc of children) proc.kill('SIGKILL');
    void services.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  Object.assign(process.env, services.env);
  const { dependencies } = await import('../lib/platform/dependencies');
  const deps = dependencies();
  const simulator = new SimulatorClient(services.intercomUrl);
  const buildDir = mkdtempSync(join(tmpdir(), 'timebook-bench-'));
  try {
    const worker = await buildWorker(services, buildDir);
    console.log(`• (c) backfill of ${small} contacts, for the worker's peak memory`);
    const smallRun = await backfill(deps, services, worker, await seededWorkspace(simulator, small, 1), 'bench_small');

    console.log(`• (a) read bound, then backfill, of ${contacts} contacts`);
    const a = await seededWorkspace(simulator, contacts, 2);
    const read = await readAll(services, a, 'parallel');
    const storeCpu = startCpuMeter({ dynamodbLocal: services.pids.dynamodbLocal });
    const storeBound = await nextMessage<{ contacts: number; ms: number; cpuMs: number }>(child('store-writer.ts', { ...services.env, BENCH_COUNT: String(contacts) }));
    const storeDynamoCpuMs = storeCpu().dynamodbLocal;
    const largeRun = await backfill(deps, services, worker, a, 'bench_large');

    console.log(`• (b) ${latencyMs} ms per Intercom request: one sequential cursor, then the parallel backfill`);
    const b = await seededWorkspace(simulator, contacts, 3);
    await simulator.setFaults(b.appId, { latencyMs });
    const sequential = await readAll(services, b, 'sequential');
    const parallelRead = await readAll(services, b, 'parallel');
    const slowRun = await backfill(deps, services, worker, b, 'bench_latency');

    const results = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform },
      setup:
        'DynamoDB Local (Java, in memory), local-aws-sqs, the Intercom simulator in its own process, and the backfill Lambda handler in 4 worker processes, each a Lambda container taking SQS batches of 10 (as the local stack runs 4 pollers)',
      contacts,
      a: {
        readBound: { ms: Math.round(read.ms), contacts: read.contacts, requests: read.pages, contactsPerSecond: perSecond(read.contacts, read.ms) },
        storeBound: {
          ms: Math.round(storeBound.ms),
          contacts: storeBound.contacts,
          contactsPerSecond: perSecond(storeBound.contacts, storeBound.ms),
          cpuSeconds: { writer: seconds(storeBound.cpuMs), dynamodbLocal: storeDynamoCpuMs === null ? null : seconds(storeDynamoCpuMs) },
        },
        backfill: {
          ms: Math.round(largeRun.ms),
          synced: largeRun.synced,
          stored: largeRun.stored,
          partitions: largeRun.partitions,
          contactsPerSecond: perSecond(largeRun.synced, largeRun.ms),
          cpuSeconds: largeRun.cpuSeconds,
        },
        ratio: Math.round((largeRun.ms / read.ms) * 100) / 100,
        target: 1.5,
      },
      b: {
        latencyMs,
        sequentialCursor: { ms: Math.round(sequential.ms), contacts: sequential.contacts, requests: sequential.pages },
        parallelRead: { ms: Math.round(parallelRead.ms), contacts: parallelRead.contacts, requests: parallelRead.pages },
        parallelBackfill: {
          ms: Math.round(slowRun.ms),
          synced: slowRun.synced,
          stored: slowRun.stored,
          partitions: slowRun.partitions,
          cpuSeconds: slowRun.cpuSeconds,
        },
        speedUp: Math.round((sequential.ms / slowRun.ms) * 10) / 10,
        target: 4,
      },
      c: {
        workerMemoryMb: services.backfillLambda.memoryMb,
        small: { contacts: small, ...memory(smallRun), synced: smallRun.synced, stored: smallRun.stored },
        large: { contacts, ...memory(largeRun), synced: largeRun.synced, stored: largeRun.stored },
        ratio: Math.round((largeRun.peakRssBytes / smallRun.peakRssBytes) * 100) / 100,
        target: 1.2,
      },
    };
    writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(BENCH_DIR, 'results.md'), markdown(results));
    console.log(markdown(results));
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
    await services.stop();
  }
}

type CpuSeconds = { dynamodbLocal: number | null; workers: number; simulator: number | null; driverAndSqs: number; available: number };

function cpuLine(cpu: CpuSeconds): string {
  const parts = [
    cpu.dynamodbLocal === null ? null : `DynamoDB Local ${cpu.dynamodbLocal} s`,
    `the 4 workers ${cpu.workers} s`,
    cpu.simulator === null ? null : `the simulator ${cpu.simulator} s`,
    `the benchmark process with the local SQS ${cpu.driverAndSqs} s`,
  ].filter(Boolean);
  const used = (cpu.dynamodbLocal ?? 0) + cpu.workers + (cpu.simulator ?? 0) + cpu.driverAndSqs;
  return `CPU time meanwhile: ${parts.join(', ')}; ${Math.round(used)} s of the ${Math.round(cpu.available)} s the machine's cores offered.`;
}

/** The store bound's CPU time, and the least time it could take if it had the machine's cores to itself. */
function storeCpuLine(cpu: { writer: number; dynamodbLocal: number | null }, cores: number): string {
  if (cpu.dynamodbLocal === null) return `The writing Node.js process used ${cpu.writer} s of CPU.`;
  const floor = Math.round(((cpu.writer + cpu.dynamodbLocal) / cores) * 10) / 10;
  return `CPU time: the writing Node.js process ${cpu.writer} s, DynamoDB Local ${cpu.dynamodbLocal} s; writing alone needs at least ${floor} s on ${cores} cores.`;
}

function markdown(r: {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string };
  setup: string;
  contacts: number;
  a: {
    readBound: { ms: number; contactsPerSecond: number; requests: number };
    storeBound: { ms: number; contactsPerSecond: number; cpuSeconds: { writer: number; dynamodbLocal: number | null } };
    backfill: { ms: number; contactsPerSecond: number; synced: number; stored: number; partitions: number; cpuSeconds: CpuSeconds };
    ratio: number;
    target: number;
  };
  b: { latencyMs: number; sequentialCursor: { ms: number; requests: number }; parallelRead: { ms: number }; parallelBackfill: { ms: number; synced: number; cpuSeconds: CpuSeconds }; speedUp: number; target: number };
  c: {
    workerMemoryMb: number;
    small: { contacts: number; peakRssMb: number; heapAtPeakMb: number; heapAfterGcMb: number };
    large: { contacts: number; peakRssMb: number; heapAtPeakMb: number; heapAfterGcMb: number };
    ratio: number;
    target: number;
  };
}): string {
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  return `# Contact backfill benchmark

${r.date}, ${r.machine.cpus} CPU (${r.machine.cpuModel}), Node ${r.machine.node}. ${r.setup}.

| measure | result | target | |
|---|---|---|---|
| (a) backfill of ${r.contacts} contacts over the read bound | ${r.a.ratio}× (${seconds(r.a.backfill.ms)} s vs ${seconds(r.a.readBound.ms)} s) | ≤ ${r.a.target}× | ${met(r.a.ratio <= r.a.target)} |
| (b) speed-up over one sequential cursor at ${r.b.latencyMs} ms per request | ${r.b.speedUp}× (${seconds(r.b.sequentialCursor.ms)} s vs ${seconds(r.b.parallelBackfill.ms)} s) | ≥ ${r.b.target}× | ${met(r.b.speedUp >= r.b.target)} |
| (c) peak RSS of a worker process, ${r.c.large.contacts} vs ${r.c.small.contacts} contacts | ${r.c.ratio}× (${r.c.large.peakRssMb} MB vs ${r.c.small.peakRssMb} MB) | ≤ ${r.c.target}× | ${met(r.c.ratio <= r.c.target)} |

- Read bound: ${r.a.readBound.requests} searches with the backfill's own partition plan and concurrency, nothing written: ${r.a.readBound.contactsPerSecond} contacts/s.
- Store bound: the same number of contacts written as backfill pages through the contacts store alone (BatchWriteItem, then the live-write check; 40 pages in flight), nothing read: ${r.a.storeBound.contactsPerSecond} contacts/s (${seconds(r.a.storeBound.ms)} s). ${storeCpuLine(r.a.storeBound.cpuSeconds, r.machine.cpus)}
- Backfill: ${r.a.backfill.synced} synced, ${r.a.backfill.stored} stored, ${r.a.backfill.partitions} partitions: ${r.a.backfill.contactsPerSecond} contacts/s. ${cpuLine(r.a.backfill.cpuSeconds)}
- Worker processes run with the heap limits Lambda's Node.js runtime sets for the function's ${r.c.workerMemoryMb} MB. At the highest RSS the V8 heap took ${r.c.small.heapAtPeakMb} MB (${r.c.small.contacts} contacts) and ${r.c.large.heapAtPeakMb} MB (${r.c.large.contacts}); still in use after a full garbage collection at the end: ${r.c.small.heapAfterGcMb} MB and ${r.c.large.heapAfterGcMb} MB.
- Sequential cursor: ${r.b.sequentialCursor.requests} pages of \`GET /contacts\`, reading only; the parallel backfill wrote all ${r.b.parallelBackfill.synced}. ${cpuLine(r.b.parallelBackfill.cpuSeconds)}
- The backfill's partitions and concurrency at the same latency, reading only: ${seconds(r.b.parallelRead.ms)} s, ${Math.round((r.b.sequentialCursor.ms / r.b.parallelRead.ms) * 10) / 10}× the sequential cursor. What separates the backfill from that is writing the contacts (store bound above).
`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
