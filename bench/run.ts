import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { startDynamoDbProxy, type DynamoDbProxy, type DynamoDbProxyStats } from '../dev/dynamodb-proxy';
import { SimulatorClient } from '../dev/intercom-simulator';
import { sleep } from '../dev/processes';
import { SEARCH_PAGE_SIZE } from '../lib/contacts/partition-plan';
import type { Dependencies } from '../lib/platform/dependencies';
import { keys } from '../lib/store/keys';
import { startBenchServices, type BenchServices } from './bench-services';
import { startCpuMeter } from './cpu-time';
import { figure, round, saveResults } from './figures';

/*
 * `npm run bench`, first half: the contact backfill benchmark (issue 16). Its five figures join
 * bench/results.json and bench/results.md beside their targets; none fails the run (bench/README.md
 * says how each is measured). Options: --contacts N (default 100000), --small N (default 10000, the
 * memory figure's smaller run), --latency-ms N (default 150), --cpu-prof DIR (V8 CPU profiles of the
 * backfill workers and the reference, written there).
 */

const BENCH_DIR = __dirname;
/** Worker processes, each a Lambda container taking batches of ten (the local stack runs four pollers too). */
const WORKERS = 4;
/** Pages in flight: four containers with a batch of ten each. The reference and the bounds use as many. */
const CONCURRENCY = WORKERS * 10;
const BATCH_WRITE_LIMIT = 25;
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  return value;
}

function textOption(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = process.argv[index + 1];
  if (!value || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

const children = new Set<ChildProcess>();

function tracked(proc: ChildProcess): ChildProcess {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

/** A benchmark script run from its TypeScript source. */
function child(script: string, env: Record<string, string>, execArgv: string[] = []): ChildProcess {
  return tracked(
    fork(join(BENCH_DIR, script), [], { execArgv: ['--import', 'tsx', '--expose-gc', ...execArgv], env: { ...process.env, ...env }, stdio: 'inherit' }),
  );
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

/** Requests per operation as the proxy counted them, without those the benchmark itself made. */
function dynamoRequests(stats: DynamoDbProxyStats, own: Record<string, number> = {}): Record<string, number> {
  const requests = { ...stats.requests };
  for (const [operation, count] of Object.entries(own)) requests[operation] = (requests[operation] ?? 0) - count;
  return Object.fromEntries(Object.entries(requests).filter(([, count]) => count > 0));
}

const errorList = (errors: Record<string, Record<string, number>>) =>
  Object.entries(errors)
    .flatMap(([operation, byType]) => Object.entries(byType).map(([type, count]) => `${count} ${type} (${operation})`))
    .join(', ') || 'none';
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const listed = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]) => `${round(count, 1)} ${name}`)
    .join(', ');

/** Consumed capacity as DynamoDB Local reported it, split into reads and writes. */
function capacity(stats: DynamoDbProxyStats, ownReads: number) {
  let read = -ownReads;
  let write = 0;
  for (const [operation, units] of Object.entries(stats.consumedCapacity)) {
    if (READ_OPERATIONS.has(operation)) read += units;
    else write += units;
  }
  // AWS charges a transactional write twice; DynamoDB Local charges it once.
  const transactional = stats.consumedCapacity.TransactWriteItems ?? 0;
  return { readUnits: round(read, 1), writeUnits: round(write, 1), writeUnitsAsAwsBills: round(write + transactional, 1), byOperation: stats.consumedCapacity };
}

async function readAll(services: BenchServices, workspace: Workspace) {
  const reader = child('raw-reader.ts', {
    ...services.env,
    BENCH_TOKEN: workspace.accessToken,
    BENCH_MODE: 'parallel',
    BENCH_TZ: workspace.timezone,
    BENCH_CONCURRENCY: String(CONCURRENCY),
  });
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
 * Waits until the backfill queue holds no message (visible, in flight or delayed) and the workers
 * have finished their batches: the work a completed backfill leaves (letting its partitions
 * expire) belongs to its counts, not to the next run's.
 */
async function drained(deps: Dependencies, queueUrl: string): Promise<boolean> {
  const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const { Attributes = {} } = await deps.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...names] }));
    if (names.every((name) => Number(Attributes[name] ?? 0) === 0)) return true;
    await sleep(100);
  }
  return false;
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

