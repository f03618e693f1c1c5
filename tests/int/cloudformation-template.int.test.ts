import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVERLESS_BIN } from '../../dev/serverless-config';
import { INCREMENTAL_LEASE_SECONDS } from '../../lib/contacts/incremental-lease';
import { CATCHUP_STEP_BUDGET_MS } from '../../lib/feedback/catchup';
import { CATCHUP_LEASE_SECONDS } from '../../lib/feedback/catchup-state';
import { PURGE_AGAIN_AFTER_SECONDS } from '../../lib/contacts/purge-contacts';
import { DROP_REASONS } from '../../lib/events/event-failures';
import { INTERCOM_WORST_CASE_MS, RECORD_BUDGET_MS, STORE_ALLOWANCE_MS } from '../../lib/events/record-budget';
import { ATTEMPT_LEASE_MS } from '../../lib/feedback/write-back';
import { secretNames } from '../../lib/platform/secret-store';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: unknown };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let outDir: string;
let resources: Record<string, Resource>;

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

// Dummy credentials and no endpoints: packaging must not need AWS.
const BASE_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? tmpdir(),
  AWS_ACCESS_KEY_ID: 'dummy',
  AWS_SECRET_ACCESS_KEY: 'dummy',
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
};
/** What a deployed stage must be given. APP_URL carries a path, which the CORS origin leaves out. */
const DEPLOY_ENV: Record<string, string> = {
  PUBLIC_BASE_URL: 'https://intercom.timebook.test',
  APP_URL: 'https://app.timebook.test/console',
  ADMIN_JWKS_URL: 'https://auth.timebook.test/.well-known/jwks.json',
  ADMIN_JWT_ISSUER: 'https://auth.timebook.test/',
};
const REQUIRED_ON_DEPLOYED_STAGES = Object.keys(DEPLOY_ENV);

const serverless = (args: string[], env: Record<string, string>) =>
  run(process.execPath, [SERVERLESS_BIN, ...args], { cwd: ROOT, env: { ...BASE_ENV, ...env }, maxBuffer: 16 * 1024 * 1024 });

/** Whether the command failed, and everything it printed (the Framework prints its errors on stdout). */
const outcomeOf = (command: Promise<unknown>) =>
  command.then(
    () => ({ refused: false, output: '' }),
    (error: { stdout: string; stderr: string }) => ({ refused: true, output: `${error.stdout}${error.stderr}` }),
  );

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'timebook-intercom-package-'));
  await serverless(['package', '--stage', 'ci', '--package', outDir], DEPLOY_ENV);
  const template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = template.Resources;
}, 180_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('packaging a stage', () => {
  it('refuses a deployed stage without its public URLs and admin JWT settings, naming each', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'timebook-intercom-refused-'));
    try {
      const outcome = await outcomeOf(serverless(['package', '--stage', 'prod', '--package', scratch], {}));
      expect(outcome.refused).toBe(true);
      expect(outcome.output).toMatch(/Stage "prod": set PUBLIC_BASE_URL/);
      for (const name of REQUIRED_ON_DEPLOYED_STAGES) expect(outcome.output).toContain(name);
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses a deployed stage whose APP_URL is not a URL', async () => {
    const outcome = await outcomeOf(serverless(['print', '--stage', 'prod'], { ...DEPLOY_ENV, APP_URL: 'app.timebook.test' }));
    expect(outcome.refused).toBe(true);
    expect(outcome.output).toContain('APP_URL must be an http(s) URL');
  }, 60_000);

  it('resolves the local stage without any of them', async () => {
    const { stdout } = await serverless(['print', '--stage', 'local', '--format', 'json'], {});
    const config = JSON.parse(stdout) as { provider: { environment: Record<string, string>; httpApi: { cors: unknown } } };
    for (const name of REQUIRED_ON_DEPLOYED_STAGES) expect(config.provider.environment[name], name).toBe('');
    expect(config.provider.httpApi.cors).toBe(false);
  }, 60_000);

  it('keeps the schedules on for every deployed stage; only the local stage\'s tests switch them off', async () => {
    const eventsOf = async (stage: string, env: Record<string, string>) => {
      const { stdout } = await serverless(['print', '--stage', stage, '--format', 'json'], { ...env, SCHEDULES_ENABLED: 'false' });
      const config = JSON.parse(stdout) as { functions: Record<string, { events?: Array<{ schedule?: { enabled: boolean } }> }> };
      return Object.values(config.functions).flatMap((fn) => fn.events ?? []).flatMap((event) => (event.schedule ? [event.schedule.enabled] : []));
    };
    const deployed = await eventsOf('ci', DEPLOY_ENV);
    const local = await eventsOf('local', {});
    expect(deployed.length).toBeGreaterThanOrEqual(2);
    expect(deployed.every((enabled) => enabled === true)).toBe(true);
    expect(local).toEqual(deployed.map(() => false));
  }, 60_000);

  it('takes a stage\'s own throttling limits from its parameters', async () => {
    const { stdout } = await serverless(
      ['print', '--stage', 'ci', '--format', 'json', '--param=httpApiThrottlingBurstLimit=40', '--param=httpApiThrottlingRateLimit=20'],
      DEPLOY_ENV,
    );
    const config = JSON.parse(stdout) as { resources: { extensions: Record<string, { Properties: Record<string, any> }> } };
    expect(config.resources.extensions.HttpApiStage!.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingBurstLimit: 40,
      ThrottlingRateLimit: 20,
    });
  }, 60_000);
});

