import { contactsSyncStatus } from '../contacts/sync-status';
import { feedbackSyncStatus, type FeedbackSyncStatus } from '../feedback/catchup-state';
import { regionOf } from '../intercom/regions';
import { emptyWriteBackStatus, type WriteBackStatus } from '../feedback/write-back';
import { settingsOf, type Connection } from './connection';

/** Contact sync progress, as `lib/contacts/sync-status.ts` reports it. */
export interface ContactsSyncStatus {
  state: 'idle' | 'running' | 'completed' | 'failed';
  synced: number;
  /** Intercom's `total_count` when the backfill began. */
  expected: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastIncrementalAt: string | null;
  /** When the last reconciliation with Intercom (which removes contacts deleted there without a webhook) completed. */
  lastReconciledAt: string | null;
  error: string | null;
}

/** The status document of `GET /v1/workspaces/{wid}/intercom`. */
export function toStatus(
  connection: Connection | undefined,
  webhookBaseUrl: string | undefined,
  contactsSync: ContactsSyncStatus = contactsSyncStatus(undefined),
  feedbackSync: FeedbackSyncStatus = feedbackSyncStatus(undefined),
  writeBack: WriteBackStatus = emptyWriteBackStatus(),
) {
  if (!connection) {
    return {
      connected: false,
      method: null,
      status: 'disconnected' as const,
      intercom: null,
      webhook: { url: null, secretConfigured: false, lastEventAt: null },
      inboxApp: { initializeUrl: null, submitUrl: null },
      settings: { syncFeedback: false, syncContacts: false, writeBack: false },
      permissions: { missingOptional: [] as string[] },
      reauth: null,
      contactsSync,
      feedbackSync,
      writeBack,
      connectedAt: null,
    };
  }
  const webhookUrl =
    connection.method === 'oauth'
      ? `${webhookBaseUrl}/v1/webhooks/intercom`
      : connection.webhook.key
        ? `${webhookBaseUrl}/v1/webhooks/intercom/${connection.webhook.key}`
        : null;
  // The inbox app's URLs, for the Developer Hub: the OAuth app's, or the token workspace's own
  // under its webhook key, which it has once its client secret is stored (the secret signs both).
  const canvasBase =
    connection.status === 'disconnected'
      ? null
      : connection.method === 'oauth'
        ? `${webhookBaseUrl}/v1/intercom/canvas`
        : connection.webhook.key && connection.webhook.secretConfigured
          ? `${webhookBaseUrl}/v1/intercom/canvas/${connection.webhook.key}`
          : null;
  return {
    connected: connection.status !== 'disconnected',
    method: connection.method,
    status: connection.status,
    intercom: { appId: connection.intercom.appId, name: connection.intercom.name, region: regionOf(connection.intercom.region) },
    webhook: {
      url: connection.status === 'disconnected' ? null : webhookUrl,
      secretConfigured: connection.method === 'oauth' ? true : connection.webhook.secretConfigured,
      lastEventAt: connection.webhook.lastEventAt,
    },
    inboxApp: { initializeUrl: canvasBase && `${canvasBase}/initialize`, submitUrl: canvasBase && `${canvasBase}/submit` },
    settings: settingsOf(connection),
    permissions: { missingOptional: connection.permissions?.missingOptional ?? [] },
    reauth: connection.reauth,
    contactsSync,
    feedbackSync,
    writeBack,
    connectedAt: connection.connectedAt,
  };
}
