import { describe, expect, it } from 'vitest';
import {
  DAY_SECONDS,
  MAX_FANOUT,
  PARTITION_TARGET,
  noonOf,
  planSplit,
  rangeQuery,
  ROOT_PARTITION_TARGET,
  rootRange,
  SPLIT_ABOVE,
  type PartitionRange,
} from '../../lib/contacts/partition-plan';
import { compileContactQuery } from '../../dev/intercom-simulator/contact-search';
import type { ContactRecord } from '../../dev/intercom-simulator/model';
import { createPrng } from '../../dev/intercom-simulator/prng';

/*
 * The simulator implements Intercom's day-granular search semantics (dates compared by calendar
 * day in the workspace timezone); these tests check the plan against it.
 */

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Australia/Lord_Howe'];
const NOW = new Date('2026-03-29T00:30:00Z');

function contacts(count: number, fromSeconds: number, toSeconds: number, seed: number): ContactRecord[] {
  const prng = createPrng(seed);
  return Array.from({ length: count }, (_, i) => {
    const createdAt = fromSeconds + Math.floor(prng.next() * (toSeconds - fromSeconds));
    return { id: createdAt.toString(16).padStart(8, '0') + i.toString(16).padStart(16, '0'), createdAt } as ContactRecord;
  });
}

/** Which of `ranges` each contact matches, as Intercom's search would decide it in `timeZone`. */
function matches(ranges: PartitionRange[], records: ContactRecord[], timeZone: string): number[][] {
  const predicates = ranges.map((range) => compileContactQuery(rangeQuery(range), timeZone));
  return records.map((record) => predicates.flatMap((matchesRange, index) => (matchesRange(record) ? [index] : [])));
}

describe('rangeQuery', () => {
  it('searches only before the bound for an open start, and from the day of the lower bound otherwise', () => {
    expect(rangeQuery({ fromNoon: null, toNoon: 1_000_000, idSuffix: null })).toEqual({ field: 'created_at', operator: '<', value: 1_000_000 });
    expect(rangeQuery({ fromNoon: 500_000, toNoon: 1_000_000, idSuffix: 'a' })).toEqual({
      operator: 'AND',
      value: [
        { field: 'created_at', operator: '>', value: 500_000 - DAY_SECONDS },
        { field: 'created_at', operator: '<', value: 1_000_000 },
        { field: 'id', operator: '$', value: 'a' },
      ],
    });
  });
});

describe('noonOf', () => {
  it.each(ZONES)('is 12:00 on the same local day in %s, across daylight-saving changes', (timeZone) => {
    const format = new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' });
    const local = (seconds: number) => format.format(new Date(seconds * 1000));
    for (let t = Date.parse('2026-01-01T00:00:00Z') / 1000; t < Date.parse('2027-01-01T00:00:00Z') / 1000; t += 7 * 3600 + 13) {
      const noon = noonOf(t, timeZone);
      expect(local(noon).slice(0, 10)).toBe(local(t).slice(0, 10));
      expect(local(noon).slice(12)).toBe('12:00');
    }
  });

  it('falls back to UTC for a timezone the runtime does not know', () => {
    expect(noonOf(Date.parse('2026-05-05T20:00:00Z') / 1000, 'Not/AZone')).toBe(Date.parse('2026-05-05T12:00:00Z') / 1000);
  });
});