describe('the packaged CloudFormation template', () => {
  it('declares on-demand tables with point-in-time recovery and a TTL attribute', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const [, table] of tables) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.TimeToLiveSpecification.Enabled).toBe(true);
      expect(table.Properties.TimeToLiveSpecification.AttributeName).toMatch(/^\w+$/);
    }
    const main = resources.Table!;
    expect(main.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(main.Properties.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName)).toContain('gsi1');
  });

  it('gives every work queue a dead-letter queue, and every dead-letter queue an alarm', () => {
    const queues = ofType('AWS::SQS::Queue');
    const workQueues = queues.filter(([, queue]) => queue.Properties.RedrivePolicy);
    const deadLetterIds = new Set(workQueues.map(([, queue]) => queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]));
    expect(workQueues.map(([id]) => id).sort()).toEqual(['ContactsBackfillQueue', 'EventsQueue', 'FeedbackCatchupQueue', 'WriteBackQueue']);
    // Every queue is either a work queue or the dead-letter queue of one.
    expect(workQueues.length + deadLetterIds.size).toBe(queues.length);
    for (const [, queue] of workQueues) {
      expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBeGreaterThan(1);
    }
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    for (const dlq of deadLetterIds) {
      const alarm = alarms.find((a) => a.Dimensions?.[0]?.Value?.['Fn::GetAtt']?.[0] === dlq);
      expect(alarm, `alarm on ${dlq}`).toBeDefined();
      expect(alarm!.MetricName).toBe('ApproximateNumberOfMessagesVisible');
      expect(alarm!.ComparisonOperator).toBe('GreaterThanThreshold');
      expect(alarm!.Threshold).toBe(0);
      expect(alarm!.AlarmActions.length).toBeGreaterThan(0);
    }
  });

  it('alarms on dropped webhook events, whatever their reason', () => {
    const alarm = resources.DroppedEventsAlarm!.Properties;
    expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(alarm.TreatMissingData).toBe('notBreaching');
    const [total, ...series] = alarm.Metrics as Array<Record<string, any>>;
    expect(total).toMatchObject({ Expression: 'SUM(FILL(METRICS(), 0))', ReturnData: true });
    // One series per reason the service counts (lib/platform/metrics.ts), each as it is emitted.
    expect(series.map((metric) => metric.MetricStat.Metric.Dimensions.find((d: { Name: string }) => d.Name === 'reason').Value).sort()).toEqual(
      [...DROP_REASONS].sort(),
    );
    for (const metric of series) {
      expect(metric.ReturnData).toBe(false);
      expect(metric.MetricStat).toMatchObject({ Stat: 'Sum', Metric: { Namespace: 'TimebookIntercom', MetricName: 'DroppedEvents' } });
      expect(metric.MetricStat.Metric.Dimensions).toContainEqual({ Name: 'service', Value: 'timebook-intercom' });
    }
  });

  it('runs every function on nodejs22.x, arm64, with a log group that expires', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      const logGroup = resources[id.replace(/LambdaFunction$/, 'LogGroup')];
      expect(logGroup?.Properties.RetentionInDays, id).toBeGreaterThan(0);
    }
  });

  it('serves GET /v1/health on an HTTP API', () => {
    expect(ofType('AWS::ApiGatewayV2::Api')).toHaveLength(1);
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);
    expect(routes).toContain('GET /v1/health');
  });

  it("gives the deployed functions the stage's URLs and JWT settings", () => {
    const environment = resources.AdminLambdaFunction!.Properties.Environment.Variables as Record<string, string>;
    for (const [name, value] of Object.entries(DEPLOY_ENV)) expect(environment[name], name).toBe(value);
    expect(environment.ADMIN_JWT_SECRET).toBe('');
  });

  it("allows cross-origin calls from APP_URL's origin only, with the admin routes' headers and methods", () => {
    const [[, api]] = ofType('AWS::ApiGatewayV2::Api') as [[string, Resource]];
    const cors = api.Properties.CorsConfiguration;
    expect(cors.AllowOrigins).toEqual(['https://app.timebook.test']);
    expect([...cors.AllowHeaders].sort()).toEqual(['Authorization', 'Content-Type']);
    expect([...cors.AllowMethods].sort()).toEqual(['DELETE', 'GET', 'PATCH', 'POST', 'PUT']);
    // Bearer tokens, no cookies.
    expect(cors.AllowCredentials).toBeUndefined();
    expect(cors.MaxAge).toBeGreaterThan(0);
  });

  it('throttles every route of the HTTP API by default (the README states the limits)', () => {
    const [[, stage]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    expect(stage.Properties.StageName).toBe('$default');
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingBurstLimit: 200,
      ThrottlingRateLimit: 100,
    });
  });

  it('grants no wildcard actions or resources, and each function only its own actions', () => {
    const roles = ofType('AWS::IAM::Role');
    for (const [roleId, role] of roles) {
      for (const policy of role.Properties.Policies ?? []) {
        for (const statement of policy.PolicyDocument.Statement as Statement[]) {
          for (const action of asArray(statement.Action)) {
            expect(action, `${roleId} action`).not.toMatch(/(^\*$|:\*$)/);
          }
          for (const resource of asArray(statement.Resource)) {
            expect(resource, `${roleId} resource`).not.toBe('*');
          }
        }
      }
    }
    const actionsOf = (roleId: string) =>
      (resources[roleId]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])
        .flatMap((policy) => policy.PolicyDocument.Statement)
        .flatMap((statement) => asArray(statement.Action))
        .filter((action) => !action.startsWith('logs:'))
        .sort();
    expect(actionsOf('HealthIamRoleLambdaExecution')).toEqual([
      'dynamodb:DescribeTable',
      'secretsmanager:DescribeSecret',
      'sqs:GetQueueAttributes',
    ]);
    // The health function's role is its own, not the shared one.
    expect(resources.HealthLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['HealthIamRoleLambdaExecution', 'Arn'] });
  });

  it('lets each function reach exactly the secrets it uses: the intake never an access token, the workers only access tokens', () => {
    const environment = resources.HealthLambdaFunction!.Properties.Environment.Variables as Record<string, string>;
    const prefix = environment.SECRETS_PREFIX!;
    const otherStage = prefix.replace(/\/ci$/, '/prod');
    expect(otherStage).not.toBe(prefix);
    // The names the code builds, and another stage's.
    const names: Record<SecretKind, string[]> = {
      oauthClientSecret: [environment.INTERCOM_CLIENT_SECRET_NAME!],
      accessToken: [secretNames.accessToken(prefix, 'ws_1', 'c-0123abcd')],
      webhookSecret: [secretNames.webhookSecret(prefix, 'ws_1', 'c-0123abcd')],
    };
    const otherStageNames = Object.values(names).flat().map((name) => name.replace(prefix, otherStage));
    // Secrets Manager appends a dash and six random characters to a secret's name in its ARN.
    const arnOf = (name: string) => `arn:aws:secretsmanager:${PSEUDO_PARAMETERS['AWS::Region']}:${PSEUDO_PARAMETERS['AWS::AccountId']}:secret:${name}-AbCdEf`;

    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(Object.keys(SECRET_ACCESS).map(functionLogicalId).sort());
    const granted: Record<string, Record<string, string[]>> = {};
    const expected: Record<string, Record<string, string[]>> = {};
    for (const [functionKey, access] of Object.entries(SECRET_ACCESS)) {
      const role = resources[functionLogicalId(functionKey)]!.Properties.Role['Fn::GetAtt'][0] as string;
      const statements = (resources[role]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
        (policy) => policy.PolicyDocument.Statement,
      );
      granted[functionKey] = {};
      expected[functionKey] = {};
      for (const [kind, actions] of Object.entries(access) as [SecretKind, string[]][]) {
        for (const name of names[kind]) expected[functionKey][name] = [...actions].sort();
      }
      for (const name of otherStageNames) expected[functionKey][name] = [];
      for (const name of Object.keys(expected[functionKey])) {
        granted[functionKey][name] = SECRET_ACTIONS.filter((action) => allows(statements, `secretsmanager:${action}`, arnOf(name))).sort();
      }
    }
    expect(granted).toEqual(expected);
  });

  it('runs the inbox app on a role of its own: the table, the secrets it verifies and reads with, the write-back queue only; the intake keeps its own', () => {
    const roleOf = (id: string) => resources[id]!.Properties.Role['Fn::GetAtt'][0] as string;
    expect(roleOf('InboxAppLambdaFunction')).not.toBe(roleOf('WebhookIntakeLambdaFunction'));
    const grants = (resources[roleOf('InboxAppLambdaFunction')]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])
      .flatMap((policy) => policy.PolicyDocument.Statement)
      .filter((statement) => !asArray(statement.Action).every((action) => action.startsWith('logs:')))
      .map((statement) => ({ actions: asArray(statement.Action).sort(), resources: asArray(statement.Resource as unknown).map(renderResource) }));
    const others = grants.filter((grant) => grant.actions.some((action) => !action.startsWith('dynamodb:') && !action.startsWith('secretsmanager:')));
    // A sent ticket's link-back note is queued; no other queue.
    expect(others).toEqual([{ actions: ['sqs:SendMessage'], resources: ['<WriteBackQueue.Arn>'] }]);
    expect(grants.find((grant) => grant.actions.some((action) => action.startsWith('dynamodb:')))?.resources).toEqual(['<Table.Arn>']);
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);
    for (const route of ['POST /v1/intercom/canvas/initialize', 'POST /v1/intercom/canvas/submit', 'POST /v1/intercom/canvas/{webhookKey}/initialize', 'POST /v1/intercom/canvas/{webhookKey}/submit']) {
      expect(routes).toContain(route);
    }
  });

  it('lets a contacts backfill invocation end before the second removal of a former workspace\'s contacts', () => {
    const backfill = resources.ContactsBackfillLambdaFunction!.Properties;
    // A page's claim runs until its invocation's deadline and five seconds more.
    expect(PURGE_AGAIN_AFTER_SECONDS).toBeGreaterThan(backfill.Timeout + 5);
  });

  it("keeps an incremental or reconciliation run's lease over the longest gap between two of its messages", () => {
    const backfill = resources.ContactsBackfillLambdaFunction!.Properties;
    const queue = resources.ContactsBackfillQueue!.Properties;
    // Each message renews the lease before its work. The next renewal comes within one invocation,
    // or, when it fails, once SQS shows it again; a deferral renews for its delay besides.
    expect(INCREMENTAL_LEASE_SECONDS).toBeGreaterThan(backfill.Timeout + queue.VisibilityTimeout);
    expect(INCREMENTAL_LEASE_SECONDS).toBeLessThanOrEqual(30 * 60);
  });

  it('schedules the contact reconciliation daily by default, allowed only to find the workspaces, take their lease and queue the work', () => {
    const rules = ofType('AWS::Events::Rule').map(([, rule]) => rule.Properties);
    const reconcile = rules.find((rule) => rule.Targets.some((target: { Arn: unknown }) => JSON.stringify(target.Arn).includes('ContactsReconcileLambdaFunction')));
    expect(reconcile?.ScheduleExpression).toBe('rate(1 day)');
    expect(rules.every((rule) => rule.State === 'ENABLED')).toBe(true);
    // The functions read the same period (a workspace reconciled within half of it is skipped).
    const environment = resources.ContactsReconcileLambdaFunction!.Properties.Environment.Variables as Record<string, string>;
    expect(environment.CONTACTS_RECONCILE_RATE).toBe('rate(1 day)');

    const role = resources.ContactsReconcileLambdaFunction!.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = (resources[role]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])
      .flatMap((policy) => policy.PolicyDocument.Statement)
      .filter((statement) => !asArray(statement.Action).every((action) => action.startsWith('logs:')));
    const grants = statements.map((statement) => ({ actions: asArray(statement.Action).sort(), resources: asArray(statement.Resource as unknown).map(renderResource) }));
    expect(grants).toEqual([
      { actions: ['dynamodb:Query'], resources: ['<Table.Arn>/index/gsi1'] },
      { actions: ['dynamodb:UpdateItem'], resources: ['<Table.Arn>'] },
      { actions: ['sqs:SendMessage'], resources: ['<ContactsBackfillQueue.Arn>'] },
    ]);
  });

  it("keeps a feedback catch-up's lease over the longest gap between two of its messages, and a step inside an invocation", () => {
    const worker = resources.FeedbackCatchupLambdaFunction!.Properties;
    const queue = resources.FeedbackCatchupQueue!.Properties;
    // Each message renews the lease before each page; after a crash SQS shows the message again
    // once its visibility timeout has passed, and a deferral renews for its delay besides.
    expect(CATCHUP_LEASE_SECONDS).toBeGreaterThan(worker.Timeout + queue.VisibilityTimeout);
    // A step starts only with CATCHUP_STEP_BUDGET_MS left, and the rest of the invocation has room for several.
    expect(worker.Timeout * 1000).toBeGreaterThanOrEqual(3 * CATCHUP_STEP_BUDGET_MS);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Timeout);
  });

  it('gives the write-back worker a queue that hides a note six times its timeout, longer than an attempt holds the note', () => {
    const worker = resources.WriteBackLambdaFunction!.Properties;
    const queue = resources.WriteBackQueue!.Properties;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Timeout);
    // A retry after a crashed attempt finds its lease expired, so it looks for the note and goes on.
    expect(ATTEMPT_LEASE_MS).toBeLessThan(queue.VisibilityTimeout * 1000);
    expect(ATTEMPT_LEASE_MS).toBeGreaterThanOrEqual(worker.Timeout * 1000);
  });

  it('schedules the feedback catch-up every five minutes by default, with a role of its own that can only list, lease and queue', () => {
    const rules = ofType('AWS::Events::Rule').map(([, rule]) => rule.Properties);
    const catchupRule = rules.find((rule) => rule.Targets?.[0]?.Arn?.['Fn::GetAtt']?.[0] === 'FeedbackCatchupScheduleLambdaFunction');
    expect(catchupRule?.ScheduleExpression).toBe('rate(5 minutes)');
    expect(catchupRule?.State).toBe('ENABLED');
    const role = resources.FeedbackCatchupScheduleLambdaFunction!.Properties.Role['Fn::GetAtt'][0] as string;
    expect(role).not.toBe(resources.FeedbackCatchupLambdaFunction!.Properties.Role['Fn::GetAtt'][0]);
    const actions = (resources[role]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])
      .flatMap((policy) => policy.PolicyDocument.Statement)
      .flatMap((statement) => asArray(statement.Action))
      .filter((action) => !action.startsWith('logs:'));
    expect([...new Set(actions)].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'sqs:SendMessage']);
  });

  it("fits the events worker's worst-case record, Intercom retries included, inside its timeout", () => {
    const worker = resources.EventsWorkerLambdaFunction!.Properties;
    const queue = resources.EventsQueue!.Properties;
    // A record starts only with RECORD_BUDGET_MS left, and needs at most that: half the invocation
    // at least is left for starting records, so a batch is never timed out by one slow record.
    expect(RECORD_BUDGET_MS).toBeGreaterThanOrEqual(STORE_ALLOWANCE_MS + INTERCOM_WORST_CASE_MS);
    expect(worker.Timeout * 1000).toBeGreaterThanOrEqual(2 * RECORD_BUDGET_MS);
    // AWS advises a visibility timeout of six times the function's for Lambda event sources.
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Timeout);
  });

  it('packages each function on its own, with a source map', () => {
    const artifacts = readdirSync(outDir).filter((name) => name.endsWith('.zip'));
    const functions = ofType('AWS::Lambda::Function');
    expect(artifacts).toHaveLength(functions.length);
    for (const [, fn] of functions) {
      const artifact = fn.Properties.Code.S3Key.split('/').pop();
      expect(artifacts).toContain(artifact);
      // Zip entry names are stored uncompressed: the bundle and its map are both inside.
      const zip = readFileSync(join(outDir, artifact));
      const entry = `${fn.Properties.Handler.replace(/\.handler$/, '')}.js`;
      expect(zip.includes(entry), entry).toBe(true);
      expect(zip.includes(`${entry}.map`), `${entry}.map`).toBe(true);
    }
  });
});

