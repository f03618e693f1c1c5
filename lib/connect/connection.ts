import { randomBytes } from 'node:crypto';
import { regionOf } from '../intercom/regions';
import type { IntercomMe } from '../intercom/schemas';

/** The optional permission write-back needs, by the name Intercom's Developer Hub shows. */
export const WRITE_CONVERSATIONS = 'Write conversations';

/** How a workspace reached Intercom: Timebook's OAuth app, or the customer's own app's token. */
export type ConnectionMethod = 'oauth' | 'token';

export type ConnectionStatus = 'connected' | 'needs_reauth' | 'disconnected';

export interface WorkspaceSettings {
  syncFeedback: boolean;
  syncContacts: boolean;
  /** Each new ticket posts a link-back note on its conversation (needs "Write conversations"). */
  writeBack: boolean;
}

export const DEFAULT_SETTINGS: WorkspaceSettings = { syncFeedback: true, syncContacts: false, writeBack: false };

/** A connection's settings, with the defaults for those stored before they existed. */
export function settingsOf(connection: Pick<Connection, 'settings'>): WorkspaceSettings {
  return { ...DEFAULT_SETTINGS, ...connection.settings };
}

/** A workspace's link to one Intercom workspace. Secrets live in Secrets Manager, never here. */
export interface Connection {
  workspaceId: string;
  /**
   * Names this connection's secrets (`secretNames`). A new one is drawn for every connection that
   * does not keep its predecessor's webhook, so a secret name is never created again after it was
   * deleted: Secrets Manager deletes in the background and refuses the name for a while.
   */
  connectionId: string;
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
  /**
   * Optional permissions the token was found to lack when it was last checked (at connect, and
   * when a setting that needs one is switched on). Intercom lists no token's permissions; each is
   * probed (lib/connect/permissions.ts). Absent on connections saved before it existed.
   */
  permissions?: { missingOptional: string[] };
  reauth: { at: string; reason: string } | null;
  connectedAt: string;
  connectedBy: string;
  updatedAt: string;
  disconnectedAt: string | null;
}

/** True while the connection holds a token: connected, or waiting for the admin to authorise again. */
export function isLive(connection: Connection | undefined): connection is Connection {
  return connection !== undefined && connection.status !== 'disconnected';
}

/**
 * A fresh connection to the Intercom workspace `me` describes. A live previous connection's
 * settings carry over; a workspace that was disconnected starts again from the defaults. It takes
 * a new connection id unless `keepConnectionId` (a token replacing a live token connection to the
 * same Intercom workspace keeps its webhook, whose secret is stored under that id).
 */
export function newConnection(input: {
  workspaceId: string;
  method: ConnectionMethod;
  me: IntercomMe;
  previous: Connection | undefined;
  webhook: Connection['webhook'];
  connectedBy: string;
  now: Date;
  keepConnectionId?: boolean;
  /** The optional permissions the token lacks. */
  missingOptional: string[];
}): Connection {
  const { app } = input.me;
  const live = isLive(input.previous);
  const now = input.now.toISOString();
  const settings = live ? settingsOf(input.previous!) : DEFAULT_SETTINGS;
  // Write-back stays on across a reconnect only while the new token may still post notes.
  const writeBack = settings.writeBack && !input.missingOptional.includes(WRITE_CONVERSATIONS);
  return {
    workspaceId: input.workspaceId,
    connectionId: input.keepConnectionId && input.previous ? input.previous.connectionId : newConnectionId(),
    method: input.method,
    status: 'connected',
    intercom: { appId: app.id_code, name: app.name, region: regionOf(app.region), timezone: app.timezone ?? null },
    webhook: input.webhook,
    settings: { ...settings, writeBack },
    permissions: { missingOptional: input.missingOptional },
    reauth: null,
    connectedAt: now,
    connectedBy: input.connectedBy,
    updatedAt: now,
    disconnectedAt: null,
  };
}

function newConnectionId(): string {
  return `c-${randomBytes(12).toString('hex')}`;
}