interface Run {
  services: BenchServices;
  deps: Dependencies;
  proxy: DynamoDbProxy;
  simulator: SimulatorClient;
  worker: string;
  profileArgs: string[];
}

/** A backfill worker process started the way Lambda starts the function: heap limits, NODE_OPTIONS, memory size. */
function lambdaWorker(run: Run, profile: boolean): ChildProcess {
  const { memoryMb, nodeOptions } = run.services.backfillLambda;
  return tracked(
    fork(run.worker, [], {
      execArgv: ['--expose-gc', ...lambdaNodeFlags(memoryMb), ...(profile ? run.profileArgs : [])],
      env: { ...process.env, ...run.services.env, NODE_OPTIONS: nodeOptions ?? '', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb), POWERTOOLS_LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'ERROR' },
      stdio: 'inherit',
    }),
  );
}

interface WorkerReport {
  peak: NodeJS.MemoryUsage;
  heapAfterGcBytes: number;
  cpuMs: number;
  handlerCpuMs: number;
  batches: number;
  failedRecords: number;
}

/**
 * Connects a Timebook workspace, switches contact sync on, and times the backfill in fresh worker
 * processes, counting the DynamoDB requests (at the proxy) and the Intercom requests (at the
 * simulator) made from the switch to completion. The benchmark's own status reads are left out.
 */
async function backfill(run: Run, workspace: Workspace, workspaceId: string, { profile = false } = {}) {
  const { deps, services, proxy, simulator } = run;
  // Imported once the environment is in place: the service's modules read it when first loaded.
  const { connectWithToken } = await import('../lib/connect/connect-token');
  const { updateSettings } = await import('../lib/connect/manage-connection');
  const workers = Array.from({ length: WORKERS }, () => lambdaWorker(run, profile));
  await Promise.all(workers.map((worker) => nextMessage(worker)));
  await connectWithToken(deps, { workspaceId, accessToken: workspace.accessToken, admin: { sub: 'bench', workspaceIds: [workspaceId] } });
  await simulator.resetStats(workspace.appId);
  proxy.resetStats();
  const cpuMeter = startCpuMeter(services.pids);
  const started = performance.now();
  await updateSettings(deps, workspaceId, { syncContacts: true });
  let statusReads = 0;
  let sync;
  do {
    if (statusReads > 0) await sleep(100);
    sync = await deps.contactSync.get(workspaceId);
    statusReads += 1;
  } while (sync?.state === 'running');
  const ms = performance.now() - started;
  const cpu = cpuMeter();
  if (!(await drained(deps, services.env.BACKFILL_QUEUE_URL!))) console.warn('The backfill queue did not drain within 30 s of completion');
  const dynamo = proxy.stats();
  const intercom = await simulator.getStats(workspace.appId);
  const reports = await Promise.all(
    workers.map((worker) => {
      worker.send({ stop: true });
      return nextMessage<WorkerReport>(worker);
    }),
  );
  if (sync?.state !== 'completed') throw new Error(`the backfill ended ${sync?.state}: ${sync?.error}`);
  const peak = reports.map((r) => r.peak).reduce((a, b) => (b.rss > a.rss ? b : a));
  // Each status read is one consistent GetItem of one small item (1 read unit).
  const requests = dynamoRequests(dynamo, { GetItem: statusReads });
  return {
    ms,
    synced: sync.synced,
    expected: sync.expected,
    stored: await storedContacts(deps, workspaceId),
    partitions: sync.partitionsTotal,
    peakRssBytes: peak.rss,
    peakHeapBytes: peak.heapTotal,
    heapAfterGcBytes: Math.max(...reports.map((r) => r.heapAfterGcBytes)),
    dynamodb: { requests, total: sum(requests), ...capacity(dynamo, statusReads), errors: dynamo.errors },
    intercom: { total: intercom.total, byRoute: Object.fromEntries(Object.entries(intercom.byRoute).map(([route, entry]) => [route, entry.count])), byStatus: intercom.byStatus },
    cpuMs: {
      workers: reports.reduce((total, r) => total + r.cpuMs, 0),
      handlers: reports.reduce((total, r) => total + r.handlerCpuMs, 0),
      dynamodbLocal: cpu.dynamodbLocal,
      simulator: cpu.simulator,
      benchmarkProcess: cpu.self,
      available: ms * cpus().length,
    },
    batches: reports.reduce((total, r) => total + r.batches, 0),
    failedRecords: reports.reduce((total, r) => total + r.failedRecords, 0),
  };
}

