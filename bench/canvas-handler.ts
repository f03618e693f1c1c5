import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SimulatorClient } from '../dev/intercom-simulator';
import { connectWithToken } from '../lib/connect/connect-token';
import { setWebhookSecret } from '../lib/connect/webhook-secret';
import { putProductFeedback } from '../lib/feedback/manage-feedback';
import { dependencies } from '../lib/platform/dependencies';
import { handler as inboxApp } from '../functions/http/inbox-app';
import { lambdaContext } from './lambda-context';
import { handler as intake } from '../functions/http/webhook-intake';

/*
 * Child process of `npm run bench`: the inbox app's canvas handler, as Lambda runs it, against the
 * local DynamoDB, SQS, Secrets Manager and the Intercom simulator (in a process of its own). The
 * process is a fresh container: its first call is the cold one (BENCH_CANVAS_FIRST says which
 * request it is). Then, warm, `initialize` for a conversation that has a ticket, alternated with the
 * webhook intake for the same workspace, and `submit`s that each make a ticket from a conversation of
 * their own (two `GET /conversations/{id}` and the ticket's writes).
 */

const ROUNDS = Number(process.env.BENCH_CANVAS_ROUNDS ?? 200);
const SUBMITS = Number(process.env.BENCH_CANVAS_SUBMITS ?? 100);
const WARMUP = 20;
const FIRST = process.env.BENCH_CANVAS_FIRST === 'submit' ? 'submit' : 'initialize';

function event(routeKey: string, path: string, pathParameters: Record<string, string>, body: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    pathParameters,
    isBase64Encoded: false,
    body,
    requestContext: { http: { method: 'POST', path } } as APIGatewayProxyEventV2['requestContext'],
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(call: () => Promise<unknown>, expect: (body: string) => boolean): Promise<number> {
  const started = performance.now();
  const result = (await call()) as { statusCode?: number; body?: string };
  const ms = performance.now() - started;
  if (result.statusCode !== 200 || !expect(result.body ?? '')) throw new Error(`a benchmarked call answered ${result.statusCode}: ${result.body}`);
  return ms;
}

async function main(): Promise<void> {
  const deps = dependencies();
  const workspaceId = `bench_canvas_${process.pid}`;
  const simulator = new SimulatorClient(deps.config.INTERCOM_API_BASE_URL);
  const workspace = await simulator.createWorkspace({});
  const { conversations } = await simulator.seedConversations(workspace.appId, { count: SUBMITS + WARMUP + 2, seed: 5, partsPerConversation: 6 });
  await connectWithToken(deps, { workspaceId, accessToken: workspace.accessToken, admin: { sub: 'bench', workspaceIds: [workspaceId] } });
  const { webhookUrl } = await setWebhookSecret(deps, { workspaceId, clientSecret: workspace.clientSecret });
  const webhookKey = webhookUrl.split('/').pop()!;
  for (const [productId, productName] of [['bench_mobile', 'Mobile app'], ['bench_web', 'Web app']] as const) {
    await putProductFeedback(deps, { workspaceId, productId, enabled: true, triggerTagIds: [], productName });
  }

  const canvas = async (step: 'initialize' | 'submit', conversationId: string) => {
    const path = `/v1/intercom/canvas/${webhookKey}/${step}`;
    const built = await simulator.canvasSubmit(workspace.appId, {
      url: `http://localhost${path}`,
      conversationId,
      componentId: 'send',
      inputValues: { product: 'bench_web' },
      dryRun: true,
    });
    const body = step === 'initialize' ? JSON.stringify({ ...JSON.parse(built.body), component_id: undefined, input_values: undefined }) : built.body;
    const { createHmac } = await import('node:crypto');
    const headers = { ...built.headers, 'X-Body-Signature': createHmac('sha256', workspace.clientSecret).update(body).digest('hex') };
    return event(`POST /v1/intercom/canvas/{webhookKey}/${step}`, path, { webhookKey }, body, headers);
  };
  const listed = conversations[0]!;
  const initializeEvent = await canvas('initialize', listed.id);
  const submitEvents = await Promise.all(conversations.slice(1).map((conversation) => canvas('submit', conversation.id)));
  const built = await simulator.buildWebhook({ appId: workspace.appId, topic: 'conversation.user.replied', conversationId: listed.id, partIds: [listed.parts.at(-1)!.id] });
  const intakeEvent = event('POST /v1/webhooks/intercom/{webhookKey}', `/v1/webhooks/intercom/${webhookKey}`, { webhookKey }, built.body, built.headers);

  const sent = (body: string) => body.includes('Sent to Web app.');
  const runInitialize = () => timed(() => inboxApp(initializeEvent, lambdaContext('inboxApp')), (body) => body.includes('Send to Timebook'));
  const runIntake = () => timed(() => intake(intakeEvent, lambdaContext('webhookIntake')), (body) => body.includes('"ok":true'));
  const cold = FIRST === 'initialize' ? await runInitialize() : await timed(() => inboxApp(submitEvents.shift()!, lambdaContext('inboxApp')), sent);
  if (FIRST === 'submit') {
    process.send!({ first: FIRST, coldMs: cold });
    return;
  }

  // The listed conversation gets its ticket, so each initialize lists one.
  await timed(() => inboxApp(submitEvents.pop()!, lambdaContext('inboxApp')), sent);
  await timed(() => inboxApp(initializeEvent, lambdaContext('inboxApp')), (body) => body.includes('Web app'));
  for (let i = 0; i < WARMUP; i += 1) {
    await runInitialize();
    await runIntake();
    await timed(() => inboxApp(submitEvents.shift()!, lambdaContext('inboxApp')), sent);
  }
  const initializeMs: number[] = [];
  const intakeMs: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    if (i % 2 === 0) {
      initializeMs.push(await runInitialize());
      intakeMs.push(await runIntake());
    } else {
      intakeMs.push(await runIntake());
      initializeMs.push(await runInitialize());
    }
  }
  const submitMs: number[] = [];
  for (const submitEvent of submitEvents) submitMs.push(await timed(() => inboxApp(submitEvent, lambdaContext('inboxApp')), sent));
  process.send!({
    first: FIRST,
    coldMs: cold,
    rounds: ROUNDS,
    submits: submitMs.length,
    initializeMedianMs: median(initializeMs),
    intakeMedianMs: median(intakeMs),
    submitMedianMs: median(submitMs),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
