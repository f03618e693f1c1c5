import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { deploymentBuildOptions, resolveServerlessConfig } from '../dev/serverless-config';

const ROOT = join(__dirname, '..');

export interface BundleResult {
  function: string;
  sdkClients: string[];
  bytes: number;
  referenceBytes: number;
  /** Medians of the wall time of `require` in a fresh process. */
  loadMs: number;
  referenceLoadMs: number;
  /** Medians of the CPU time the process spent in `require`: the wall time of a Lambda container with a core to itself. */
  loadCpuMs: number;
  referenceLoadCpuMs: number;
}

/** The esbuild options serverless.yml gives serverless-esbuild, and every function's handler. */
async function packaging() {
  // The local stage: a deployed one needs its URLs, and the build settings are the same on every stage.
  const config = await resolveServerlessConfig('local', { ...process.env, SLS_TELEMETRY_DISABLED: '1' });
  return { functions: config.functions, options: { ...deploymentBuildOptions(config), metafile: true } };
}

const CLIENT_CLASSES: Record<string, string> = {
  'client-dynamodb': 'DynamoDBClient',
  'client-sqs': 'SQSClient',
  'client-secrets-manager': 'SecretsManagerClient',
};

function clientClass(client: string): string {
  const name = CLIENT_CLASSES[client];
  if (!name) throw new Error(`No reference bundle known for @aws-sdk/${client}; add its client class`);
  return name;
}

/** A deployed stage's settings, which every function reads at load; values only need to be well formed. */
const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  STAGE: 'bench',
  PUBLIC_BASE_URL: 'https://intercom.bench.example.com',
  APP_URL: 'https://app.bench.example.com',
  ADMIN_JWKS_URL: 'https://id.bench.example.com/.well-known/jwks.json',
  ADMIN_JWT_ISSUER: 'https://id.bench.example.com/',
  TABLE_NAME: 'bench',
  IDEMPOTENCY_TABLE_NAME: 'bench-idempotency',
  EVENTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/events',
  BACKFILL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/backfill',
  FEEDBACK_CATCHUP_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/feedback-catchup',
  WRITE_BACK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/write-back',
  SECRETS_PREFIX: 'timebook-intercom/bench',
  INTERCOM_VERSION: '2.16',
  INTERCOM_CLIENT_SECRET_NAME: 'timebook-intercom/bench/oauth-client-secret',
  ADMIN_JWT_AUDIENCE: 'timebook-intercom',
};

interface Load {
  /** Wall time of `require`. */
  ms: number;
  /** CPU time (user + system, every thread) the process spent meanwhile. */
  cpuMs: number;
}

const LOAD_SCRIPT = (file: string) =>
  `const c=process.cpuUsage(),t=performance.now();require(${JSON.stringify(file)});` +
  `const w=performance.now()-t,u=process.cpuUsage(c);process.stdout.write(JSON.stringify({ms:w,cpuMs:(u.user+u.system)/1000}))`;

/** `require` of one bundle in a fresh Node process. */
function load(file: string): Load {
  const out = execFileSync(process.execPath, ['-e', LOAD_SCRIPT(file)], {
    env: { ...process.env, ...LAMBDA_ENV },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as Load;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Median loads of a function's bundle and of its reference, loaded in turn (reference, function,
 * reference, ...) so that a burst of load on a shared machine falls on both alike.
 */
function medianLoads(file: string, reference: string, runs: number) {
  const own: Load[] = [];
  const ref: Load[] = [];
  for (let i = 0; i < runs; i += 1) {
    ref.push(load(reference));
    own.push(load(file));
  }
  return {
    loadMs: median(own.map((l) => l.ms)),
    referenceLoadMs: median(ref.map((l) => l.ms)),
    loadCpuMs: median(own.map((l) => l.cpuMs)),
    referenceLoadCpuMs: median(ref.map((l) => l.cpuMs)),
  };
}

/**
 * Each function's bundle (built as the deployment builds it) against a bundle that only imports
 * and constructs the AWS SDK clients the function uses: size, and median cold module-load time in a
 * fresh Node process (target: within 1.3x).
 */
export async function runBundleBenchmark(select: { runs?: number; only?: string[] } = {}): Promise<BundleResult[]> {
  const { runs = 15, only } = select;
  const { options, functions } = await packaging();
  const dir = mkdtempSync(join(tmpdir(), 'timebook-bundles-'));
  try {
    const results: BundleResult[] = [];
    for (const [name, { handler }] of Object.entries(functions)) {
      if (only && !only.includes(name)) continue;
      const entry = join(ROOT, `${handler.replace(/\.handler$/, '')}.ts`);
      const outfile = join(dir, `${name}.js`);
      const built = await build({ ...options, entryPoints: [entry], outfile });
      const sdkClients = [
        ...new Set(
          Object.keys(built.metafile!.inputs)
            .map((input) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input)?.[1])
            .filter((client): client is string => client !== undefined),
        ),
      ].sort();
      const referenceEntry = join(dir, `${name}.reference.js`);
      writeFileSync(
        referenceEntry,
        sdkClients.map((client, i) => `exports.c${i} = new (require('@aws-sdk/${client}').${clientClass(client)})({});`).join('\n'),
      );
      const referenceOut = join(dir, `${name}.reference.bundle.js`);
      await build({ ...options, entryPoints: [referenceEntry], outfile: referenceOut, nodePaths: [join(ROOT, 'node_modules')] });
      results.push({
        function: name,
        sdkClients,
        bytes: statSync(outfile).size,
        referenceBytes: statSync(referenceOut).size,
        ...medianLoads(outfile, referenceOut, runs),
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