type SecretKind = 'oauthClientSecret' | 'accessToken' | 'webhookSecret';

/**
 * What each function may do with each kind of secret, from what its code does: the OAuth functions
 * read the OAuth app's client secret, the connect functions write tokens and remove a former webhook
 * secret, the intake reads webhook secrets to verify signatures, the workers read access tokens. The
 * inbox app verifies with the same secrets as the intake and reads the conversation with the
 * workspace's token; it is a function of its own so that the intake never can.
 */
const SECRET_ACCESS: Record<string, Record<SecretKind, string[]>> = {
  health: { oauthClientSecret: ['DescribeSecret'], accessToken: [], webhookSecret: [] },
  oauthStart: { oauthClientSecret: ['GetSecretValue'], accessToken: [], webhookSecret: [] },
  oauthCallback: { oauthClientSecret: ['GetSecretValue'], accessToken: [], webhookSecret: [] },
  oauthComplete: { oauthClientSecret: ['GetSecretValue'], accessToken: ['CreateSecret', 'PutSecretValue', 'DeleteSecret'], webhookSecret: ['DeleteSecret'] },
  tokenConnect: { oauthClientSecret: [], accessToken: ['CreateSecret', 'PutSecretValue', 'DeleteSecret'], webhookSecret: ['DeleteSecret'] },
  webhookSecret: { oauthClientSecret: [], accessToken: [], webhookSecret: ['CreateSecret', 'PutSecretValue'] },
  admin: { oauthClientSecret: [], accessToken: ['GetSecretValue', 'DeleteSecret'], webhookSecret: ['DeleteSecret'] },
  webhookIntake: { oauthClientSecret: ['GetSecretValue'], accessToken: [], webhookSecret: ['GetSecretValue'] },
  inboxApp: { oauthClientSecret: ['GetSecretValue'], accessToken: ['GetSecretValue'], webhookSecret: ['GetSecretValue'] },
  eventsWorker: { oauthClientSecret: [], accessToken: ['GetSecretValue'], webhookSecret: [] },
  contactsBackfill: { oauthClientSecret: [], accessToken: ['GetSecretValue'], webhookSecret: [] },
  contactsIncremental: { oauthClientSecret: [], accessToken: [], webhookSecret: [] },
  contactsReconcile: { oauthClientSecret: [], accessToken: [], webhookSecret: [] },
  feedbackCatchupSchedule: { oauthClientSecret: [], accessToken: [], webhookSecret: [] },
  feedbackCatchup: { oauthClientSecret: [], accessToken: ['GetSecretValue'], webhookSecret: [] },
  writeBack: { oauthClientSecret: [], accessToken: ['GetSecretValue'], webhookSecret: [] },
};

