import * as z from 'zod';
import type { Queued, WorkQueue } from '../platform/sqs-batch-queue';

/*
 * The write-back queue: one message per new ticket whose link-back note is to be posted. It holds
 * ids only; what to post and whether it was posted live on the ticket's write-back record.
 */

const id = z.string().min(1).max(256);

export const writeBackMessageSchema = z.object({
  kind: z.literal('write-back'),
  workspaceId: id,
  ticketId: id,
  /** How often the note was put back to wait for the rate-limit window to reset. */
  deferrals: z.number().int().nonnegative().optional(),
});
export type WriteBackMessage = z.infer<typeof writeBackMessageSchema>;

/** Parses a write-back queue message; throws on anything this service did not queue. */
export function parseWriteBackMessage(body: string): WriteBackMessage {
  return writeBackMessageSchema.parse(JSON.parse(body));
}

export type QueuedWriteBack = Queued<WriteBackMessage>;

export type WriteBackQueue = WorkQueue<WriteBackMessage>;