/** The reference backfill over the same workspace, with what it cost at the proxy and the simulator. */
async function referenceBackfill(run: Run, workspace: Workspace) {
  await run.simulator.resetStats(workspace.appId);
  run.proxy.resetStats();
  const cpuMeter = startCpuMeter({ dynamodbLocal: run.services.pids.dynamodbLocal });
  const proc = child(
    'reference-backfill.ts',
    { ...run.services.env, BENCH_TOKEN: workspace.accessToken, BENCH_WORKSPACE: 'bench_reference', BENCH_TZ: workspace.timezone, BENCH_CONCURRENCY: String(CONCURRENCY) },
    run.profileArgs,
  );
  const result = await nextMessage<{ contacts: number; pages: number; ms: number; cpuMs: number }>(proc);
  const dynamo = run.proxy.stats();
  const intercom = await run.simulator.getStats(workspace.appId);
  const requests = dynamoRequests(dynamo);
  return {
    ...result,
    dynamodbLocalCpuMs: cpuMeter().dynamodbLocal,
    dynamodb: { requests, total: sum(requests), ...capacity(dynamo, 0), errors: dynamo.errors },
    intercomRequests: intercom.total,
  };
}

/** The store bound: the same number of contacts through the contacts store alone, nothing read. */
async function storeBound(run: Run, contacts: number) {
  run.proxy.resetStats();
  const cpuMeter = startCpuMeter({ dynamodbLocal: run.services.pids.dynamodbLocal });
  const result = await nextMessage<{ contacts: number; ms: number; cpuMs: number }>(
    child('store-writer.ts', { ...run.services.env, BENCH_COUNT: String(contacts), BENCH_CONCURRENCY: String(CONCURRENCY) }),
  );
  const requests = dynamoRequests(run.proxy.stats());
  return { ...result, dynamodbLocalCpuMs: cpuMeter().dynamodbLocal, dynamodbRequests: requests };
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
const s = (ms: number | null) => (ms === null ? null : round(ms / 1000, 1));
const perThousand = (value: number, contacts: number) => (value / contacts) * 1000;

async function main(): Promise<void> {
  const contacts = option('contacts', 100_000);
  const small = option('small', 10_000);
  const latencyMs = option('latency-ms', 150);
  const profileDir = textOption('cpu-prof');
  console.log(`Contact backfill benchmark: ${contacts} contacts (memory also at ${small}), ${latencyMs} ms of Intercom latency in the second run`);
  const services = await startBenchServices();
  // Every client of the run (workers, reference, bounds, this process) reaches DynamoDB Local through the proxy.
  const proxy = await startDynamoDbProxy({ target: services.env.AWS_ENDPOINT_URL_DYNAMODB!, recordCapacity: true });
  services.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.url;
  const interrupt = () => {
    for (const proc of children) proc.kill('SIGKILL');
    void proxy
      .stop()
      .then(() => services.stop())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  Object.assign(process.env, services.env);
  const { dependencies } = await import('../lib/platform/dependencies');
  const buildDir = mkdtempSync(join(tmpdir(), 'timebook-bench-'));
  try {
    const run: Run = {
      services,
      deps: dependencies(),
      proxy,
      simulator: new SimulatorClient(services.intercomUrl),
      // Profiled workers keep their bundle and its source map beside their profiles.
      worker: await buildWorker(services, profileDir ? resolve(profileDir) : buildDir),
      profileArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(profileDir)] : [],
    };
    const started = performance.now();
    console.log(`• backfill of ${small} contacts, for the workers' peak memory`);
    const smallRun = await backfill(run, await seededWorkspace(run.simulator, small, 1), 'bench_small');

    const a = await seededWorkspace(run.simulator, contacts, 2);
    console.log(`• ${contacts} contacts: the reference backfill, the store bound, then the backfill`);
    const reference = await referenceBackfill(run, a);
    const store = await storeBound(run, contacts);
    const large = await backfill(run, a, 'bench_large', { profile: true });

    console.log(`• ${latencyMs} ms per Intercom request: the partitions read in parallel, then the backfill`);
    const b = await seededWorkspace(run.simulator, contacts, 3);
    await run.simulator.setFaults(b.appId, { latencyMs });
    const parallelRead = await readAll(services, b);
    const slow = await backfill(run, b, 'bench_latency');
    const totalMs = performance.now() - started;

    save({ contacts, small, latencyMs, smallRun, reference, store, large, parallelRead, slow, totalMs, memoryMb: services.backfillLambda.memoryMb });
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
    await proxy.stop();
    await services.stop();
  }
}

type Backfill = Awaited<ReturnType<typeof backfill>>;

function save(r: {
  contacts: number;
  small: number;
  latencyMs: number;
  smallRun: Backfill;
  reference: Awaited<ReturnType<typeof referenceBackfill>>;
  store: Awaited<ReturnType<typeof storeBound>>;
  large: Backfill;
  parallelRead: { contacts: number; pages: number; ms: number };
  slow: Backfill;
  totalMs: number;
  memoryMb: number;
}): void {
  const { contacts, large, reference, store, slow } = r;
  for (const [name, run] of [['small', r.smallRun], ['large', large], ['latency', slow]] as const) {
    if (run.synced !== run.stored) console.warn(`The ${name} backfill synced ${run.synced} contacts but stored ${run.stored}`);
  }

  // 1. CPU: the workers' handler invocations (what Lambda runs and bills) over the reference.
  const workerCpu = perThousand(large.cpuMs.handlers, large.synced);
  const workerProcessCpu = perThousand(large.cpuMs.workers, large.synced);
  const referenceCpu = perThousand(reference.cpuMs, reference.contacts);
  // 2. DynamoDB: one BatchWriteItem per 25 contacts and one checkpoint per page of 150.
  const pagesNeeded = Math.ceil(large.synced / SEARCH_PAGE_SIZE);
  const minimumDynamo = Math.ceil(large.synced / BATCH_WRITE_LIMIT) + pagesNeeded;
  // 3. Intercom: the pages the data needs, plus the first page of every partition.
  const minimumIntercom = pagesNeeded + large.partitions;
  // 4. Wall time over the bounds.
  const latencyBound = Math.max(store.ms, r.parallelRead.ms);

  const figures = [
    figure('backfill', `service CPU per 1,000 contacts, the workers' handler invocations over the reference backfill (${contacts} contacts)`, workerCpu / referenceCpu, '×', 1.3,
      `${round(workerCpu)} vs ${round(referenceCpu)} CPU-ms per 1,000 contacts; whole worker processes ${round(workerProcessCpu)} CPU-ms, ${round(workerProcessCpu / referenceCpu)}×`),
    figure('backfill', 'DynamoDB requests per 1,000 contacts over the minimum (a BatchWriteItem per 25 contacts, a checkpoint per page)', large.dynamodb.total / minimumDynamo, '×', 1.2,
      `${round(perThousand(large.dynamodb.total, large.synced), 1)} vs ${round(perThousand(minimumDynamo, large.synced), 1)}: ${listed(Object.fromEntries(Object.entries(large.dynamodb.requests).map(([op, n]) => [op, perThousand(n, large.synced)])))}`),
    figure('backfill', 'consumed write units per contact (as DynamoDB Local reports them)', large.dynamodb.writeUnits / large.synced, 'WCU', null,
      `${round(large.dynamodb.writeUnitsAsAwsBills / large.synced)} with transactional writes charged twice as AWS does; ${round(large.dynamodb.readUnits / large.synced, 3)} read units; the reference ${round(reference.dynamodb.writeUnits / reference.contacts)} WCU`),
    figure('backfill', 'Intercom requests over the pages the data needs plus one per partition', large.intercom.total / minimumIntercom, '×', 1.1,
      `${large.intercom.total} vs ${pagesNeeded} + ${large.partitions}: ${listed(large.intercom.byRoute)}`),
    figure('backfill', `backfill wall time over the store bound (${contacts} contacts)`, large.ms / store.ms, '×', 1.3, `${s(large.ms)} s vs ${s(store.ms)} s`),
    figure('backfill', `with ${r.latencyMs} ms per Intercom request, wall time over the larger of the store bound and the partitions read in parallel`, slow.ms / latencyBound, '×', 1.3,
      `${s(slow.ms)} s vs ${s(latencyBound)} s (store ${s(store.ms)} s, parallel read ${s(r.parallelRead.ms)} s)`),
    figure('backfill', `peak RSS of a worker process, ${contacts} vs ${r.small} contacts`, large.peakRssBytes / r.smallRun.peakRssBytes, '×', 1.2,
      `${mb(large.peakRssBytes)} MB vs ${mb(r.smallRun.peakRssBytes)} MB`),
  ];

  const cpuSeconds = (run: Backfill) => ({
    workers: s(run.cpuMs.workers),
    handlers: s(run.cpuMs.handlers),
    dynamodbLocal: s(run.cpuMs.dynamodbLocal),
    simulator: s(run.cpuMs.simulator),
    benchmarkProcess: s(run.cpuMs.benchmarkProcess),
    available: s(run.cpuMs.available),
  });
  const summary = (run: Backfill) => ({
    ms: Math.round(run.ms),
    synced: run.synced,
    stored: run.stored,
    partitions: run.partitions,
    sqsBatches: run.batches,
    failedRecords: run.failedRecords,
    dynamodb: run.dynamodb,
    intercom: run.intercom,
    cpuSeconds: cpuSeconds(run),
  });
  const cpuLine = (run: Backfill) => {
    const c = cpuSeconds(run);
    const failed = run.failedRecords === 0 ? '' : `${run.failedRecords} pages failed and waited for SQS to deliver them again (BENCH_WORKER_LOG_LEVEL=WARN shows why). `;
    return `${failed}CPU meanwhile: the ${WORKERS} workers ${c.workers} s (${c.handlers} s in the handler), DynamoDB Local ${c.dynamodbLocal} s, the simulator ${c.simulator} s, the benchmark process (local SQS, DynamoDB proxy) ${c.benchmarkProcess} s, of the ${c.available} s the machine's cores offered.`;
  };

  saveResults(
    ['backfill'],
    {
      figures,
      details: {
        backfill: {
          setup: `DynamoDB Local (Java, in memory) behind the DynamoDB proxy (dev/dynamodb-proxy.ts), local-aws-sqs, the Intercom simulator in its own process, and the backfill Lambda handler in ${WORKERS} worker processes, each a Lambda container taking SQS batches of 10`,
          contacts,
          latencyMs: r.latencyMs,
          totalSeconds: s(r.totalMs),
          backfill: summary(large),
          reference: {
            ms: Math.round(reference.ms),
            contacts: reference.contacts,
            pages: reference.pages,
            cpuSeconds: { process: s(reference.cpuMs), dynamodbLocal: s(reference.dynamodbLocalCpuMs) },
            dynamodb: reference.dynamodb,
            intercomRequests: reference.intercomRequests,
          },
          cpuMsPer1000: { handlers: round(workerCpu), workerProcesses: round(workerProcessCpu), reference: round(referenceCpu) },
          minimum: { dynamodbRequests: minimumDynamo, intercomRequests: minimumIntercom, pagesNeeded },
          storeBound: {
            ms: Math.round(store.ms),
            contacts: store.contacts,
            dynamodbRequests: store.dynamodbRequests,
            cpuSeconds: { writer: s(store.cpuMs), dynamodbLocal: s(store.dynamodbLocalCpuMs) },
          },
          latency: { parallelRead: { ms: Math.round(r.parallelRead.ms), pages: r.parallelRead.pages, contacts: r.parallelRead.contacts }, backfill: summary(slow) },
          memory: {
            workerMemoryMb: r.memoryMb,
            small: { contacts: r.small, peakRssMb: mb(r.smallRun.peakRssBytes), heapAtPeakMb: mb(r.smallRun.peakHeapBytes), heapAfterGcMb: mb(r.smallRun.heapAfterGcBytes) },
            large: { contacts, peakRssMb: mb(large.peakRssBytes), heapAtPeakMb: mb(large.peakHeapBytes), heapAfterGcMb: mb(large.heapAfterGcBytes) },
          },
        },
      },
      notes: {
        backfill: [
          `Backfill of ${contacts} contacts: ${large.synced} synced, ${large.stored} stored, ${large.partitions} partitions, ${s(large.ms)} s. ${cpuLine(large)}`,
          `Reference (bench/reference-backfill.ts): the same search requests (the backfill's partition plan, decided from each partition's first page), ${CONCURRENCY} in flight, \`fetch\` and \`JSON.parse\`, each page's contacts written with \`BatchWriteCommand\` 25 at a time: ${reference.pages} searches, ${reference.dynamodb.total} DynamoDB requests, ${s(reference.ms)} s, ${s(reference.cpuMs)} s of CPU (DynamoDB Local ${s(reference.dynamodbLocalCpuMs)} s).`,
          `The CPU figure counts the workers' CPU while the handler ran (the Lambda invocation); the rest of a worker process (${s(large.cpuMs.workers - large.cpuMs.handlers)} s) is the stand-in for Lambda's SQS poller, which AWS runs outside the function.`,
          `DynamoDB requests of the backfill, counted at the proxy from the switch until the queue drained after completion, without the benchmark's status reads: ${listed(large.dynamodb.requests)}. Capacity as DynamoDB Local reports it: ${large.dynamodb.writeUnits} write units, ${large.dynamodb.readUnits} read units (DynamoDB Local charges a transactional write once, AWS twice: ${large.dynamodb.writeUnitsAsAwsBills} write units). Errors answered: ${errorList(large.dynamodb.errors)}.`,
          `Store bound (bench/store-writer.ts): ${store.contacts} contacts as backfill pages of 150 through the contacts store alone, ${CONCURRENCY} pages in flight, nothing read: ${s(store.ms)} s; ${listed(store.dynamodbRequests)}; CPU: the writer ${s(store.cpuMs)} s, DynamoDB Local ${s(store.dynamodbLocalCpuMs)} s.`,
          `At ${r.latencyMs} ms per Intercom request: the partitions read in parallel (bench/raw-reader.ts, the same plan, ${CONCURRENCY} in flight, nothing written) ${s(r.parallelRead.ms)} s for ${r.parallelRead.pages} searches; the backfill ${s(slow.ms)} s. ${cpuLine(slow)}`,
          `Worker processes run with the heap limits Lambda's Node.js runtime sets for the function's ${r.memoryMb} MB. At the highest RSS the V8 heap took ${mb(r.smallRun.peakHeapBytes)} MB (${r.small} contacts) and ${mb(large.peakHeapBytes)} MB (${contacts}); after a full garbage collection at the end: ${mb(r.smallRun.heapAfterGcBytes)} MB and ${mb(large.heapAfterGcBytes)} MB.`,
          `The whole backfill benchmark took ${s(r.totalMs)} s after its services started.`,
        ],
      },
    },
    { fresh: true },
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
