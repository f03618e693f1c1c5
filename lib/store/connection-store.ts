import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { Connection, WorkspaceSettings } from '../connect/connection';
import { keys } from './keys';
import { ignoreConditionFailure, ttlAfter, type Table } from './table';

/** Where a webhook URL leads: the workspace, and which secret version signs its notifications. */
export interface WebhookRoute {
  workspaceId: string;
  appId: string;
  secretVersion: string | null;
}

export interface AppRoute {
  workspaceId: string;
  appId: string;
}

export interface OAuthStateRecord {
  workspaceId: string;
  startedBy: string;
}

/** Raised when an Intercom workspace is already connected by OAuth to another Timebook workspace. */
export class AppAlreadyConnectedError extends Error {
  override readonly name = 'AppAlreadyConnectedError';
}

/** Connections, their webhook and OAuth routes, and pending OAuth states. */
export class ConnectionStore {
  constructor(private readonly table: Table) {}

  async get(workspaceId: string): Promise<Connection | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.connection(workspaceId), ConsistentRead: true }),
    );
    return Item ? stripKeys<Connection>(Item) : undefined;
  }

  /**
   * Saves a (re)connection. For OAuth it also claims the Intercom app id, which must not belong
   * to another workspace. Routes of the previous connection that the new one does not keep
   * (its app id, its webhook key) are released in the same transaction.
   */
  async saveConnected(connection: Connection, previous: Connection | undefined): Promise<void> {
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      { Put: { TableName: this.table.name, Item: { ...keys.connection(connection.workspaceId), ...connection } } },
    ];
    const oldAppId = previous?.method === 'oauth' ? previous.intercom.appId : undefined;
    if (oldAppId && (connection.method !== 'oauth' || oldAppId !== connection.intercom.appId)) {
      items.push({ Delete: { TableName: this.table.name, Key: keys.appRoute(oldAppId) } });
    }
    const oldWebhookKey = previous?.webhook.key;
    if (oldWebhookKey && oldWebhookKey !== connection.webhook.key) {
      items.push({ Delete: { TableName: this.table.name, Key: keys.webhookRoute(oldWebhookKey) } });
    }
    if (connection.method === 'oauth') {
      items.push({
        Put: {
          TableName: this.table.name,
          Item: { ...keys.appRoute(connection.intercom.appId), workspaceId: connection.workspaceId, appId: connection.intercom.appId },
          ConditionExpression: 'attribute_not_exists(pk) OR workspaceId = :workspaceId',
          ExpressionAttributeValues: { ':workspaceId': connection.workspaceId },
        },
      });
    }
    try {
      await this.table.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if ((error as Error).name === 'TransactionCanceledException' && String((error as Error).message).includes('ConditionalCheckFailed')) {
        throw new AppAlreadyConnectedError(`Intercom app ${connection.intercom.appId} is connected to another workspace`);
      }
      throw error;
    }
  }

  /** Points the webhook key at the workspace with the given secret version, creating the route if new. */
  async saveWebhookSecret(workspaceId: string, route: { key: string; appId: string; secretVersion: string }, now: Date) {
    await this.table.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.table.name,
              Key: keys.connection(workspaceId),
              UpdateExpression:
                'SET webhook.#key = :key, webhook.secretConfigured = :true, webhook.secretVersion = :version, updatedAt = :now',
              ConditionExpression: 'attribute_exists(pk) AND #status <> :disconnected',
              ExpressionAttributeNames: { '#key': 'key', '#status': 'status' },
              ExpressionAttributeValues: {
                ':key': route.key,
                ':true': true,
                ':version': route.secretVersion,
                ':now': now.toISOString(),
                ':disconnected': 'disconnected',
              },
            },
          },
          {
            Put: {
              TableName: this.table.name,
              Item: { ...keys.webhookRoute(route.key), workspaceId, appId: route.appId, secretVersion: route.secretVersion },
            },
          },
        ],
      }),
    );
  }

  async getWebhookRoute(webhookKey: string): Promise<WebhookRoute | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.webhookRoute(webhookKey) }),
    );
    return Item ? { workspaceId: Item.workspaceId, appId: Item.appId, secretVersion: Item.secretVersion ?? null } : undefined;
  }

  async getAppRoute(appId: string): Promise<AppRoute | undefined> {
    const { Item } = await this.table.client.send(new GetCommand({ TableName: this.table.name, Key: keys.appRoute(appId) }));
    return Item ? { workspaceId: Item.workspaceId, appId: Item.appId } : undefined;
  }

  async updateSettings(workspaceId: string, settings: WorkspaceSettings, now: Date): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.connection(workspaceId),
        UpdateExpression: 'SET settings = :settings, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':settings': settings, ':now': now.toISOString() },
      }),
    );
  }

  /** Notes when the workspace's last webhook notification was applied, for the status page. */
  async recordEvent(workspaceId: string, now: Date): Promise<void> {
    await this.table.client
      .send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.connection(workspaceId),
          UpdateExpression: 'SET webhook.lastEventAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now.toISOString() },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  /** Records that Intercom rejected the token; only a connected workspace changes state. */
  async markNeedsReauth(workspaceId: string, reason: string, now: Date): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.connection(workspaceId),
        UpdateExpression: 'SET #status = :needsReauth, reauth = :reauth, updatedAt = :now',
        ConditionExpression: '#status = :connected',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':needsReauth': 'needs_reauth',
          ':connected': 'connected',
          ':reauth': { at: now.toISOString(), reason },
          ':now': now.toISOString(),
        },
      }),
    ).catch(ignoreConditionFailure);
  }

  /** Marks the workspace disconnected and removes its webhook and app routes in one transaction. */
  async saveDisconnected(connection: Connection, now: Date): Promise<void> {
    const disconnected: Connection = {
      ...connection,
      status: 'disconnected',
      webhook: { key: null, secretConfigured: false, secretVersion: null, lastEventAt: connection.webhook.lastEventAt },
      settings: { syncFeedback: false, syncContacts: false },
      reauth: null,
      updatedAt: now.toISOString(),
      disconnectedAt: now.toISOString(),
    };
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      { Put: { TableName: this.table.name, Item: { ...keys.connection(connection.workspaceId), ...disconnected } } },
    ];
    if (connection.webhook.key) items.push({ Delete: { TableName: this.table.name, Key: keys.webhookRoute(connection.webhook.key) } });
    if (connection.method === 'oauth') {
      items.push({
        Delete: {
          TableName: this.table.name,
          Key: keys.appRoute(connection.intercom.appId),
          ConditionExpression: 'attribute_not_exists(pk) OR workspaceId = :workspaceId',
          ExpressionAttributeValues: { ':workspaceId': connection.workspaceId },
        },
      });
    }
    await this.table.client.send(new TransactWriteCommand({ TransactItems: items }));
  }

  async saveOAuthState(nonce: string, record: OAuthStateRecord, now: Date, ttlSeconds: number): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...keys.oauthState(nonce), ...record, expiresAt: ttlAfter(now, ttlSeconds) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** Deletes a pending state and returns it; undefined when it was already used (or never existed). */
  async consumeOAuthState(nonce: string): Promise<OAuthStateRecord | undefined> {
    try {
      const { Attributes } = await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.oauthState(nonce),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? { workspaceId: Attributes.workspaceId, startedBy: Attributes.startedBy } : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expiresAt: _e, ...rest } = item;
  return rest as T;
}