describe('planSplit', () => {
  it('leaves a partition that is small enough to page alone', () => {
    expect(planSplit(rootRange(NOW, 'UTC'), { total: SPLIT_ABOVE, oldestCreatedAt: 0 }, 'UTC')).toBeNull();
  });

  it.each(ZONES)('splits a year into day ranges that together match every contact exactly once (%s)', (timeZone) => {
    const root = rootRange(NOW, timeZone);
    const now = NOW.getTime() / 1000;
    // A year back, through both daylight-saving changes, up to "now" and a day beyond.
    const records = contacts(4_000, now - 365 * DAY_SECONDS, now + DAY_SECONDS, 7);
    const oldest = Math.min(...records.map((r) => r.createdAt));

    const children = planSplit(root, { total: 100_000, oldestCreatedAt: oldest }, timeZone)!;

    expect(children.length).toBe(MAX_FANOUT);
    expect(children[0]!.fromNoon).toBeNull();
    expect(children.at(-1)!.toNoon).toBe(root.toNoon);
    const hits = matches(children, records, timeZone);
    expect(hits.filter((h) => h.length !== 1)).toEqual([]);
    // Children are contiguous, ordered and cover whole days.
    for (let i = 1; i < children.length; i += 1) expect(children[i]!.fromNoon).toBe(children[i - 1]!.toNoon);
  });

  it('fans the root of a small workspace out wider than a deeper split of the same size', () => {
    const root = rootRange(NOW, 'UTC');
    const oldestCreatedAt = NOW.getTime() / 1000 - 400 * DAY_SECONDS;

    expect(planSplit(root, { total: 10_000, oldestCreatedAt }, 'UTC', { root: true })).toHaveLength(Math.ceil(10_000 / ROOT_PARTITION_TARGET));
    expect(planSplit(root, { total: 10_000, oldestCreatedAt }, 'UTC')).toHaveLength(Math.ceil(10_000 / PARTITION_TARGET));
    expect(planSplit(root, { total: 100_000, oldestCreatedAt }, 'UTC', { root: true })).toHaveLength(MAX_FANOUT);
    expect(planSplit(root, { total: SPLIT_ABOVE, oldestCreatedAt }, 'UTC', { root: true })).toBeNull();
  });

  it('splits again inside a child, still exactly', () => {
    const timeZone = 'America/New_York';
    const root = rootRange(NOW, timeZone);
    const now = NOW.getTime() / 1000;
    const records = contacts(3_000, now - 200 * DAY_SECONDS, now, 11);
    const [, second] = planSplit(root, { total: 8_000, oldestCreatedAt: Math.min(...records.map((r) => r.createdAt)) }, timeZone)!;
    const inSecond = records.filter((record) => compileContactQuery(rangeQuery(second!), timeZone)(record));

    const grandchildren = planSplit(second!, { total: 5_000, oldestCreatedAt: null }, timeZone)!;

    expect(grandchildren.length).toBe(Math.ceil(5_000 / 1_500));
    expect(matches(grandchildren, inSecond, timeZone).every((h) => h.length === 1)).toBe(true);
    expect(matches(grandchildren, records, timeZone).filter((h) => h.length > 0)).toHaveLength(inSecond.length);
  });

  it('splits a single busy day sixteen ways by the last hex digit of the id, exactly', () => {
    const timeZone = 'Europe/Berlin';
    const day = noonOf(Date.parse('2026-03-28T10:00:00Z') / 1000, timeZone);
    const range: PartitionRange = { fromNoon: day, toNoon: noonOf(day + DAY_SECONDS, timeZone), idSuffix: null };
    const records = contacts(1_000, day - 11 * 3600, day + 11 * 3600, 3);

    const children = planSplit(range, { total: 40_000, oldestCreatedAt: records[0]!.createdAt }, timeZone)!;

    expect(children).toHaveLength(16);
    expect(new Set(children.map((c) => c.idSuffix))).toEqual(new Set([...'0123456789abcdef']));
    expect(matches(children, records, timeZone).every((h) => h.length === 1)).toBe(true);
    const deeper = planSplit(children[5]!, { total: 4_000, oldestCreatedAt: null }, timeZone)!;
    expect(deeper.map((c) => c.idSuffix)).toContain('a5');
  });

  it('splits by id when every contact of an open-ended range falls on one day', () => {
    const timeZone = 'UTC';
    const root = rootRange(NOW, timeZone);
    const children = planSplit(root, { total: 10_000, oldestCreatedAt: root.toNoon - DAY_SECONDS }, timeZone)!;
    expect(children.every((child) => child.idSuffix !== null && child.fromNoon === null)).toBe(true);
  });
});
