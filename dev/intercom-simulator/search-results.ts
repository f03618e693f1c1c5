import { compareSortKeys, type Predicate, type Sort, type SortValue } from './search-query';

/** A page of rows and whether more follow. */
export interface RowPage<T> {
  rows: T[];
  /** Matches in total (for `total_count`). */
  total: number;
  hasMore: boolean;
}

/** Where the previous page ended: its last row's sort value and id. */
export interface After {
  value: SortValue;
  id: string;
}

interface CachedSearch<T> {
  version: number;
  rows: T[];
}

/**
 * Distinct searches kept sorted. A backfill pages dozens of partition queries side by side (up to 64
 * children of a split, and their children); fewer entries than that would make nearly every page
 * filter and sort the whole workspace again, costing this process far more than Intercom's search
 * costs its caller.
 */
const SEARCH_CACHE_SIZE = 512;

/**
 * Search results over one collection: a search filters and sorts once per distinct query and data
 * `version`, then serves every page of it by binary search (keyset pagination on sort value and id).
 */
export class SearchResults<T extends { id: string }> {
  private searches = new Map<string, CachedSearch<T>>();

  clear(): void {
    this.searches.clear();
  }

  /**
   * One page. `cacheKey` must identify the query and sort; `version` must change whenever a row
   * that `all` yields changes; `after` is null for the first page.
   */
  page(
    cacheKey: string,
    version: number,
    all: () => Iterable<T>,
    predicate: Predicate<T>,
    sort: Sort<T>,
    after: After | null,
    perPage: number,
  ): RowPage<T> {
    const rows = this.sorted(cacheKey, version, all, predicate, sort);
    let start = 0;
    if (after) {
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const row = rows[mid] as T;
        if (compareSortKeys(sort.value(row), row.id, after.value, after.id, sort.order) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    return { rows: rows.slice(start, start + perPage), total: rows.length, hasMore: start + perPage < rows.length };
  }

  private sorted(cacheKey: string, version: number, all: () => Iterable<T>, predicate: Predicate<T>, sort: Sort<T>): T[] {
    const cached = this.searches.get(cacheKey);
    if (cached && cached.version === version) {
      this.searches.delete(cacheKey);
      this.searches.set(cacheKey, cached);
      return cached.rows;
    }
    const keyed: Array<{ row: T; value: SortValue }> = [];
    for (const row of all()) if (predicate(row)) keyed.push({ row, value: sort.value(row) });
    keyed.sort((a, b) => compareSortKeys(a.value, a.row.id, b.value, b.row.id, sort.order));
    const rows = keyed.map((entry) => entry.row);
    this.searches.delete(cacheKey);
    this.searches.set(cacheKey, { version, rows });
    if (this.searches.size > SEARCH_CACHE_SIZE) {
      const oldest = this.searches.keys().next().value;
      if (oldest !== undefined) this.searches.delete(oldest);
    }
    return rows;
  }
}
