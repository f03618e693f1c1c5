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
 * The most Intercom calls one record makes: a tag that makes a ticket fetches the conversation,
 * and fetches it once more after the ticket's write (lib/feedback/feedback-events.ts); every other
 * event makes at most one (two when it makes a ticket too).
 */
export const INTERCOM_CALLS_PER_RECORD = 2;

/**
 * The longest a record can spend on Intercom: its calls, each whole. When Intercom refuses the
 * token, the token is read again and the call made once more; a token refused again marks the
 * connection and ends the record, so at most one refused attempt is added.
 */
export const INTERCOM_WORST_CASE_MS = EVENTS_INTERCOM_TIMING.timeoutMs + INTERCOM_CALLS_PER_RECORD * worstCaseCallMs(EVENTS_INTERCOM_TIMING);

/**
 * The time a record may need in the worst case. The worker starts a record only with this much
 * time left in the invocation, so no record is cut off halfway by the Lambda timeout; the
 * function's timeout is checked against it (tests/int/cloudformation-template.int.test.ts).
 */
export const RECORD_BUDGET_MS = STORE_ALLOWANCE_MS + INTERCOM_WORST_CASE_MS;
