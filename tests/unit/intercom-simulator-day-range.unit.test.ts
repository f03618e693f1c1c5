import { describe, expect, it } from 'vitest';
import { dateFilterRange, inDateRange, localDayBounds } from '../../dev/intercom-simulator/day-range';

const utc = (iso: string): number => Date.parse(iso) / 1000;

describe('localDayBounds', () => {
  it('gives the UTC calendar day for Etc/UTC', () => {
    expect(localDayBounds(utc('2020-01-01T09:00:00Z'), 'Etc/UTC')).toEqual({
      start: utc('2020-01-01T00:00:00Z'),
      end: utc('2020-01-02T00:00:00Z'),
    });
  });

  it('uses the local day of the timezone, not the UTC day', () => {
    // 2020-01-01T03:00Z is still 31 December in Los Angeles (UTC-8).
    expect(localDayBounds(utc('2020-01-01T03:00:00Z'), 'America/Los_Angeles')).toEqual({
      start: utc('2019-12-31T08:00:00Z'),
      end: utc('2020-01-01T08:00:00Z'),
    });
  });

  it('handles half-hour offsets', () => {
    expect(localDayBounds(utc('2020-01-01T09:00:00Z'), 'Asia/Kolkata')).toEqual({
      start: utc('2019-12-31T18:30:00Z'),
      end: utc('2020-01-01T18:30:00Z'),
    });
  });

  it('makes the spring-forward day 23 hours long', () => {
    const day = localDayBounds(utc('2024-03-10T18:00:00Z'), 'America/Los_Angeles');
    expect(day).toEqual({ start: utc('2024-03-10T08:00:00Z'), end: utc('2024-03-11T07:00:00Z') });
  });

  it('starts the day at 01:00 where DST skips midnight', () => {
    // Havana jumped from 00:00 to 01:00 on 2024-03-10.
    expect(localDayBounds(utc('2024-03-10T17:00:00Z'), 'America/Havana').start).toBe(utc('2024-03-10T05:00:00Z'));
  });
});

describe('dateFilterRange', () => {
  // The worked example from Intercom's contact search documentation.
  const nineAm = 1577869200; // 2020-01-01T09:00Z

  it('> matches from the start of the next day', () => {
    const range = dateFilterRange('>', nineAm, 'Etc/UTC');
    expect(range).toEqual({ min: 1577923200, max: null });
    expect(inDateRange(utc('2020-01-01T23:59:59Z'), range)).toBe(false);
    expect(inDateRange(utc('2020-01-02T00:00:00Z'), range)).toBe(true);
  });

  it('= matches the whole day and nothing else', () => {
    const range = dateFilterRange('=', nineAm, 'Etc/UTC');
    expect(inDateRange(utc('2020-01-01T00:00:00Z'), range)).toBe(true);
    expect(inDateRange(utc('2020-01-01T23:59:59Z'), range)).toBe(true);
    expect(inDateRange(utc('2019-12-31T23:59:59Z'), range)).toBe(false);
    expect(inDateRange(utc('2020-01-02T00:00:00Z'), range)).toBe(false);
  });

  it('< matches before the start of that day', () => {
    const range = dateFilterRange('<', nineAm, 'Etc/UTC');
    expect(inDateRange(utc('2019-12-31T23:59:59Z'), range)).toBe(true);
    expect(inDateRange(utc('2020-01-01T00:00:00Z'), range)).toBe(false);
  });

  it('moves the boundaries with the workspace timezone', () => {
    const instant = utc('2020-01-02T05:00:00Z');
    expect(inDateRange(instant, dateFilterRange('=', nineAm, 'Etc/UTC'))).toBe(false);
    // In Los Angeles the instant is 1 January, 21:00, the same local day as the filter value.
    expect(inDateRange(instant, dateFilterRange('=', nineAm, 'America/Los_Angeles'))).toBe(true);
  });
});
