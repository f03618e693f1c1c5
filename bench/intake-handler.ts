import { createHmac, timingSafeEqual } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SimulatorClient } from '../dev/intercom-simulator';
import { connectWithToken } from '../lib/connect/connect-token';
import { setWebhookSecret } from '../lib/connect/webhook-secret';
import { sqsClient } from '../lib/platform/aws-clients';
import { dependencies } from '../lib/platform/dependencies';
import { handler as intake } from '../functions/http/webhook-intake';
import { lambdaContext } from './lambda-context';

/*
 * Child process of `npm run bench`: the webhook intake handler against a minimal reference handler
 * that only verifies the HMAC and sends one SQS message, both warm, called alternately in one
 * process against the same local DynamoDB, SQS and Secrets Manager.
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

/** The least an intake can do: check the HMAC with a secret it already holds, send one message. */
function referenceHandler(secret: string, queueUrl: string) {
  return async (request: APIGatewayProxyEventV2) => {
    const body = Buffer.from(request.body ?? '', 'utf8');
    const expected = Buffer.from(`sha1=${createHmac('sha1', secret).update(body).digest('hex')}`);
    const given = Buffer.from(request.headers['x-hub-signature'] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { statusCode: 401 };
    await sqsClient().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body.toString('utf8') }));
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
  const reference = referenceHandler(workspace.clientSecret, deps.config.EVENTS_QUEUE_URL);

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
