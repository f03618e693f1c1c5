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
  /**
   * The key range of the workspace's partition that holds its connection and every product's
   * feedback settings, to read them in one Query: `CONNECTION` to `PRODUCT$` (`$` sorts right after
   * `#`, so every `PRODUCT#…` is inside). Other items sort in between (CONTACT_SYNC,
   * FEEDBACK_CATCHUP): a reader filters them out by `connectionSk` and `productSkPrefix`.
   */
  connectionAndProducts: (workspaceId: string) => ({
    pk: `WORKSPACE#${workspaceId}`,
    from: 'CONNECTION',
    to: 'PRODUCT$',
    connectionSk: 'CONNECTION',
    productSkPrefix: 'PRODUCT#',
  }),
  /** gsi1, sparse: present on a product's feedback settings while feedback is on, for the scheduled catch-up. */
  productFeedbackEnabled: (workspaceId: string, productId: string) => ({ gsi1pk: 'FEEDBACK#ENABLED', gsi1sk: `${workspaceId}#${productId}` }),
  productsFeedbackEnabled: () => ({ gsi1pk: 'FEEDBACK#ENABLED' }),
  /** A workspace's feedback catch-up: its watermark, the running catch-up's lease, its status, the tag-count baselines. */
  feedbackCatchup: (workspaceId: string) => ({ pk: `WORKSPACE#${workspaceId}`, sk: 'FEEDBACK_CATCHUP' }),
  /** That trigger tag `tagId` was seen on the conversation (a marker), and how many markers the tag has. */
  feedbackTagSeen: (workspaceId: string, tagId: string, conversationId: string) => ({
    pk: `WORKSPACE#${workspaceId}#FEEDBACK_TAGS`,
    sk: `SEEN#${tagId}#${conversationId}`,
  }),
  feedbackTagCount: (workspaceId: string, tagId: string) => ({ pk: `WORKSPACE#${workspaceId}#FEEDBACK_TAGS`, sk: `COUNT#${tagId}` }),
  feedbackTagCounts: (workspaceId: string) => ({ pk: `WORKSPACE#${workspaceId}#FEEDBACK_TAGS`, skPrefix: 'COUNT#' }),
  /** A ticket's header; its messages share the partition. */
  ticket: (ticketId: string) => ({ pk: `TICKET#${ticketId}`, sk: 'TICKET' }),
  ticketMessage: (ticketId: string, messageId: string) => ({ pk: `TICKET#${ticketId}`, sk: `MESSAGE#${messageId}` }),
  /** A ticket's link-back note: its intent, attempts and outcome (lib/feedback/write-back.ts). */
  ticketWriteBack: (ticketId: string) => ({ pk: `TICKET#${ticketId}`, sk: 'WRITE_BACK' }),
  /** gsi1, sparse: a workspace's link-back notes not posted yet, oldest first, for its status. */
  writeBackOpen: (workspaceId: string, createdAt: string, ticketId: string) => ({
    gsi1pk: `WORKSPACE#${workspaceId}#WRITE_BACK_OPEN`,
    gsi1sk: `${createdAt}#${ticketId}`,
  }),
  writeBacksOpen: (workspaceId: string) => ({ gsi1pk: `WORKSPACE#${workspaceId}#WRITE_BACK_OPEN` }),
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
  /** The conversation's `updated_at` its tickets were last brought up to date to. */
  conversationSynced: (workspaceId: string, conversationId: string) => ({
    pk: `WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}`,
    sk: 'SYNCED',
  }),
  conversation: (workspaceId: string, conversationId: string) => ({ pk: `WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}` }),
  conversationTickets: (workspaceId: string, conversationId: string) => ({ pk: `WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}`, skPrefix: 'TICKET#' }),
  /** When the catch-up last verified a ticketed conversation against Intercom, and its last activity. */
  conversationVerification: (workspaceId: string, conversationId: string) => ({
    pk: `WORKSPACE#${workspaceId}#CONVERSATION#${conversationId}`,
    sk: 'VERIFIED',
  }),
  /**
   * gsi1, sparse: the ticketed conversations the catch-up re-reads, least recently verified first;
   * `hot` for those with activity in the last day, `daily` for the older ones.
   */
  verificationQueue: (workspaceId: string, tier: 'hot' | 'daily', verifiedAt: string, conversationId: string) => ({
    gsi1pk: `WORKSPACE#${workspaceId}#FEEDBACK_VERIFY#${tier.toUpperCase()}`,
    gsi1sk: `${verifiedAt}#${conversationId}`,
  }),
  verificationTier: (workspaceId: string, tier: 'hot' | 'daily') => ({ gsi1pk: `WORKSPACE#${workspaceId}#FEEDBACK_VERIFY#${tier.toUpperCase()}` }),

  /** A synced contact by Intercom id; a workspace's contacts share one partition, in id order. */
  contact: (workspaceId: string, contactId: string) => ({ pk: `WORKSPACE#${workspaceId}#CONTACTS`, sk: `CONTACT#${contactId}` }),
  contacts: (workspaceId: string) => ({ pk: `WORKSPACE#${workspaceId}#CONTACTS`, skPrefix: 'CONTACT#' }),
  /** The latest webhook or incremental write of a contact, kept a while after it (see ContactStore). */
  contactJournal: (workspaceId: string, contactId: string) => ({ pk: `WORKSPACE#${workspaceId}#CONTACT_JOURNAL`, sk: `CONTACT#${contactId}` }),
  /** When the workspace's latest live contact write began. */
  contactJournalMark: (workspaceId: string) => ({ pk: `WORKSPACE#${workspaceId}#CONTACT_JOURNAL`, sk: 'LAST_WRITE' }),
  /** A workspace's contact sync: the switch, the current backfill's progress, the incremental watermark. */
  contactSync: (workspaceId: string) => ({ pk: `WORKSPACE#${workspaceId}`, sk: 'CONTACT_SYNC' }),
  /** gsi1, sparse: present on the contact sync item while sync is on, for the scheduled incremental sync. */
  contactSyncEnabled: (workspaceId: string) => ({ gsi1pk: 'CONTACT_SYNC#ENABLED', gsi1sk: workspaceId }),
  contactSyncsEnabled: () => ({ gsi1pk: 'CONTACT_SYNC#ENABLED' }),
  /** One partition of a backfill run, with its checkpoint. */
  backfillPartition: (workspaceId: string, runId: string, partitionId: string) => ({
    pk: `WORKSPACE#${workspaceId}#BACKFILL#${runId}`,
    sk: `PARTITION#${partitionId}`,
  }),
  backfillPartitions: (workspaceId: string, runId: string) => ({ pk: `WORKSPACE#${workspaceId}#BACKFILL#${runId}`, skPrefix: 'PARTITION#' }),
  /**
   * The REST rate budget of one Intercom app in one Intercom workspace, from its X-RateLimit-*
   * headers: Intercom limits each app per workspace. A Timebook workspace reaches Intercom through one
   * app (Timebook's OAuth app, or the customer's own app of its token), so the budget is that pair's.
   */
  intercomRateBudget: (appId: string, workspaceId: string) => ({ pk: `INTERCOM_APP#${appId}`, sk: `RATE_BUDGET#${workspaceId}` }),
} as const;

export type ItemKey = { pk: string; sk: string };
