import { describe, expect, it } from 'vitest';
import {
  afterResponse,
  classifyResponse,
  HEALTHY,
  INTERCOM_DELIVERY_RULES,
  nextAttemptAt,
  resumed,
  stateAt,
  type ResponseKind,
  type SubscriptionHealth,
} from '../../dev/intercom-simulator/webhook-rules';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const rules = INTERCOM_DELIVERY_RULES;

/** The health after answers of one kind at the given times. */
function answers(times: number[], kind: ResponseKind = 'error', from: SubscriptionHealth = HEALTHY): SubscriptionHealth {
  return times.reduce((health, at) => afterResponse(health, kind, at, rules), from);
}

describe("Intercom's delivery rules", () => {
  it('are the documented values', () => {
    expect(INTERCOM_DELIVERY_RULES).toEqual({
      timeoutMs: 5000,
      retryAfterSeconds: 60,
      pauseAfterErrors: 1000,
      pauseWindowSeconds: 900,
      pauseSeconds: 900,
    });
  });

  it('count 2xx as success, 410 as gone and everything else, timeouts included, as an error', () => {
    expect([200, 202, 299].map(classifyResponse)).toEqual(['success', 'success', 'success']);
    expect(classifyResponse(410)).toBe('gone');
    expect([null, 199, 301, 400, 401, 404, 429, 500, 503].map(classifyResponse)).toEqual(Array(9).fill('error'));
  });

  it('retry a failed first attempt once, a minute later, and never a second one', () => {
    expect(nextAttemptAt(1, 'error', T0, rules)).toBe(T0 + 60);
    expect(nextAttemptAt(2, 'error', T0 + 60, rules)).toBeNull();
    expect(nextAttemptAt(1, 'success', T0, rules)).toBeNull();
    expect(nextAttemptAt(1, 'gone', T0, rules)).toBeNull();
  });

  it('pause for 15 minutes on the 1,001st consecutive error within 15 minutes, not the 1,000th', () => {
    const times = Array.from({ length: 1000 }, (_, i) => T0 + Math.floor((i * 899) / 999));
    const after1000 = answers(times);
    expect(after1000.errorTimes).toHaveLength(1000);
    expect(stateAt(after1000, T0 + 899)).toBe('live');
    const after1001 = answers([T0 + 899], 'error', after1000);
    expect(after1001.pausedUntil).toBe(T0 + 899 + 900);
    expect(stateAt(after1001, T0 + 899)).toBe('paused');
    expect(stateAt(after1001, T0 + 899 + 899)).toBe('paused');
    expect(stateAt(after1001, T0 + 899 + 900)).toBe('live');
  });

  it('do not pause when the errors spread over more than 15 minutes', () => {
    // One error a second for 20 minutes: never more than 900 inside any 15-minute window.
    const health = answers(Array.from({ length: 1200 }, (_, i) => T0 + i));
    expect(stateAt(health, T0 + 1200)).toBe('live');
    expect(health.errorTimes.length).toBeLessThanOrEqual(900);
  });

  it('start counting again after a success', () => {
    const errors = Array.from({ length: 1000 }, () => T0);
    const health = answers([T0], 'error', answers([T0], 'success', answers(errors)));
    expect(health.errorTimes).toHaveLength(1);
    expect(stateAt(health, T0)).toBe('live');
  });

  it('resume with a clean count when the pause is over', () => {
    const paused = answers(Array.from({ length: 1001 }, () => T0));
    expect(resumed(paused, T0 + 899)).toBe(paused);
    expect(resumed(paused, T0 + 900)).toEqual({ errorTimes: [], pausedUntil: null, disabledAt: null });
    // 1,000 more errors right after the pause do not pause it again; the next one does.
    const again = answers(Array.from({ length: 1000 }, () => T0 + 900), 'error', paused);
    expect(stateAt(again, T0 + 900)).toBe('live');
    expect(stateAt(answers([T0 + 900], 'error', again), T0 + 900)).toBe('paused');
  });

  it('disable the subscription on 410 for good', () => {
    const gone = answers([T0], 'gone');
    expect(gone.disabledAt).toBe(T0);
    expect(stateAt(gone, T0 + 86_400)).toBe('disabled');
    expect(stateAt(answers([T0 + 10], 'success', gone), T0 + 10)).toBe('disabled');
  });

  it('take smaller thresholds as options', () => {
    const small = { ...rules, pauseAfterErrors: 3, pauseSeconds: 120 };
    const health = [T0, T0, T0, T0].reduce<SubscriptionHealth>((current, at) => afterResponse(current, 'error', at, small), HEALTHY);
    expect(health.pausedUntil).toBe(T0 + 120);
  });
});
