import { regionOf } from '../intercom/regions';
import type { IntercomMe } from '../intercom/schemas';

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
  /** `region` is `app.region` (`US`, `EU`, `AU`; read it with `regionOf`): its API host serves every call after connect. */
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

/**
 * A fresh connection to the Intercom workspace `me` describes. A live previous connection's
 * settings carry over; a workspace that was disconnected starts again from the defaults.
 */
export function newConnection(input: {
  workspaceId: string;
  method: ConnectionMethod;
  me: IntercomMe;
  previous: Connection | undefined;
  webhook: Connection['webhook'];
  connectedBy: string;
  now: Date;
}): Connection {
  const { app } = input.me;
  const live = input.previous && input.previous.status !== 'disconnected';
  const now = input.now.toISOString();
  return {
    workspaceId: input.workspaceId,
    method: input.method,
    status: 'connected',
    intercom: { appId: app.id_code, name: app.name, region: regionOf(app.region), timezone: app.timezone ?? null },
    webhook: input.webhook,
    settings: live ? input.previous!.settings : DEFAULT_SETTINGS,
    reauth: null,
    connectedAt: now,
    connectedBy: input.connectedBy,
    updatedAt: now,
    disconnectedAt: null,
  };
}
