import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { startConsoleServer, type ConsoleConfig } from './console-server';
import { startDynamoDbLocal } from './dynamodb-local';
import { LOCAL_PRODUCT, LOCAL_TIMEBOOK_WORKSPACE_ID } from './local-workspace';
import { startDynamoDbProxy } from './dynamodb-proxy';
import { ManagedProcess, waitFor } from './processes';
import { createQueues, createTables, type ProvisionedQueue } from './provision';
import { startSecretsManagerLocal } from './secrets-manager-local';
import { SERVERLESS_BIN, lambdaName, resolveServerlessConfig } from './serverless-config';
import { SqsEventSource, type EventSourceMapping } from './sqs-event-source';
import { warmFunctions } from './warm-functions';

export const STAGE = 'local';
const REGION = 'us-east-1';
const ACCOUNT_ID = '000000000000';
const ROOT = join(__dirname, '..');

/**
 * Locally the functions run on Node 20; deployed they run on nodejs22.x. The SDK's reminder that
 * its 2027 releases need Node 22 is noise here.
 */
export const QUIET_LOCAL_NODE = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

export interface StackPorts {
  http: number;
  lambda: number;
  dynamodb: number;
  sqs: number;
  secrets: number;
  intercom: number;
  /** The admin console (dev/console-server.ts), which is `APP_URL` locally. */
  console: number;
}

/** `npm start` uses these; the tests pick free ports so both can run at once. */
export const DEV_PORTS: StackPorts = { http: 3000, lambda: 3002, dynamodb: 8000, sqs: 9324, secrets: 4583, intercom: 4010, console: 5173 };

/** What the console's `config.json` carries besides the addresses the stack fills in. */
export interface ConsoleOptions {
  workspaceId: string;
  products: ConsoleConfig['products'];
  /** Handed to the page in `config.json` (local mode); without one the page asks for a JWT. */
  jwt?: string;
}

export interface StackOptions {
  ports: StackPorts;
  /** Where serverless-offline's output (the functions' logs) goes: a file, or a line callback. */
  functionLog: { file: string } | { onLine: (line: string) => void };
  /** Progress messages while the stack comes up. */
  onProgress?: (message: string) => void;
  /** Caps queue visibility timeouts so local retries come in seconds, not minutes. */
  maxVisibilityTimeoutSeconds?: number;
  adminJwtSecret: string;
  adminJwtAudience: string;
  intercomClientId: string;
  intercomClientSecret: string;
  /** A real or recording Intercom; when absent the bundled simulator is started. */
  intercomApiBaseUrl?: string;
  /** That Intercom's EU and AU hosts (default Intercom's own); the simulator serves its own. */
  intercomApiBaseUrlEu?: string;
  intercomApiBaseUrlAu?: string;
  intercomOauthUrl?: string;
  /**
   * The path the console is served under (`''` or e.g. `/timebook`). `APP_URL` is the console's
   * address with it, so the OAuth callback's redirect lands on the console and keeps the path.
   */
  appBasePath?: string;
  /** The console's `config.json`; by default the Timebook workspace `ws_demo` without a JWT. */
  console?: ConsoleOptions;
  logLevel?: string;
  /**
   * Puts the DynamoDB proxy (dev/dynamodb-proxy.ts) in front of DynamoDB Local: every client of the
   * stack (functions, provisioning, in-process code reading `AWS_ENDPOINT_URL_DYNAMODB`) goes
   * through it, so it counts their requests and can inject throttling.
   */
  dynamoDbProxy?: boolean;
  /**
   * Whether the scheduled functions run on their schedules (default true). The tests switch them
   * off and invoke them when they mean to, so that no schedule fires in the middle of a test.
   */
  schedules?: boolean;
}

