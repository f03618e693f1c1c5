import type { Connection } from '../connect/connection';
import type { Dependencies } from '../platform/dependencies';
import type { Ticket, TicketMessage } from './ticket';
import { queueWriteBacks, writeBackIntentFor } from './write-back';

export type NewTicketDeps = Pick<Dependencies, 'feedback' | 'writeBacks' | 'writeBackQueue' | 'clock'>;

/**
 * The one way a ticket is created, whatever made it (a trigger tag, the inbox app): stores it with
 * its messages and, while the workspace has write-back on, the intent of its link-back note in the
 * same transaction, then queues that note (write-back.ts). The note is posted by the write-back
 * worker; nothing here waits for Intercom. `postAs` is the teammate who tagged or sent the
 * conversation (null: the workspace's first admin). False when the ticket already existed, and then
 * nothing is queued: the note belongs to whoever created it.
 */
export async function createTicket(
  deps: NewTicketDeps,
  connection: Connection,
  input: { ticket: Ticket; messages: TicketMessage[]; postAs: string | null },
): Promise<boolean> {
  const intent = writeBackIntentFor(connection, input.ticket, input.postAs);
  const created = await deps.feedback.createTicket(input.ticket, input.messages, intent ? [deps.writeBacks.intentItem(intent)] : []);
  if (created && intent) await queueWriteBacks(deps, connection.workspaceId, [input.ticket.id]);
  return created;
}
