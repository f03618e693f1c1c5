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
