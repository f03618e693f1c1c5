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

  /** A product's Intercom feedback settings (all of a workspace's share its partition). */
  productFeedback: (workspaceId: string, productId: string) => ({ pk: `WORKSPACE#${workspaceId}`, sk: `PRODUCT#${productId}` }),
  productFeedbackPrefix: (workspaceId: string) => ({ pk: `WORKSPACE#${workspaceId}`, skPrefix: 'PRODUCT#' }),
  /** A ticket's header; its messages share the partition. */
  ticket: (ticketId: string) => ({ pk: `TICKET#${ticketId}`, sk: 'TICKET' }),
  ticketMessage: (ticketId: string, messageId: string) => ({ pk: `TICKET#${ticketId}`, sk: `MESSAGE#${messageId}` }),
  /** gsi1: a product's inbox, newest first by sort key. */
  ticketInbox: (workspaceId: string, productId: string, createdAt: string, ticketId: string) => ({
    gsi1pk: `WORKSPACE#${workspaceId}#PRODUCT#${productId}#INBOX`,
    gsi1sk: `${createdAt}#${ticketId}`,
  }),
  /** A conversation's tickets (one per product) and the redactions seen for it, in one partition. */
  conversationTicket: (workspaceId: string, conversationId: string, productId: string) => ({
    pk: `WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}`,
    sk: `TICKET#${productId}`,
  }),
  conversationRedaction: (workspaceId: string, conversationId: string, messageId: string) => ({
    pk: `WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}`,
    sk: `REDACTED#${messageId}`,
  }),
  conversation: (workspaceId: string, conversationId: string) => ({ pk: `WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}` }),
} as const;

export type ItemKey = { pk: string; sk: string };
