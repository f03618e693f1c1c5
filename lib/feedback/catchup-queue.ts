import * as z from 'zod';
import type { Queued, WorkQueue } from '../platform/sqs-batch-queue';

/*
 * The feedback catch-up queue: one message carries one workspace's run from where it stands, and
 * the worker queues the next when its invocation's time runs short or the rate budget is spent.
 * A message holds ids and positions only, never conversation text.
 */

const id = z.string().min(1).max(256);
const seconds = z.number().int().nonnegative();

export const catchupMessageSchema = z.object({
  kind: z.literal('feedback-catchup'),
  workspaceId: id,
  /** The run holding the workspace's lease. */
  runId: id,
  /** Unix seconds: when the run was scheduled; the watermark moves here once it is done. */
  startedAt: seconds,
  /** Unix seconds: the watermark the run reads from. */
  since: seconds,
  /** `updated`: conversations updated since; `counts`: the tag counts; `sweep`: every tagged conversation; `verify`: re-reading tickets. */
  phase: z.enum(['updated', 'counts', 'sweep', 'verify']),
  /** Intercom's cursor of the current search page; null for the first. */
  cursor: z.string().min(1).nullable(),
  /** The last conversation of the current page already handled, by the search's sort key. */
  after: z.object({ sortValue: z.number(), id }).nullable(),
  /** When the run sweeps: Intercom's count per trigger tag (the tags it sweeps), read before it began, and what it covers. */
  sweep: z.object({ counts: z.record(z.string(), seconds), fingerprint: z.string() }).nullable(),
  /** In the `verify` phase: the conversations still to re-read. */
  verify: z.array(id).nullable(),
});
export type CatchupMessage = z.infer<typeof catchupMessageSchema>;

/** Parses a catch-up queue message; throws on anything this service did not queue. */
export function parseCatchupMessage(body: string): CatchupMessage {
  return catchupMessageSchema.parse(JSON.parse(body));
}

export type QueuedCatchupMessage = Queued<CatchupMessage>;

/** Where catch-up runs go: the feedback catch-up queue. */
export type CatchupQueue = WorkQueue<CatchupMessage>;
