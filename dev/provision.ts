import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { CfnResource, ResolvedServerlessConfig } from './serverless-config';

export interface ProvisionedQueue {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  /** The visibility timeout the queue was created with (after the local cap), if it has one. */
  visibilityTimeoutSeconds?: number;
}

export interface ProvisionOptions {
  region: string;
  accountId: string;
  /**
   * Caps every queue's visibility timeout. The deployed values (minutes) would make a failed
   * record wait minutes for its retry on a laptop; the retry path itself is unchanged.
   */
  maxVisibilityTimeoutSeconds?: number;
}

/** Creates every DynamoDB table that serverless.yml declares, with its keys, indexes and TTL. */
export async function createTables(client: DynamoDBClient, config: ResolvedServerlessConfig): Promise<string[]> {
  const tables = resourcesOfType(config, 'AWS::DynamoDB::Table');
  await Promise.all(
    tables.map(async ({ resource }) => {
      const p = resource.Properties as Record<string, any>;
      const input: CreateTableCommandInput = {
        TableName: p.TableName,
        AttributeDefinitions: p.AttributeDefinitions,
        KeySchema: p.KeySchema,
        GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
        BillingMode: p.BillingMode,
      };
      await client.send(new CreateTableCommand(input));
      if (p.TimeToLiveSpecification?.Enabled) {
        await client.send(
          new UpdateTimeToLiveCommand({ TableName: p.TableName, TimeToLiveSpecification: p.TimeToLiveSpecification }),
        );
      }
    }),
  );
  return tables.map(({ resource }) => String(resource.Properties.TableName));
}

/**
 * Creates every SQS queue that serverless.yml declares, dead-letter queues first, with the same
 * redrive policy (maxReceiveCount) and retention.
 */
export async function createQueues(
  client: SQSClient,
  config: ResolvedServerlessConfig,
  options: ProvisionOptions,
): Promise<Map<string, ProvisionedQueue>> {
  const queues = resourcesOfType(config, 'AWS::SQS::Queue');
  const created = new Map<string, ProvisionedQueue>();
  const arnOf = (name: string) => `arn:aws:sqs:${options.region}:${options.accountId}:${name}`;
  // Queues without a redrive policy (the dead-letter queues) first, so their targets exist.
  const ordered = [...queues].sort(
    (a, b) => Number(Boolean(a.resource.Properties.RedrivePolicy)) - Number(Boolean(b.resource.Properties.RedrivePolicy)),
  );
  for (const { logicalId, resource } of ordered) {
    const p = resource.Properties as Record<string, any>;
    const attributes: Record<string, string> = {};
    if (p.VisibilityTimeout !== undefined) {
      const cap = options.maxVisibilityTimeoutSeconds ?? Number.POSITIVE_INFINITY;
      attributes.VisibilityTimeout = String(Math.min(Number(p.VisibilityTimeout), cap));
    }
    if (p.MessageRetentionPeriod !== undefined) attributes.MessageRetentionPeriod = String(p.MessageRetentionPeriod);
    if (p.RedrivePolicy) {
      const targetId: string = p.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
      const target = created.get(targetId);
      if (!target) throw new Error(`Queue ${logicalId} redrives to unknown queue ${targetId}`);
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: target.arn,
        maxReceiveCount: p.RedrivePolicy.maxReceiveCount,
      });
    }
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: p.QueueName, Attributes: attributes }));
    created.set(logicalId, {
      logicalId,
      name: p.QueueName,
      url: QueueUrl!,
      arn: arnOf(p.QueueName),
      ...(attributes.VisibilityTimeout ? { visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout) } : {}),
    });
  }
  return created;
}

function resourcesOfType(config: ResolvedServerlessConfig, type: string) {
  return Object.entries(config.resources.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]: [string, CfnResource]) => ({ logicalId, resource }));
}
