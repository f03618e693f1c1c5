/**
 * How a backfill fans out: every partition is a `POST /contacts/search` over a range of `created_at`
 * days (and, for a single busy day, over an id suffix), paged on its own cursor.
 *
 * Intercom's search compares dates by calendar day in the workspace's timezone: `created_at > v`
 * matches from the start of the day after v's day, `created_at < v` before the start of v's day.
 * Range bounds are therefore kept at local noon: `< b` then means "before b's day" and
 * `> b - 1 day` means "from b's day on", so neighbouring ranges meet exactly at the start of b's
 * day. Noon sits twelve hours from either midnight, so a daylight-saving hour, or a timezone guess
 * that is off by a few hours, cannot move a bound to another day: no contact falls into two ranges
 * or into none.
 */

export const DAY_SECONDS = 86_400;

/** The largest page Intercom serves. */
export const SEARCH_PAGE_SIZE = 150;

/** A partition whose first page reports more contacts than this splits instead of paging. */
export const SPLIT_ABOVE = 3_000;

/** Contacts a split aims to leave in each child (ten pages). */
export const PARTITION_TARGET = 1_500;

/**
 * What the root's split aims for instead (two pages). The root's first page counts the whole
 * workspace, so a small workspace still fans out over enough partitions to keep many pages in
 * flight at once, while a large one fills {@link MAX_FANOUT} children either way.
 */
export const ROOT_PARTITION_TARGET = 300;

/** The most children one split creates (the split's write is one transaction of up to 100 items). */
export const MAX_FANOUT = 64;

const HEX_DIGITS = '0123456789abcdef';

/** A backfill partition's share of the workspace's contacts. */
export interface PartitionRange {
  /** Local noon of the first day covered; null covers everything before `toNoon`'s day. */
  fromNoon: number | null;
  /** Local noon of the first day not covered. */
  toNoon: number;
  /** Only contacts whose id ends with these hex digits (how a single busy day splits). */
  idSuffix: string | null;
}

export type SearchFilter = { field: string; operator: string; value: string | number };
export type SearchQuery = SearchFilter | { operator: 'AND'; value: SearchFilter[] };

/**
 * The whole workspace: every contact created before the day after tomorrow. Contacts created while
 * the backfill runs fall into its last partition; anything later reaches the store through the
 * incremental sync.
 */
export function rootRange(now: Date, timeZone: string | null): PartitionRange {
  return { fromNoon: null, toNoon: noonOf(Math.floor(now.getTime() / 1000) + 2 * DAY_SECONDS, timeZone), idSuffix: null };
}

/** The search query matching exactly the contacts of `range`. */
export function rangeQuery(range: PartitionRange): SearchQuery {
  const filters: SearchFilter[] = [];
  if (range.fromNoon !== null) filters.push({ field: 'created_at', operator: '>', value: range.fromNoon - DAY_SECONDS });
  filters.push({ field: 'created_at', operator: '<', value: range.toNoon });
  if (range.idSuffix !== null) filters.push({ field: 'id', operator: '$', value: range.idSuffix });
  return filters.length === 1 ? filters[0]! : { operator: 'AND', value: filters };
}

/** What the first page of a partition's search says about it. */
export interface FirstPage {
  /** Intercom's `total_count` for the partition's query. */
  total: number;
  /** `created_at` of the page's first (oldest) contact, null when the page is empty. */
  oldestCreatedAt: number | null;
}

/**
 * The children of a partition too large to page alone, or null to page it as it is.
 * A range of several days splits into up to {@link MAX_FANOUT} runs of whole days; a single day
 * splits sixteen ways by the last hex digit of the contact id (Intercom ids end in a counter).
 * Children cover the parent exactly, and the first child keeps an open start.
 */
export function planSplit(
  range: PartitionRange,
  first: FirstPage,
  timeZone: string | null,
  { root = false }: { root?: boolean } = {},
): PartitionRange[] | null {
  if (first.total <= SPLIT_ABOVE) return null;
  const target = root ? ROOT_PARTITION_TARGET : PARTITION_TARGET;
  const wanted = Math.min(MAX_FANOUT, Math.ceil(first.total / target));
  const from = range.fromNoon ?? (first.oldestCreatedAt === null ? null : noonOf(first.oldestCreatedAt, timeZone));
  const days = from === null ? 0 : Math.round((range.toNoon - from) / DAY_SECONDS);

  if (range.idSuffix === null && from !== null && days >= 2) {
    const parts = Math.min(wanted, days);
    const bounds: number[] = [];
    for (let i = 1; i < parts; i += 1) {
      const bound = noonOf(from + Math.round((i * days) / parts) * DAY_SECONDS, timeZone);
      if (bound > (bounds.at(-1) ?? from) && bound < range.toNoon) bounds.push(bound);
    }
    const starts = [range.fromNoon, ...bounds];
    const ends = [...bounds, range.toNoon];
    return starts.map((fromNoon, i) => ({ fromNoon, toNoon: ends[i]!, idSuffix: null }));
  }
  if ((range.idSuffix?.length ?? 0) < 4) {
    return [...HEX_DIGITS].map((digit) => ({ ...range, idSuffix: `${digit}${range.idSuffix ?? ''}` }));
  }
  return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Seconds to add to UTC for the wall-clock time in `timeZone` (UTC when unknown or invalid). */
function utcOffsetSeconds(unixSeconds: number, timeZone: string | null): number {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = formatterFor(timeZone ?? 'UTC');
  } catch {
    return 0;
  }
  const part: Record<string, number> = {};
  for (const { type, value } of formatter.formatToParts(new Date(unixSeconds * 1000))) part[type] = Number(value);
  const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!) / 1000;
  return wall - Math.floor(unixSeconds);
}

/** 12:00 local time, in `timeZone`, of the day containing `unixSeconds`. */
export function noonOf(unixSeconds: number, timeZone: string | null): number {
  const offset = utcOffsetSeconds(unixSeconds, timeZone);
  const localNoon = Math.floor((unixSeconds + offset) / DAY_SECONDS) * DAY_SECONDS + DAY_SECONDS / 2;
  return localNoon - utcOffsetSeconds(localNoon - offset, timeZone);
}
