import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../dev/dynamodb-local';
import { ManagedProcess, waitFor } from '../dev/processes';
import { createQueues, createTables } from '../dev/provision';
import { startSecretsManagerLocal } from '../dev/secrets-manager-local';
import { deploymentBuildOptions, lambdaMemoryMb, resolveServerlessConfig } from '../dev/serverless-config';
import { regionUrls } from '../dev/intercom-simulator/regions';
import { freePorts, localAwsEnv, QUIET_LOCAL_NODE } from '../dev/stack';

const ROOT = join(__dirname, '..');
const REGION = 'us-east-1';
const STAGE = 'local';

/** The backing services of a benchmark run and the environment the service's code runs with. */
export interface BenchServices {
  env: Record<string, string>;
  intercomUrl: string;
  /** How serverless.yml deploys the contacts backfill function: its memory, NODE_OPTIONS and build. */
  backfillLambda: { memoryMb: number; nodeOptions: string | undefined; buildOptions: ReturnType<typeof deploymentBuildOptions> };
  /** Process ids, for CPU accounting. */
  pids: { dynamodbLocal: number; simulator: number };
  stop(): Promise<void>;
}

/**
 * Starts what the backfill needs, without serverless-offline: DynamoDB Local, a local SQS, the
 * Secrets Manager stand-in, and the Intercom simulator in a process of its own (so that serving
 * contacts never shares a CPU thread with the code being measured). Tables and queues come from
 * serverless.yml, like the local stack's.
 */
export async function startBenchServices(): Promise<BenchServices> {
  const ports = await freePorts();
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
  };
  try {
    const aws = { ...localAwsEnv(ports), ...QUIET_LOCAL_NODE };
    const configPromise = resolveServerlessConfig(STAGE, { ...process.env, ...aws, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' });
    const dynamodb = await startDynamoDbLocal(ports.dynamodb);
    stops.push(() => dynamodb.process.stop());
    const sqsServer = await createSqsServer({ port: ports.sqs, hostname: '127.0.0.1', accountId: '000000000000', region: REGION });
    stops.push(() => new Promise<void>((resolve) => sqsServer.close(() => resolve())));
    const secrets = await startSecretsManagerLocal({ port: ports.secrets });
    stops.push(() => secrets.stop());
    const intercomUrl = `http://127.0.0.1:${ports.intercom}`;
    const simulator = ManagedProcess.start(
      'intercom-simulator',
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'dev', 'intercom-simulator', 'main.ts'), '--port', String(ports.intercom)],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    stops.push(() => simulator.stop());
    await waitFor('the Intercom simulator', async () => (await fetch(`${intercomUrl}/_sim/health`)).ok, 30_000);

    const config = await configPromise;
    const clientConfig = { region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    const dynamo = new DynamoDBClient({ ...clientConfig, endpoint: aws.AWS_ENDPOINT_URL_DYNAMODB });
    const sqs = new SQSClient({ ...clientConfig, endpoint: aws.AWS_ENDPOINT_URL_SQS });
    await createTables(dynamo, config);
    const queues = await createQueues(sqs, config, { region: REGION, accountId: '000000000000', maxVisibilityTimeoutSeconds: 60 });
    dynamo.destroy();
    sqs.destroy();

    const env: Record<string, string> = {
      ...aws,
      STAGE,
      TABLE_NAME: `${config.service}-${STAGE}`,
      IDEMPOTENCY_TABLE_NAME: `${config.service}-${STAGE}-idempotency`,
      EVENTS_QUEUE_URL: queues.get('EventsQueue')!.url,
      BACKFILL_QUEUE_URL: queues.get('ContactsBackfillQueue')!.url,
      FEEDBACK_CATCHUP_QUEUE_URL: queues.get('FeedbackCatchupQueue')!.url,
      WRITE_BACK_QUEUE_URL: queues.get('WriteBackQueue')!.url,
      SECRETS_PREFIX: `${config.service}/${STAGE}`,
      INTERCOM_API_BASE_URL: intercomUrl,
      INTERCOM_API_BASE_URL_EU: regionUrls(intercomUrl).EU,
      INTERCOM_API_BASE_URL_AU: regionUrls(intercomUrl).AU,
      INTERCOM_OAUTH_URL: `${intercomUrl}/oauth`,
      INTERCOM_VERSION: '2.16',
      INTERCOM_CLIENT_SECRET_NAME: `${config.service}/${STAGE}/oauth-client-secret`,
      ADMIN_JWT_SECRET: 'bench-only-secret',
      ADMIN_JWT_AUDIENCE: 'timebook-intercom',
      POWERTOOLS_SERVICE_NAME: config.service,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    return {
      env,
      intercomUrl,
      backfillLambda: {
        memoryMb: lambdaMemoryMb(config, 'contactsBackfill'),
        nodeOptions: config.provider.environment?.NODE_OPTIONS,
        buildOptions: deploymentBuildOptions(config),
      },
      pids: { dynamodbLocal: dynamodb.process.pid, simulator: simulator.pid },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
