import type { Connection } from './connection';

/** The status document of `GET /v1/workspaces/{wid}/intercom`. */
export function toStatus(connection: Connection | undefined, webhookBaseUrl: string | undefined) {
  if (!connection) {
    return {
      connected: false,
      method: null,
      status: 'disconnected' as const,
      intercom: null,
      webhook: { url: null, secretConfigured: false, lastEventAt: null },
      settings: { syncFeedback: false, syncContacts: false },
      reauth: null,
      contactsSync: idleContactsSync,
      connectedAt: null,
    };
  }
  const webhookUrl =
    connection.method === 'oauth'
      ? `${webhookBaseUrl}/v1/webhooks/intercom`
      : connection.webhook.key
        ? `${webhookBaseUrl}/v1/webhooks/intercom/${connection.webhook.key}`
        : null;
  return {
    connected: connection.status !== 'disconnected',
    method: connection.method,
    status: connection.status,
    intercom: { appId: connection.intercom.appId, name: connection.intercom.name, region: connection.intercom.region },
    webhook: {
      url: connection.status === 'disconnected' ? null : webhookUrl,
      secretConfigured: connection.method === 'oauth' ? true : connection.webhook.secretConfigured,
      lastEventAt: connection.webhook.lastEventAt,
    },
    settings: connection.settings,
    reauth: connection.reauth,
    contactsSync: idleContactsSync,
    connectedAt: connection.connectedAt,
  };
}

const idleContactsSync = {
  state: 'idle' as const,
  synced: 0,
  expected: null,
  startedAt: null,
  finishedAt: null,
  lastIncrementalAt: null,
  error: null,
};
