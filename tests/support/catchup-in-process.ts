import { processCatchup, scheduleFeedbackCatchup, type CatchupOutcome } from '../../lib/feedback/catchup';
import type { CatchupMessage, CatchupQueue, QueuedCatchupMessage } from '../../lib/feedback/catchup-queue';
import type { Dependencies } from '../../lib/platform/dependencies';
import type { FeedbackStore } from '../../lib/store/feedback-store';
import { inProcessDependencies } from './in-process';

/*
 * The feedback catch-up as the tests run it: its use cases in the test process, on the local
 * stack's DynamoDB, Secrets Manager and Intercom simulator, with an in-memory queue in place of the
 * catch-up queue and a clock the test sets (the stack's own schedule is off in tests).
 */

export class MemoryCatchupQueue implements CatchupQueue {
  readonly messages: QueuedCatchupMessage[] = [];
  async send(messages: QueuedCatchupMessage[]): Promise<void> {
    this.messages.push(...messages);
  }
  take(): CatchupMessage | undefined {
    return this.messages.shift()?.message;
  }
}

export interface CatchupWorld {
  deps: Dependencies;
  queue: MemoryCatchupQueue;
  /** The catch-up's clock, in ms; `catchUp` sets it. */
  clock: { now: number };
}

/**
 * Dependencies whose schedule visits only `workspaceIds` (other tests share the table), with the
 * clock at `startAt` (unix seconds). `replace` swaps further parts, given the others.
 */
export function catchupWorld(
  workspaceIds: string[],
  startAt: number,
  replace: (deps: Dependencies) => Partial<Dependencies> = () => ({}),
): CatchupWorld {
  const queue = new MemoryCatchupQueue();
  const clock = { now: startAt * 1000 };
  const deps = inProcessDependencies((base) => {
    const feedback = Object.assign(Object.create(base.feedback) as FeedbackStore, {
      listWorkspacesWithFeedback: async () => (await base.feedback.listWorkspacesWithFeedback()).filter((id) => workspaceIds.includes(id)),
    });
    const withFeedback = { ...base, feedback };
    return { feedback, catchupQueue: queue, clock: () => new Date(clock.now), ...replace(withFeedback) };
  });
  return { deps, queue, clock };
}

/** One scheduled catch-up at `at` (unix seconds), every message it queues processed until the run ends. */
export async function catchUp(
  w: CatchupWorld,
  at: number,
): Promise<{ queued: number; busy: number; skipped: number; outcomes: CatchupOutcome[] }> {
  w.clock.now = at * 1000;
  const summary = await scheduleFeedbackCatchup(w.deps);
  const outcomes: CatchupOutcome[] = [];
  for (let message = w.queue.take(); message; message = w.queue.take()) {
    outcomes.push(await processCatchup(w.deps, message, new Date(w.clock.now + 3_600_000)));
  }
  return { ...summary, outcomes };
}

/** A ticket as the catch-up tests compare it: its conversation, title, excerpt and messages. */
export interface TicketView {
  conversationId: string;
  title: string;
  excerpt: string;
  messages: Array<{ id: string; body: string; redacted: boolean }>;
}

/** Every ticket of a product with its messages (oldest first), as stored, by conversation id. */
export async function storedTickets(w: CatchupWorld, workspaceId: string, productId: string): Promise<TicketView[]> {
  const page = await w.deps.feedback.listInbox(workspaceId, productId, 100, undefined);
  const found = await Promise.all(page.tickets.map((t) => w.deps.feedback.getTicket(t.id, { consistent: true })));
  return found
    .map((entry) => ({
      conversationId: entry!.ticket.intercom.conversationId,
      title: entry!.ticket.title,
      excerpt: entry!.ticket.excerpt,
      messages: entry!.messages
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1))
        .map((m) => ({ id: m.id, body: m.body, redacted: m.redacted })),
    }))
    .sort((a, b) => (a.conversationId < b.conversationId ? -1 : 1));
}
