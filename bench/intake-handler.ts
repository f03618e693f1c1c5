import { createHmac, timingSafeEqual } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SimulatorClient } from '../dev/intercom-simulator';
import { connectWithToken } from '../lib/connect/connect-token';
import { setWebhookSecret } from '../lib/connect/webhook-secret';
import { dynamoClient, secretsManagerClient, sqsClient } from '../lib/platform/aws-clients';
import { dependencies } from '../lib/platform/dependencies';
import { secretNames } from '../lib/platform/secret-store';
import { keys } from '../lib/store/keys';
import { handler as intake } from '../functions/http/webhook-intake';
import { lambdaContext } from './lambda-context';

/*
 * Child process of `npm run bench`: the webhook intake handler against a reference handler that
 * makes the network calls any correct intake must, and nothing else, both warm, called alternately
 * in one process against the same local DynamoDB, SQS and Secrets Manager.
 */

const ROUNDS = Number(process.env.BENCH_INTAKE_ROUNDS ?? 400);
const WARMUP = 50;

function event(webhookKey: string, body: string, signature: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/webhooks/intercom/{webhookKey}',
    rawPath: `/v1/webhooks/intercom/${webhookKey}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
    pathParameters: { webhookKey },
    isBase64Encoded: false,
    body,
    requestContext: { http: { method: 'POST', path: `/v1/webhooks/intercom/${webhookKey}` } } as APIGatewayProxyEventV2['requestContext'],
  };
}

/**
 * The least a correct intake does. The client secret lives in Secrets Manager (nothing secret is
 * stored in DynamoDB), so the URL's route item is read on every call (`GetItem`): it names the
 * workspace, its Intercom app and the secret's current version, which a new secret replaces in the
 * same write that makes it current. The secret is kept per version, so Secrets Manager is read
 * only when the route names a version not held yet: a replaced secret stops working at once, and a
 * warm call makes two network calls, the `GetItem` and one `SendMessage`. Between them: the HMAC
 * over the raw body, the envelope's `app_id` checked against the route's.
 */
function referenceHandler(config: { table: string; secretsPrefix: string; queueUrl: string }) {
  const held = new Map<string, { version: string; value: string }>();
  const secretOf = async (name: string, version: string | undefined) => {
    const cached = held.get(name);
    if (cached && cached.version === version) return cached.value;
    const { SecretString, VersionId } = await secretsManagerClient().send(new GetSecretValueCommand({ SecretId: name }));
    held.set(name, { version: VersionId!, value: SecretString! });
    return SecretString!;
  };
  return async (request: APIGatewayProxyEventV2) => {
    const { pk, sk } = keys.webhookRoute(request.pathParameters!.webhookKey!);
    const { Item: route } = await dynamoClient().send(new GetItemCommand({ TableName: config.table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }));
    if (!route) return { statusCode: 404 };
    const name = secretNames.webhookSecret(config.secretsPrefix, route.workspaceId!.S!, route.connectionId!.S!);
    const secret = await secretOf(name, route.secretVersion?.S);
    const body = Buffer.from(request.body ?? '', 'utf8');
    const expected = Buffer.from(`sha1=${createHmac('sha1', secret).update(body).digest('hex')}`);
    const given = Buffer.from(request.headers['x-hub-signature'] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { statusCode: 401 };
    const notification = JSON.parse(body.toString('utf8')) as { app_id?: string };
    if (notification.app_id !== route.appId?.S) return { statusCode: 403 };
    await sqsClient().send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: body.toString('utf8') }));
    return { statusCode: 200 };
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const deps = dependencies();
  const simulator = new SimulatorClient(deps.config.INTERCOM_API_BASE_URL);
  const workspace = await simulator.createWorkspace({});
  const { conversations } = await simulator.seedConversations(workspace.appId, { count: 1, seed: 3 });
  const conversation = conversations[0]!;
  const admin = { sub: 'bench', workspaceIds: ['bench_intake'] };
  await connectWithToken(deps, { workspaceId: 'bench_intake', accessToken: workspace.accessToken, admin });
  const { webhookUrl } = await setWebhookSecret(deps, { workspaceId: 'bench_intake', clientSecret: workspace.clientSecret });
  const webhookKey = webhookUrl.split('/').pop()!;
  const built = await simulator.buildWebhook({
    appId: workspace.appId,
    topic: 'conversation.user.replied',
    conversationId: conversation.id,
    partIds: [conversation.parts.at(-1)!.id],
  });
  const request = event(webhookKey, built.body, built.headers['X-Hub-Signature'] ?? built.headers['x-hub-signature']!);
  const reference = referenceHandler({ table: deps.config.TABLE_NAME, secretsPrefix: deps.config.SECRETS_PREFIX, queueUrl: deps.config.EVENTS_QUEUE_URL });

  const timed = async (call: () => Promise<{ statusCode?: number } | unknown>) => {
    const started = performance.now();
    const result = (await call()) as { statusCode?: number };
    const ms = performance.now() - started;
    if (result.statusCode !== 200) throw new Error(`a benchmarked call answered ${result.statusCode}`);
    return ms;
  };
  const runIntake = () => timed(() => intake(request, lambdaContext('webhookIntake')));
  const runReference = () => timed(() => reference(request));
  for (let i = 0; i < WARMUP; i += 1) {
    await runIntake();
    await runReference();
  }
  const intakeMs: number[] = [];
  const referenceMs: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    // Alternate which goes first, so drift in the machine's load falls on both alike.
    if (i % 2 === 0) {
      intakeMs.push(await runIntake());
      referenceMs.push(await runReference());
    } else {
      referenceMs.push(await runReference());
      intakeMs.push(await runIntake());
    }
  }
  process.send!({ rounds: ROUNDS, intakeMedianMs: median(intakeMs), referenceMedianMs: median(referenceMs) });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
