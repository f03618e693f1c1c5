import * as z from 'zod';
import { withWorkspaceToken } from '../connect/workspace-token';
import type { TopicHandler } from '../events/dispatch-event';
import type { QueuedEvent } from '../events/queued-event';
import type { ContactTopic } from '../events/topics';
import { IntercomNotFoundError } from '../intercom/errors';
import { assertAuthorised, PermanentEventError } from '../events/event-failures';
import type { Connection } from '../connect/connection';
import type { Dependencies } from '../platform/dependencies';
import { lazy } from '../platform/lazy';
import { logger } from '../platform/logger';
import { contactFromIntercom, InvalidIntercomContactError, type IntercomContactSnapshot } from './contact';
import type { ContactRemoval } from './contact-version';

type EventDeps = Pick<Dependencies, 'contacts' | 'connections' | 'intercom' | 'secrets' | 'config' | 'clock'>;

/**
 * The webhook topics that keep synced contacts current. Created, updated, signed-up and unarchived
 * contacts are written; deleted, archived and merged-away ones are removed. All of them go through
 * the newest-wins rule, so notifications may arrive late, twice or out of order.
 */
export function contactTopics(deps: EventDeps): Record<ContactTopic, TopicHandler> {
  const upsert: TopicHandler = (event) => whenSyncOn(deps, event, (connection) => upsertContact(deps, event, contactItem(event), connection));
  const remove =
    (removal: ContactRemoval): TopicHandler =>
    (event) =>
      whenSyncOn(deps, event, () => removeContact(deps, event, contactItem(event), removal));
  return {
    'contact.user.created': upsert,
    'contact.lead.created': upsert,
    'contact.user.updated': upsert,
    'contact.lead.updated': upsert,
    'contact.lead.signed_up': upsert,
    // Intercom's topic list spells it this way.
    'contact.unarchive': upsert,
    'contact.deleted': remove('deleted'),
    'contact.archived': remove('archived'),
    'contact.merged': (event) =>
      whenSyncOn(deps, event, async (connection) => {
        const item = contactItem(event);
        await upsertContact(deps, event, item, connection);
        const absorbed = mergedFromSchema().safeParse(item);
        if (absorbed.success) await removeContact(deps, event, absorbed.data.merged_from, 'merged');
      }),
  };
}

/** The contact a contact notification is about (queued as Intercom sent it). */
function contactItem(event: QueuedEvent): unknown {
  if (event.kind !== 'contact') throw new PermanentEventError('malformed', 'A contact topic was queued without its contact');
  return event.item;
}

const itemIdSchema = lazy(() => z.looseObject({ id: z.string().min(1) }));
const mergedFromSchema = lazy(() => z.looseObject({ merged_from: itemIdSchema() }));

/** Contacts follow Intercom only while the workspace's contact sync is on; `apply` gets the connection it read. */
async function whenSyncOn(deps: EventDeps, event: QueuedEvent, apply: (connection: Connection) => Promise<void>): Promise<void> {
  const connection = await deps.connections.get(event.workspaceId);
  if (connection?.status === 'disconnected' || !connection?.settings.syncContacts) return;
  await apply(connection);
}

/**
 * Writes the notification's contact. Webhook items carry ISO-8601 times; an item without the fields
 * the store needs is read again from the REST API.
 */
async function upsertContact(deps: EventDeps, event: QueuedEvent, item: unknown, connection: Connection): Promise<void> {
  const snapshot = parseContact(item) ?? (await fetchContact(deps, event.workspaceId, item, connection));
  if (!snapshot) return;
  const written = await deps.contacts.put(event.workspaceId, snapshot, deps.clock());
  if (!written) logger.info('A newer copy of the contact is already stored', { contactId: snapshot.contact.id });
}

async function removeContact(deps: EventDeps, event: QueuedEvent, item: unknown, removal: ContactRemoval): Promise<void> {
  const parsed = itemIdSchema().safeParse(item);
  if (!parsed.success) {
    logger.warn('Contact notification without a contact id', { removal });
    return;
  }
  await deps.contacts.remove(event.workspaceId, parsed.data.id, removal, event.notification.created_at, deps.clock());
}

function parseContact(item: unknown): IntercomContactSnapshot | undefined {
  try {
    return contactFromIntercom(item);
  } catch (error) {
    if (error instanceof InvalidIntercomContactError) return undefined;
    throw error;
  }
}

async function fetchContact(
  deps: EventDeps,
  workspaceId: string,
  item: unknown,
  connection: Connection,
): Promise<IntercomContactSnapshot | undefined> {
  const parsed = itemIdSchema().safeParse(item);
  if (!parsed.success) {
    logger.warn('Contact notification without a contact id');
    return undefined;
  }
  assertAuthorised(connection);
  try {
    const contact = await withWorkspaceToken(deps, workspaceId, (token, intercom) => intercom.getContact(token, parsed.data.id), {
      connection,
    });
    return contactFromIntercom(contact);
  } catch (error) {
    // Gone since the notification was sent: its own deletion notification removes it.
    if (error instanceof IntercomNotFoundError) return undefined;
    throw error;
  }
}