/** Every Secrets Manager action a function might be granted on a secret. */
const SECRET_ACTIONS = [
  'CreateSecret', 'DeleteSecret', 'DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecret',
  'RestoreSecret', 'RotateSecret', 'PutResourcePolicy', 'TagResource', 'ListSecretVersionIds',
];

const PSEUDO_PARAMETERS: Record<string, string> = { 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012', 'AWS::Partition': 'aws' };

/** serverless' logical id of a function's Lambda. */
function functionLogicalId(key: string): string {
  return `${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`;
}

/** A policy's Resource as a string, pseudo parameters filled in; other references stay unmatched placeholders. */
function renderResource(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, any>;
  if (typeof intrinsic.Ref === 'string') return PSEUDO_PARAMETERS[intrinsic.Ref] ?? `<${intrinsic.Ref}>`;
  if (intrinsic['Fn::GetAtt']) return `<${asArray(intrinsic['Fn::GetAtt']).join('.')}>`;
  if (typeof intrinsic['Fn::Sub'] === 'string') {
    return intrinsic['Fn::Sub'].replace(/\$\{([\w:.]+)\}/g, (_: string, name: string) => PSEUDO_PARAMETERS[name] ?? `<${name}>`);
  }
  if (intrinsic['Fn::Join']) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(renderResource).join(separator);
  }
  throw new Error(`No rendering for ${JSON.stringify(value)}`);
}

/** IAM's wildcards: `*` matches any run of characters (slashes too), `?` any one character. */
function iamWildcard(pattern: string, flags = ''): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}

/** Whether an Allow statement grants the action on the resource (none of these policies has a Deny). */
function allows(statements: Statement[], action: string, arn: string): boolean {
  return statements.some((statement) => {
    expect(statement.Effect).toBe('Allow');
    const actions = asArray(statement.Action).map((pattern) => iamWildcard(pattern, 'i'));
    const resourcePatterns = asArray(statement.Resource as unknown).map((resource) => iamWildcard(renderResource(resource)));
    return actions.some((pattern) => pattern.test(action)) && resourcePatterns.some((pattern) => pattern.test(arn));
  });
}