export interface RunningStack {
  apiUrl: string;
  /** The console's address (origin and base path): the functions' `APP_URL`. */
  appUrl: string;
  intercomApiUrl: string;
  /** The EU and AU hosts the functions call for workspaces of those regions. */
  intercomRegionUrls: { EU: string; AU: string };
  intercomOauthUrl: string;
  queues: Record<string, ProvisionedQueue>;
  tables: string[];
  /** The environment the functions run with (the AWS endpoints of the local stand-ins included). */
  env: Record<string, string>;
  /** DynamoDB Local's process, for fault tests that pause it (SIGSTOP) and resume it (SIGCONT). */
  dynamoDbPid: number;
  /** The DynamoDB proxy's URL (its control API is under `/_proxy/`), when the stack runs one. */
  dynamoDbProxyUrl?: string;
  stop(): Promise<void>;
}

/**
 * Brings up the whole service on this machine: DynamoDB Local, a local SQS, the Secrets Manager
 * stand-in, the Intercom simulator, the tables and queues serverless.yml declares, serverless-offline
 * (HTTP API, Lambda, schedules), the SQS event sources and the admin console. Resolves once `GET /v1/health` answers 200.
 * On failure everything already started is stopped again.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { ports } = options;
  const progress = options.onProgress ?? (() => undefined);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };

  try {
    const proxy = options.dynamoDbProxy ? await startDynamoDbProxy({ target: `http://127.0.0.1:${ports.dynamodb}` }) : undefined;
    if (proxy) stops.push(() => proxy.stop());
    const awsEnv = { ...localAwsEnv(ports), ...(proxy ? { AWS_ENDPOINT_URL_DYNAMODB: proxy.url } : {}) };
    const baseEnv = { ...withoutAwsProfile(process.env), ...awsEnv, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...QUIET_LOCAL_NODE };
    const awsClientConfig = { region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

    progress('Starting DynamoDB Local, SQS, Secrets Manager and the Intercom simulator');
    const configPromise = resolveServerlessConfig(STAGE, baseEnv);
    const dynamoPromise = startDynamoDbLocal(ports.dynamodb);
    // Registered before awaiting, so a failure elsewhere still stops java.
    stops.push(async () => (await dynamoPromise.catch(() => undefined))?.process.stop());

    const sqsServer = await createSqsServer({ port: ports.sqs, hostname: '127.0.0.1', accountId: ACCOUNT_ID, region: REGION });
    stops.push(() => new Promise<void>((resolve) => sqsServer.close(() => resolve())));
    const secrets = await startSecretsManagerLocal({ port: ports.secrets });
    stops.push(() => secrets.stop());

    let intercomApiUrl: string;
    let intercomRegionUrls: RunningStack['intercomRegionUrls'];
    let intercomOauthUrl: string;
    if (options.intercomApiBaseUrl) {
      intercomApiUrl = options.intercomApiBaseUrl;
      intercomRegionUrls = {
        EU: options.intercomApiBaseUrlEu ?? 'https://api.eu.intercom.io',
        AU: options.intercomApiBaseUrlAu ?? 'https://api.au.intercom.io',
      };
      intercomOauthUrl = options.intercomOauthUrl ?? 'https://app.intercom.com/oauth';
    } else {
      const { startIntercomSimulator } = await import('./intercom-simulator');
      const simulator = await startIntercomSimulator({
        port: ports.intercom,
        oauthClients: [{ clientId: options.intercomClientId, clientSecret: options.intercomClientSecret }],
      });
      stops.push(() => simulator.stop());
      intercomApiUrl = simulator.url;
      intercomRegionUrls = { EU: simulator.regionUrls.EU, AU: simulator.regionUrls.AU };
      intercomOauthUrl = `${simulator.url}/oauth`;
    }

    const apiUrl = `http://localhost:${ports.http}`;
    const consoleOptions = options.console ?? { workspaceId: LOCAL_TIMEBOOK_WORKSPACE_ID, products: [LOCAL_PRODUCT] };
    const consoleServer = await startConsoleServer({
      port: ports.console,
      basePath: options.appBasePath ?? '',
      config: () => ({
        apiUrl,
        workspaceId: consoleOptions.workspaceId,
        products: consoleOptions.products,
        ...(consoleOptions.jwt ? { jwt: consoleOptions.jwt } : {}),
        // Local mode: the console links the simulator's page (tag, reply, redact, subscribe).
        ...(options.intercomApiBaseUrl ? {} : { simulatorUrl: `${intercomApiUrl}/_sim/ui` }),
      }),
    });
    stops.push(() => consoleServer.stop());
    const appUrl = consoleServer.url;

    const [config, dynamo] = await Promise.all([configPromise, dynamoPromise]);

    progress('Creating tables and queues from serverless.yml');
    const dynamoClient = new DynamoDBClient({ ...awsClientConfig, endpoint: awsEnv.AWS_ENDPOINT_URL_DYNAMODB });
    const sqs = new SQSClient({ ...awsClientConfig, endpoint: awsEnv.AWS_ENDPOINT_URL_SQS });
    const secretsClient = new SecretsManagerClient({ ...awsClientConfig, endpoint: awsEnv.AWS_ENDPOINT_URL_SECRETS_MANAGER });
    stops.push(async () => {
      dynamoClient.destroy();
      sqs.destroy();
      secretsClient.destroy();
    });
    const tables = await createTables(dynamoClient, config);
    const queues = await createQueues(sqs, config, {
      region: REGION,
      accountId: ACCOUNT_ID,
      maxVisibilityTimeoutSeconds: options.maxVisibilityTimeoutSeconds,
    });
    const queueUrl = (logicalId: string) => {
      const queue = queues.get(logicalId);
      if (!queue) throw new Error(`serverless.yml declares no queue ${logicalId}`);
      return queue.url;
    };
    const functionEnv: Record<string, string> = {
      ...awsEnv,
      HTTP_PORT: String(ports.http),
      ESBUILD_WORK_FOLDER: `.esbuild-offline-${ports.http}`,
      LAMBDA_PORT: String(ports.lambda),
      EVENTS_QUEUE_URL: queueUrl('EventsQueue'),
      // Capped locally below the worker's timeout, which AWS would refuse (lib/platform/config.ts).
      EVENTS_QUEUE_VISIBILITY_TIMEOUT_SECONDS: String(queues.get('EventsQueue')?.visibilityTimeoutSeconds ?? ''),
      BACKFILL_QUEUE_URL: queueUrl('ContactsBackfillQueue'),
      FEEDBACK_CATCHUP_QUEUE_URL: queueUrl('FeedbackCatchupQueue'),
      WRITE_BACK_QUEUE_URL: queueUrl('WriteBackQueue'),
      INTERCOM_API_BASE_URL: intercomApiUrl,
      INTERCOM_API_BASE_URL_EU: intercomRegionUrls.EU,
      INTERCOM_API_BASE_URL_AU: intercomRegionUrls.AU,
      INTERCOM_OAUTH_URL: intercomOauthUrl,
      INTERCOM_CLIENT_ID: options.intercomClientId,
      PUBLIC_BASE_URL: `http://localhost:${ports.http}`,
      APP_URL: appUrl,
      ADMIN_JWT_SECRET: options.adminJwtSecret,
      ADMIN_JWT_AUDIENCE: options.adminJwtAudience,
      LOG_LEVEL: options.logLevel ?? 'INFO',
      ...(options.schedules === false ? { SCHEDULES_ENABLED: 'false' } : {}),
    };
    const clientSecretName = `${config.service}/${STAGE}/oauth-client-secret`;
    await secretsClient.send(new CreateSecretCommand({ Name: clientSecretName, SecretString: options.intercomClientSecret }));

    progress('Starting serverless-offline (bundling the functions)');
    const offline = ManagedProcess.start(
      'serverless-offline',
      process.execPath,
      [SERVERLESS_BIN, 'offline', 'start', '--stage', STAGE],
      { cwd: ROOT, env: { ...baseEnv, ...functionEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    stops.push(async () => {
      await offline.stop();
      rmSync(join(ROOT, functionEnv.ESBUILD_WORK_FOLDER!), { recursive: true, force: true });
    });
    const functionLog = lineSink(options.functionLog);
    stops.push(async () => functionLog.close());
    pipeLines(offline, functionLog);

    const lambdaEndpoint = `http://127.0.0.1:${ports.lambda}`;
    const mappings: EventSourceMapping[] = Object.entries(config.functions).flatMap(([key, fn]) =>
      (fn.events ?? []).flatMap((event) => {
        const sqsEvent = event.sqs as { arn?: { 'Fn::GetAtt'?: [string, string] }; batchSize?: number } | undefined;
        const logicalId = sqsEvent?.arn?.['Fn::GetAtt']?.[0];
        const queue = logicalId ? queues.get(logicalId) : undefined;
        if (!sqsEvent || !queue) return [];
        return [
          {
            functionName: lambdaName(config, STAGE, key),
            queueUrl: queue.url,
            queueArn: queue.arn,
            batchSize: sqsEvent.batchSize ?? 10,
            concurrency: 4,
            visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
          },
        ];
      }),
    );
    const eventSource = new SqsEventSource(sqs, lambdaEndpoint, mappings, REGION, (message) =>
      functionLog.write(`[sqs-event-source] ${message}`),
    );

    await Promise.race([
      waitFor('serverless-offline', async () => (await fetch(`${apiUrl}/v1/health`)).status === 200, 120_000),
      offline.exit.then((code) => {
        throw new Error(`serverless-offline exited with code ${code} before it was ready`);
      }),
    ]);
    eventSource.start();
    stops.push(() => eventSource.stop());
    progress('Loading the functions');
    await warmFunctions({ config, stage: STAGE, apiUrl, lambdaEndpoint });

    return {
      apiUrl,
      appUrl,
      intercomApiUrl,
      intercomRegionUrls,
      intercomOauthUrl,
      queues: Object.fromEntries(queues),
      tables,
      env: functionEnv,
      dynamoDbPid: dynamo.process.pid,
      dynamoDbProxyUrl: proxy?.url,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Dummy credentials and the endpoints of the local stand-ins, as the AWS SDK reads them. */
