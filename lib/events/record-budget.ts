import { worstCaseCallMs, type IntercomTiming } from '../intercom/client';

/**
 * How the events worker calls Intercom: shorter attempts and one retry, and a rate limit is never
 * waited out inside the invocation (the record goes back to SQS, which retries it after the
 * queue's visibility timeout, long past any rate-limit window).
 */
export const EVENTS_INTERCOM_TIMING = { timeoutMs: 4_000, maxRetries: 1, maxRateLimitWaitMs: 0 } as const satisfies IntercomTiming;

/**
 * What a record may spend on the store in the worst case the worker plans for: DynamoDB and
 * Secrets Manager calls that stop answering (each bounded by the SDK's request timeout, then retried).
 */
export const STORE_ALLOWANCE_MS = 12_000;

/**
 * The longest a record can spend on Intercom. A record makes at most one Intercom call; when
 * Intercom refuses the token, the token is read again and the call made once more, so the worst
 * case is one refused attempt followed by a whole call.
 */
export const INTERCOM_WORST_CASE_MS = EVENTS_INTERCOM_TIMING.timeoutMs + worstCaseCallMs(EVENTS_INTERCOM_TIMING);

/**
 * The time a record may need in the worst case. The worker starts a record only with this much
 * time left in the invocation, so no record is cut off halfway by the Lambda timeout; the
 * function's timeout is checked against it (tests/int/cloudformation-template.int.test.ts).
 */
export const RECORD_BUDGET_MS = STORE_ALLOWANCE_MS + INTERCOM_WORST_CASE_MS;
