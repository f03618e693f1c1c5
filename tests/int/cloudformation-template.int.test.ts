import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVERLESS_BIN } from '../../dev/serverless-config';
import { PURGE_AGAIN_AFTER_SECONDS } from '../../lib/contacts/purge-contacts';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: unknown };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let outDir: string;
let resources: Record<string, Resource>;

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'timebook-intercom-package-'));
  // Dummy credentials and no endpoints: packaging must not need AWS.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    AWS_ACCESS_KEY_ID: 'dummy',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
  await run(process.execPath, [SERVERLESS_BIN, 'package', '--stage', 'ci', '--package', outDir], { cwd: ROOT, env });
  const template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = template.Resources;
}, 180_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

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
    expect(workQueues.map(([id]) => id).sort()).toEqual(['ContactsBackfillQueue', 'EventsQueue']);
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

  it('lets a contacts backfill invocation end before the second removal of a former workspace\'s contacts', () => {
    const backfill = resources.ContactsBackfillLambdaFunction!.Properties;
    // A page's claim runs until its invocation's deadline and five seconds more.
    expect(PURGE_AGAIN_AFTER_SECONDS).toBeGreaterThan(backfill.Timeout + 5);
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
