import { startContactSync, stopContactSync } from '../contacts/sync-control';
import { contactsSyncStatus } from '../contacts/sync-status';
import { feedbackSyncStatus } from '../feedback/catchup-state';
import { IntercomPermissionError, IntercomTokenInvalidError } from '../intercom/errors';
import { regionOf } from '../intercom/regions';
import type { Dependencies } from '../platform/dependencies';
import { ConflictError, NotFoundError, UnprocessableError } from '../platform/errors';
import { logger } from '../platform/logger';
import { secretNames } from '../platform/secret-store';
import { writeBackStatus } from '../feedback/write-back';
import { isLive, settingsOf, WRITE_CONVERSATIONS, type WorkspaceSettings } from './connection';
import { deleteConnectionSecrets } from './save-connection';
import { canWriteConversations, PERMISSIONS } from './permissions';
import { toStatus } from './status';
import { withWorkspaceToken } from './workspace-token';

/** The workspace's connection status (a never-connected workspace is `disconnected`). */
export async function getStatus(deps: Dependencies, workspaceId: string) {
  const [connection, contactSync, catchup, writeBack] = await Promise.all([
    deps.connections.get(workspaceId),
    deps.contactSync.get(workspaceId),
    deps.feedbackCatchup.get(workspaceId),
    writeBackStatus(deps, workspaceId),
  ]);
  return toStatus(connection, deps.config.PUBLIC_BASE_URL, contactsSyncStatus(contactSync), feedbackSyncStatus(catchup), writeBack);
}

/**
 * Changes `syncFeedback`, `syncContacts` and/or `writeBack`; only a connected workspace has
 * settings to change. `syncContacts: true` starts (or resumes) the contact backfill through SQS and
 * answers at once; `false` stops it at its next page. `syncFeedback` switched on again restarts the
 * feedback catch-up from now: what was tagged while it was off never counts, as for webhooks.
 * `writeBack: true` checks "Write conversations" again (the admin may have granted it since the
 * connect) and is refused with 422 `intercom_permissions_missing` without it; the check's finding
 * is kept in `permissions.missingOptional` either way.
 */
export async function updateSettings(deps: Dependencies, workspaceId: string, patch: Partial<WorkspaceSettings>) {
  const connection = await deps.connections.get(workspaceId);
  if (!isLive(connection)) {
    throw new ConflictError('Connect Intercom before changing its settings.', 'intercom_not_connected');
  }
  const current = settingsOf(connection);
  const settings = { ...current, ...patch };
  let permissions = connection.permissions;
  if (patch.writeBack && !current.writeBack) {
    const granted = await withWorkspaceToken(deps, workspaceId, (token, intercom) => canWriteConversations(intercom, token), {
      connection,
      freshToken: true,
    });
    const others = (connection.permissions?.missingOptional ?? []).filter((name) => name !== WRITE_CONVERSATIONS);
    permissions = { missingOptional: granted ? others : [...others, WRITE_CONVERSATIONS] };
    if (!granted) {
      await deps.connections.updateSettings(workspaceId, current, deps.clock(), permissions);
      throw new UnprocessableError(
        'intercom_permissions_missing',
        `The Intercom app lacks: ${WRITE_CONVERSATIONS}. Tick it in the app's Authentication page, then switch write-back on again.`,
        { missing: [WRITE_CONVERSATIONS] },
      );
    }
  }
  await deps.connections.updateSettings(workspaceId, settings, deps.clock(), permissions);
  logger.info('Intercom settings changed', { settings });
  if (settings.syncFeedback && !connection.settings.syncFeedback) {
    await deps.feedbackCatchup.restartAt(workspaceId, Math.floor(deps.clock().getTime() / 1000));
  }
  const contactSync =
    patch.syncContacts === undefined
      ? await deps.contactSync.get(workspaceId)
      : patch.syncContacts
        ? await startContactSync(deps, connection)
        : await stopContactSync(deps, workspaceId);
  const [catchup, writeBack] = await Promise.all([deps.feedbackCatchup.get(workspaceId), writeBackStatus(deps, workspaceId)]);
  return toStatus(
    { ...connection, settings, permissions },
    deps.config.PUBLIC_BASE_URL,
    contactsSyncStatus(contactSync),
    feedbackSyncStatus(catchup),
    writeBack,
  );
}

/** The workspace's Intercom tags, fetched live. */
export async function listTags(deps: Dependencies, workspaceId: string) {
  try {
    const tags = await withWorkspaceToken(deps, workspaceId, (token, intercom) => intercom.listTags(token));
    return { tags: tags.map((tag) => ({ id: tag.id, name: tag.name })) };
  } catch (error) {
    if (error instanceof IntercomPermissionError) {
      throw new UnprocessableError('intercom_permissions_missing', `The Intercom app lacks: ${PERMISSIONS.readTags}.`, {
        missing: [PERMISSIONS.readTags],
      });
    }
    throw error;
  }
}

/**
 * Disconnects. Steps, each safe to run again, so a second `DELETE` finishes what a failed one began:
 * mark the connection disconnected and drop its webhook routes (its webhook URL answers 404 and its
 * settings can no longer change); stop contact sync; for OAuth, uninstall Timebook's app, which
 * revokes the token (a token that is already dead is fine); delete the token and webhook secret.
 * Tickets and contacts stay.
 */
export async function disconnect(deps: Dependencies, workspaceId: string): Promise<void> {
  const connection = await deps.connections.get(workspaceId);
  if (!connection) throw new NotFoundError('Intercom was never connected for this workspace.', 'intercom_not_connected');
  if (isLive(connection)) await deps.connections.saveDisconnected(connection, deps.clock());
  await stopContactSync(deps, workspaceId);
  if (connection.method === 'oauth') {
    const token = await deps.secrets.get(secretNames.accessToken(deps.config.SECRETS_PREFIX, workspaceId, connection.connectionId));
    if (token) {
      await deps.intercom.forRegion(regionOf(connection.intercom.region)).uninstall(token.value).catch((error: unknown) => {
        if (!(error instanceof IntercomTokenInvalidError)) throw error;
      });
    }
  }
  await deleteConnectionSecrets(deps, connection);
  logger.info('Intercom disconnected', { method: connection.method, appId: connection.intercom.appId });
}
