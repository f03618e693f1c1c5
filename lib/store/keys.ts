/**
 * Every DynamoDB key of the single table, built here and nowhere else.
 * Generic attributes: `pk`/`sk` for the item, `gsi1pk`/`gsi1sk` for the one secondary index.
 */
export const keys = {
  /** A workspace's Intercom connection, settings and sync progress. */
  connection: (workspaceId: string) => ({ pk: `WORKSPACE#${workspaceId}`, sk: 'CONNECTION' }),
  /** Routes `/v1/webhooks/intercom/{webhookKey}` to a token-connected workspace. */
  webhookRoute: (webhookKey: string) => ({ pk: `WEBHOOK#${webhookKey}`, sk: 'ROUTE' }),
  /** Routes OAuth-app webhooks by Intercom `app_id` to the workspace that installed the app. */
  appRoute: (appId: string) => ({ pk: `INTERCOM_APP#${appId}`, sk: 'ROUTE' }),
  /** A pending OAuth `state`, deleted when used and expired by TTL otherwise. */
  oauthState: (nonce: string) => ({ pk: `OAUTH_STATE#${nonce}`, sk: 'STATE' }),
} as const;

export type ItemKey = { pk: string; sk: string };
