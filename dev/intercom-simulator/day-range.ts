/**
 * Calendar-day arithmetic in an IANA timezone, for Intercom's search semantics on date fields:
 * values are truncated to the day in the workspace timezone before comparing.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localTime(unixSeconds: number, timeZone: string): LocalTime {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(unixSeconds * 1000))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 1970,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** Seconds to add to UTC to get the wall-clock time in `timeZone` at that instant. */
function utcOffsetSeconds(unixSeconds: number, timeZone: string): number {
  const t = localTime(unixSeconds, timeZone);
  const wallAsUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) / 1000;
  return wallAsUtc - Math.floor(unixSeconds);
}

/** The first instant of the local calendar day (year, month, day) in `timeZone`. */
function startOfLocalDate(year: number, month: number, day: number, timeZone: string): number {
  const midnightAsUtc = Date.UTC(year, month - 1, day) / 1000;
  let start = midnightAsUtc - utcOffsetSeconds(midnightAsUtc, timeZone);
  // A second pass settles days whose offset differs from the first guess (DST changes).
  start = midnightAsUtc - utcOffsetSeconds(start, timeZone);
  // Where midnight does not exist (DST jump at 00:00) the day starts at the first valid hour.
  const wall = localTime(start, timeZone);
  if (wall.day !== new Date(midnightAsUtc * 1000).getUTCDate()) start += 3600;
  return start;
}

/** Whether `timeZone` is an IANA name this runtime understands. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The local calendar day containing `unixSeconds`: `start` is its first second, `end` the first
 * second of the next day (so the day is [start, end), 23 or 25 hours long on DST changes).
 */
export function localDayBounds(unixSeconds: number, timeZone: string): { start: number; end: number } {
  const t = localTime(unixSeconds, timeZone);
  const next = new Date(Date.UTC(t.year, t.month - 1, t.day + 1));
  return {
    start: startOfLocalDate(t.year, t.month, t.day, timeZone),
    end: startOfLocalDate(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
  };
}

/** The date operators Intercom's contact search accepts. */
export type DateOperator = '=' | '>' | '<';

/** A half-open range [min, max) of unix seconds; `null` bounds are open. */
export interface DateRange {
  min: number | null;
  max: number | null;
}

/**
 * The instants a date filter matches, with day granularity in `timeZone`:
 * `=` the whole day of `value`, `>` from the start of the next day, `<` before the start of that day.
 */
export function dateFilterRange(operator: DateOperator, value: number, timeZone: string): DateRange {
  const day = localDayBounds(value, timeZone);
  switch (operator) {
    case '=':
      return { min: day.start, max: day.end };
    case '>':
      return { min: day.end, max: null };
    case '<':
      return { min: null, max: day.start };
  }
}

/** Whether `unixSeconds` falls inside `range`. */
export function inDateRange(unixSeconds: number, range: DateRange): boolean {
  return (range.min === null || unixSeconds >= range.min) && (range.max === null || unixSeconds < range.max);
}
