import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Connection } from '../../lib/connect/connection';
import { dispatchEvent, droppedReason } from '../../lib/events/dispatch-event';
import { assertAuthorised, PermanentEventError, permanentReason } from '../../lib/events/event-failures';
import { queuedEvent } from '../support/factories';
import {
  EVENTS_INTERCOM_TIMING,
  INTERCOM_CALLS_PER_RECORD,
  INTERCOM_WORST_CASE_MS,
  RECORD_BUDGET_MS,
  STORE_ALLOWANCE_MS,
} from '../../lib/events/record-budget';
import { IntercomClient, worstCaseCallMs, type IntercomTiming } from '../../lib/intercom/client';
import {
  IntercomBadRequestError,
  IntercomError,
  IntercomNotFoundError,
  IntercomPermissionError,
  IntercomRateLimitError,
  IntercomTokenInvalidError,
  IntercomUnavailableError,
} from '../../lib/intercom/errors';
import { ConflictError } from '../../lib/platform/errors';

const event = queuedEvent('conversation.user.replied');

const failingWith = (error: unknown) => dispatchEvent({ 'conversation.user.replied': async () => Promise.reject(error) }, event);

describe('failures of a queued notification, by kind', () => {
  it.each([
    ['a refused token', new IntercomTokenInvalidError('refused', 401, 'unauthorized'), 'token_refused'],
    ['a missing permission', new IntercomPermissionError('forbidden', 403, 'forbidden'), 'permission_missing'],
    ['something Intercom no longer has', new IntercomNotFoundError('gone', 404, 'not_found'), 'not_found'],
    ['a request Intercom refuses', new IntercomBadRequestError('bad', 400, 'parameter_invalid'), 'bad_request'],
    ['an item that does not parse', (() => z.object({ id: z.string() }).safeParse({}).error)(), 'malformed'],
    ['a body that is not JSON', (() => { try { JSON.parse('{'); } catch (error) { return error; } })(), 'malformed'],
    ['a workspace disconnected meanwhile', new ConflictError('not connected', 'intercom_not_connected'), 'not_connected'],
    ['a connection waiting for reauthorisation', new PermanentEventError('needs_reauth', 'skip'), 'needs_reauth'],
  ])('acknowledges %s without a retry', async (_, error, reason) => {
    expect(permanentReason(error)).toBe(reason);
    const outcome = await failingWith(error);
    expect(outcome).toBe(`dropped:${reason}`);
    expect(droppedReason(outcome)).toBe(reason);
  });

  it.each([
    ['Intercom unavailable (5xx, timeouts, network)', new IntercomUnavailableError('down', 503, undefined)],
    ['a rate limit', new IntercomRateLimitError('slow down', new Date('2026-11-27T10:00:10Z'))],
    ['an Intercom answer of an unexpected kind', new IntercomError('conflict', 409, 'conflict')],
    ['another conflict', new ConflictError('changed', 'intercom_connection_changed')],
    ['a store failure', Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' })],
  ])('throws %s for SQS to retry', async (_, error) => {
    expect(permanentReason(error)).toBeUndefined();
    await expect(failingWith(error)).rejects.toBe(error);
  });

  it('keeps the outcome of a notification applied or ignored', async () => {
    expect(await dispatchEvent({ 'conversation.user.replied': async () => undefined }, event)).toBe('handled');
    expect(droppedReason('handled')).toBeUndefined();
    expect(droppedReason('ignored')).toBeUndefined();
  });

  it('stops Intercom work for a connection that needs reauthorisation, and only for it', () => {
    const connection = (status: Connection['status']) => ({ status }) as Connection;
    expect(() => assertAuthorised(connection('connected'))).not.toThrow();
    expect(() => assertAuthorised(connection('needs_reauth'))).toThrow(PermanentEventError);
  });
});

/**
 * Runs one call against an Intercom that keeps failing the way `fail` says, each attempt taking its
 * whole timeout and a rate limit resetting as late as the client still waits for, and adds up the
 * time it took on a fake clock.
 */
async function timeOfFailingCall(timing: IntercomTiming, fail: 'timeout' | 'rate_limit' | 'unavailable') {
  let elapsed = 0;
  const timeoutMs = timing.timeoutMs ?? 8_000;
  const maxWaitMs = timing.maxRateLimitWaitMs ?? 2_000;
  let attempts = 0;
  const client = new IntercomClient({
    baseUrl: 'https://api.intercom.test',
    version: '2.16',
    ...timing,
    random: () => 0.999,
    now: () => elapsed,
    sleep: async (ms) => void (elapsed += ms),
    fetch: (async () => {
      attempts += 1;
      elapsed += timeoutMs;
      if (fail === 'timeout') throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
      if (fail === 'unavailable') return new Response('{}', { status: 503 });
      const reset = String(Math.floor((elapsed + maxWaitMs) / 1000));
      return new Response('{}', { status: 429, headers: { 'x-ratelimit-reset': reset, 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0' } });
    }) as typeof fetch,
  });
  await expect(client.getConversation('token', '1')).rejects.toBeInstanceOf(IntercomError);
  return { elapsed, attempts };
}

describe("the events worker's time budget", () => {
  it.each(['timeout', 'rate_limit', 'unavailable'] as const)(
    'bounds a call that keeps failing (%s) by worstCaseCallMs, for the default and the events timing',
    async (fail) => {
      for (const timing of [{}, EVENTS_INTERCOM_TIMING]) {
        const { elapsed, attempts } = await timeOfFailingCall(timing, fail);
        expect(elapsed).toBeLessThanOrEqual(worstCaseCallMs(timing));
        expect(attempts).toBe(((timing as IntercomTiming).maxRetries ?? 2) + 1);
      }
    },
  );

  it('is what the default timing (three 8 s attempts) would overrun, as it overran the former 12 s budget', () => {
    expect(worstCaseCallMs()).toBe(3 * 8_000 + 2 * (2_000 + 250));
    expect(worstCaseCallMs()).toBeGreaterThan(RECORD_BUDGET_MS - STORE_ALLOWANCE_MS);
  });

  it('covers the store allowance, a refused attempt and two whole calls with the events timing', () => {
    expect(worstCaseCallMs(EVENTS_INTERCOM_TIMING)).toBe(2 * 4_000 + 250);
    expect(INTERCOM_CALLS_PER_RECORD).toBe(2);
    expect(INTERCOM_WORST_CASE_MS).toBe(4_000 + 2 * worstCaseCallMs(EVENTS_INTERCOM_TIMING));
    expect(RECORD_BUDGET_MS).toBe(STORE_ALLOWANCE_MS + INTERCOM_WORST_CASE_MS);
  });
});
