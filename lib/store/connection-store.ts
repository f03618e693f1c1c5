import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { isLive, type Connection, type WorkspaceSettings } from '../connect/connection';
import type { ProductFeedback } from '../feedback/product-feedback';
import { toProductFeedback } from './feedback-store';
import { keys, type ItemKey } from './keys';
import { ignoreConditionFailure, queryAll, transactWrite, ttlAfter, type Table, type TransactItem } from './table';
import { ConflictError } from '../platform/errors';

/** Where a webhook URL leads: the workspace, and which secret version signs its notifications. */
export interface WebhookRoute {
  workspaceId: string;
  /** The connection whose webhook secret signs this URL's notifications. */
  connectionId: string;
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

/** Raised when the stored connection is no longer the one a change was based on (a concurrent connect or disconnect). */
export class ConnectionChangedError extends ConflictError {
  constructor(workspaceId: string) {
    super(`The Intercom connection of workspace ${workspaceId} changed meanwhile; load its status and try again.`, 'intercom_connection_changed');
  }
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
   * The workspace's connection and its products with feedback on, read consistently in one Query
   * of the key range they share (keys.connectionAndProducts). DynamoDB leaves out the products with
   * feedback off (a filter may not name the sort key, so it keeps every item without a productId);
   * the range's other items are left out here by their sort key. Products in id order.
   */
  async getWithFeedbackProducts(workspaceId: string): Promise<{ connection: Connection | undefined; products: ProductFeedback[] }> {
    const range = keys.connectionAndProducts(workspaceId);
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      FilterExpression: 'attribute_not_exists(productId) OR enabled = :true',
      ExpressionAttributeValues: { ':pk': range.pk, ':from': range.from, ':to': range.to, ':true': true },
      ConsistentRead: true,
    });
    const connection = items.find((item) => item.sk === range.connectionSk);
    return {
      connection: connection ? stripKeys<Connection>(connection) : undefined,
      products: items.filter((item) => String(item.sk).startsWith(range.productSkPrefix)).map(toProductFeedback),
    };
  }

  /**
   * Saves a (re)connection, on the condition that the stored one is still `previous` (two connects
   * at once: one wins, the other gets {@link ConnectionChangedError}). For OAuth it also claims the
   * Intercom app id, which must not belong to another workspace. Routes that a live previous
   * connection holds and the new one does not keep are released in the same transaction; a
   * disconnected one released its routes already, and they may belong to another workspace since.
   * Every route write and delete is conditioned on the route belonging to this workspace.
   */
  async saveConnected(connection: Connection, previous: Connection | undefined): Promise<void> {
    const workspaceId = connection.workspaceId;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.connection(workspaceId), ...connection },
          ...(previous
            ? { ConditionExpression: 'connectionId = :previous', ExpressionAttributeValues: { ':previous': previous.connectionId } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
    ];
    if (isLive(previous)) {
      const oldAppId = previous.method === 'oauth' ? previous.intercom.appId : undefined;
      if (oldAppId && (connection.method !== 'oauth' || oldAppId !== connection.intercom.appId)) {
        items.push(this.releaseRoute(keys.appRoute(oldAppId), workspaceId));
      }
      const oldWebhookKey = previous.webhook.key;
      if (oldWebhookKey && oldWebhookKey !== connection.webhook.key) {
        items.push(this.releaseRoute(keys.webhookRoute(oldWebhookKey), workspaceId));
      }
    }
    const appRouteIndex = items.length;
    if (connection.method === 'oauth') {
      items.push({
        Put: {
          TableName: this.table.name,
          Item: { ...keys.appRoute(connection.intercom.appId), workspaceId, appId: connection.intercom.appId },
          ConditionExpression: 'attribute_not_exists(pk) OR workspaceId = :workspaceId',
          ExpressionAttributeValues: { ':workspaceId': workspaceId },
        },
      });
    }
    const failed = await transactWrite(this.table, items);
    if (failed.includes(appRouteIndex)) {
      throw new AppAlreadyConnectedError(`Intercom app ${connection.intercom.appId} is connected to another workspace`);
    }
    if (failed.length > 0) throw new ConnectionChangedError(workspaceId);
  }

  /**
   * Points the webhook key at the connection's current secret version, creating the route if new.
   * Only while that connection is still the workspace's live one, and only a route of this workspace.
   */
  async saveWebhookSecret(
    connection: Pick<Connection, 'workspaceId' | 'connectionId'>,
    route: { key: string; appId: string; secretVersion: string },
    now: Date,
  ) {
    const { workspaceId, connectionId } = connection;
    const failed = await transactWrite(this.table, [
      {
        Update: {
          TableName: this.table.name,
          Key: keys.connection(workspaceId),
          UpdateExpression:
            'SET webhook.#key = :key, webhook.secretConfigured = :true, webhook.secretVersion = :version, updatedAt = :now',
          ConditionExpression: 'connectionId = :connectionId AND #status <> :disconnected',
          ExpressionAttributeNames: { '#key': 'key', '#status': 'status' },
          ExpressionAttributeValues: {
            ':key': route.key,
            ':true': true,
            ':version': route.secretVersion,
            ':now': now.toISOString(),
            ':disconnected': 'disconnected',
            ':connectionId': connectionId,
          },
        },
      },
      {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.webhookRoute(route.key), workspaceId, connectionId, appId: route.appId, secretVersion: route.secretVersion },
          ConditionExpression: 'attribute_not_exists(pk) OR workspaceId = :workspaceId',
          ExpressionAttributeValues: { ':workspaceId': workspaceId },
        },
      },
    ]);
    if (failed.length > 0) throw new ConnectionChangedError(workspaceId);
  }

  /**
   * Strongly consistent: the route names the current webhook secret's version, and a replaced
   * secret must stop working at once, not once a replica catches up.
   */
  async getWebhookRoute(webhookKey: string): Promise<WebhookRoute | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.webhookRoute(webhookKey), ConsistentRead: true }),
    );
    return Item
      ? { workspaceId: Item.workspaceId, connectionId: Item.connectionId, appId: Item.appId, secretVersion: Item.secretVersion ?? null }
      : undefined;
  }

  async getAppRoute(appId: string): Promise<AppRoute | undefined> {
    const { Item } = await this.table.client.send(new GetCommand({ TableName: this.table.name, Key: keys.appRoute(appId) }));
    return Item ? { workspaceId: Item.workspaceId, appId: Item.appId } : undefined;
  }

  /** Saves the settings and, when given, the optional permissions the token was just found to lack. */
  async updateSettings(workspaceId: string, settings: WorkspaceSettings, now: Date, permissions?: Connection['permissions']): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.connection(workspaceId),
        UpdateExpression: `SET settings = :settings, updatedAt = :now${permissions ? ', #permissions = :permissions' : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ...(permissions ? { ExpressionAttributeNames: { '#permissions': 'permissions' } } : {}),
        ExpressionAttributeValues: { ':settings': settings, ':now': now.toISOString(), ...(permissions ? { ':permissions': permissions } : {}) },
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

  /**
   * Records that Intercom rejected the connection's token; only that connection, while connected,
   * changes state (a token of a connection replaced since says nothing of the new one).
   */
  async markNeedsReauth(connection: Pick<Connection, 'workspaceId' | 'connectionId'>, reason: string, now: Date): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.connection(connection.workspaceId),
        UpdateExpression: 'SET #status = :needsReauth, reauth = :reauth, updatedAt = :now',
        ConditionExpression: '#status = :connected AND connectionId = :connectionId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':connectionId': connection.connectionId,
          ':needsReauth': 'needs_reauth',
          ':connected': 'connected',
          ':reauth': { at: now.toISOString(), reason },
          ':now': now.toISOString(),
        },
      }),
    ).catch(ignoreConditionFailure);
  }

  /**
   * Marks the connection disconnected and removes its webhook and app routes in one transaction,
   * only while it is still the workspace's connection (else {@link ConnectionChangedError}) and only
   * routes that belong to this workspace. The record keeps its connection id and method, so that a
   * disconnect interrupted after this step can still find the secrets to delete.
   */
  async saveDisconnected(connection: Connection, now: Date): Promise<void> {
    const workspaceId = connection.workspaceId;
    const disconnected: Connection = {
      ...connection,
      status: 'disconnected',
      webhook: { key: null, secretConfigured: false, secretVersion: null, lastEventAt: connection.webhook.lastEventAt },
      settings: { syncFeedback: false, syncContacts: false, writeBack: false },
      reauth: null,
      updatedAt: now.toISOString(),
      disconnectedAt: now.toISOString(),
    };
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table.name,
          Item: { ...keys.connection(workspaceId), ...disconnected },
          ConditionExpression: 'connectionId = :connectionId',
          ExpressionAttributeValues: { ':connectionId': connection.connectionId },
        },
      },
    ];
    if (connection.webhook.key) items.push(this.releaseRoute(keys.webhookRoute(connection.webhook.key), workspaceId));
    if (connection.method === 'oauth') items.push(this.releaseRoute(keys.appRoute(connection.intercom.appId), workspaceId));
    if ((await transactWrite(this.table, items)).length > 0) throw new ConnectionChangedError(workspaceId);
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

  /** A pending state, or undefined once it was used (or never existed). */
  async getOAuthState(nonce: string): Promise<OAuthStateRecord | undefined> {
    const { Item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: keys.oauthState(nonce), ConsistentRead: true }),
    );
    return Item ? { workspaceId: Item.workspaceId, startedBy: Item.startedBy } : undefined;
  }

  /**
   * Uses up a pending state, only if it was issued for this workspace to this admin. False when it
   * was already used, never existed, or belongs to someone else (which leaves it as it was).
   */
  async consumeOAuthState(nonce: string, expected: OAuthStateRecord): Promise<boolean> {
    try {
      await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: keys.oauthState(nonce),
          ConditionExpression: 'workspaceId = :workspaceId AND startedBy = :startedBy',
          ExpressionAttributeValues: { ':workspaceId': expected.workspaceId, ':startedBy': expected.startedBy },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Deletes a route if it belongs to the workspace; one that never existed is fine. */
  private releaseRoute(key: ItemKey, workspaceId: string): TransactItem {
    return {
      Delete: {
        TableName: this.table.name,
        Key: key,
        ConditionExpression: 'attribute_not_exists(pk) OR workspaceId = :workspaceId',
        ExpressionAttributeValues: { ':workspaceId': workspaceId },
      },
    };
  }
}

function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expiresAt: _e, ...rest } = item;
  return rest as T;
}
