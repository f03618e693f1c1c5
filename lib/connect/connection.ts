/** How a workspace reached Intercom: Timebook's OAuth app, or the customer's own app's token. */
export type ConnectionMethod = 'oauth' | 'token';

export type ConnectionStatus = 'connected' | 'needs_reauth' | 'disconnected';

export interface WorkspaceSettings {
  syncFeedback: boolean;
  syncContacts: boolean;
}

export const DEFAULT_SETTINGS: WorkspaceSettings = { syncFeedback: true, syncContacts: false };

/** A workspace's link to one Intercom workspace. Secrets live in Secrets Manager, never here. */
export interface Connection {
  workspaceId: string;
  method: ConnectionMethod;
  status: ConnectionStatus;
  intercom: { appId: string; name: string; region: string | null; timezone: string | null };
  webhook: {
    /** The random part of the token method's webhook URL. */
    key: string | null;
    secretConfigured: boolean;
    /** Secrets Manager version of the current webhook secret; the intake trusts no other. */
    secretVersion: string | null;
    lastEventAt: string | null;
  };
  settings: WorkspaceSettings;
  reauth: { at: string; reason: string } | null;
  connectedAt: string;
  connectedBy: string;
  updatedAt: string;
  disconnectedAt: string | null;
}
