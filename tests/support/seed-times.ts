/*
 * Fixed times for the data tests seed into the Intercom simulator. A seed never takes times relative
 * to the clock (the simulator's default, the `days` before now): how seeded contacts fall into
 * calendar days, and so into backfill partitions and pages, must not depend on the hour or the date
 * a test runs at. The times lie in the past, as Intercom's data does, because the service reads "now"
 * from the real clock (a backfill covers every day from the oldest contact up to today).
 */

/** Unix seconds of an ISO-8601 time. */
export const utc = (iso: string): number => Date.parse(iso) / 1000;

/** Seeded contacts sign up over the year 2025 unless a test says otherwise. */
export const SEEDED_CONTACT_TIMES = { startAt: utc('2025-01-01T00:00:00Z'), endAt: utc('2025-12-31T23:59:59Z') };

/** Seeded conversations start in the first week of 2026, after every seeded contact signed up. */
export const SEEDED_CONVERSATION_TIMES = { startAt: utc('2026-01-05T00:00:00Z'), endAt: utc('2026-01-11T23:59:59Z') };

/**
 * Where the injected clock of the in-process contact sync tests starts: after every seeded contact
 * and conversation, at a fixed instant, so that a backfill's partitions (which run from the oldest
 * contact to the day after tomorrow) come out the same on every run.
 */
export const SYNC_CLOCK_START = Date.parse('2026-03-02T09:00:00Z');
