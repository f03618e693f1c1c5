import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { inProgressWindow } from '../../lib/events/in-progress-window';

/** A Lambda context whose invocation ends at `endsAt` on the clock `now`. */
function lambdaContext(endsAt: number, now: () => number): Context {
  return { functionName: 'eventsWorker', getRemainingTimeInMillis: () => endsAt - now() } as Context;
}

describe('inProgressWindow', () => {
  it('is the invocation\'s remaining time where the queue hides a batch longer (AWS)', () => {
    let clock = 1_000;
    const context = lambdaContext(61_000, () => clock);
    expect(inProgressWindow(context, undefined, () => clock)).toBe(context);
    const window = inProgressWindow(context, 360, () => clock);
    clock = 11_000;
    expect(window.getRemainingTimeInMillis()).toBe(50_000);
    expect(window.functionName).toBe('eventsWorker');
  });

  it('ends when SQS hands the batch out again, where that comes first (a capped local queue)', () => {
    let clock = 1_000;
    const window = inProgressWindow(lambdaContext(61_000, () => clock), 5, () => clock);
    clock = 2_000;
    expect(window.getRemainingTimeInMillis()).toBe(4_000);
    clock = 5_999;
    expect(window.getRemainingTimeInMillis()).toBe(1);
    // Past it: the shortest window there is, never 0, which Powertools reads as "no window at all".
    clock = 9_000;
    expect(window.getRemainingTimeInMillis()).toBe(1);
  });
});