export function localAwsEnv(ports: Pick<StackPorts, 'dynamodb' | 'sqs' | 'secrets'>) {
  return {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${ports.dynamodb}`,
    AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${ports.sqs}`,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${ports.secrets}`,
  };
}

/** Free TCP ports on 127.0.0.1, one for each part of the stack. */
export async function freePorts(): Promise<StackPorts> {
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
  const [http, lambda, dynamodb, sqs, secrets, intercom, consolePort] = await Promise.all([one(), one(), one(), one(), one(), one(), one()]);
  return { http: http!, lambda: lambda!, dynamodb: dynamodb!, sqs: sqs!, secrets: secrets!, intercom: intercom!, console: consolePort! };
}

function withoutAwsProfile(env: NodeJS.ProcessEnv): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !['AWS_PROFILE', 'AWS_SESSION_TOKEN'].includes(key)) copy[key] = value;
  }
  return copy;
}

interface LineSink {
  write(line: string): void;
  close(): void;
}

function lineSink(target: StackOptions['functionLog']): LineSink {
  if ('onLine' in target) return { write: target.onLine, close: () => undefined };
  mkdirSync(dirname(target.file), { recursive: true });
  const out = createWriteStream(target.file, { flags: 'a' });
  return { write: (line) => out.write(`${line}\n`), close: () => out.end() };
}

function pipeLines(child: ManagedProcess, sink: LineSink): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) sink.write(line);
    });
  }
}
