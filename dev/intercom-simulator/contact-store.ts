import type { ContactPredicate, ContactSort } from './contact-search';
import type { ContactRecord, DeletedContactRecord } from './model';
import { SearchResults, type After, type RowPage as SearchPage } from './search-results';

/** A page of contacts and whether more follow. */
export type RowPage = SearchPage<ContactRecord>;

/** First index in the sorted `ids` holding a value greater than `id`. */
function upperBound(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One workspace's contacts. Listing is keyset pagination over ids kept sorted, so a page costs
 * O(log N + page) however many contacts exist. A search filters and sorts once per distinct query
 * and data version, then serves every page of it by binary search.
 */
export class ContactStore {
  private byId = new Map<string, ContactRecord>();
  private sortedIds: string[] = [];
  private deleted = new Map<string, DeletedContactRecord>();
  /** Archived contacts: out of list and search, still readable by id. */
  private archived = new Map<string, ContactRecord>();
  private searches = new SearchResults<ContactRecord>();
  /** Bumped by every change; invalidates cached searches. */
  private version = 0;

  /** Contacts that can be listed and searched (archived ones cannot). */
  get size(): number {
    return this.sortedIds.length;
  }

  get(id: string): ContactRecord | undefined {
    return this.byId.get(id);
  }

  getDeleted(id: string): DeletedContactRecord | undefined {
    return this.deleted.get(id);
  }

  getArchived(id: string): ContactRecord | undefined {
    return this.archived.get(id);
  }

  /** A live or archived contact: what `GET /contacts/{id}` answers. */
  getIncludingArchived(id: string): ContactRecord | undefined {
    return this.byId.get(id) ?? this.archived.get(id);
  }

  /** Adds many contacts at once: one sort instead of one insertion each. */
  insertMany(records: readonly ContactRecord[]): void {
    for (const record of records) {
      if (this.byId.has(record.id)) throw new Error(`duplicate contact id ${record.id}`);
      this.byId.set(record.id, record);
    }
    this.sortedIds = this.sortedIds.concat(records.map((r) => r.id)).sort();
    this.version += 1;
  }

  insert(record: ContactRecord): void {
    if (this.byId.has(record.id)) throw new Error(`duplicate contact id ${record.id}`);
    this.byId.set(record.id, record);
    this.sortedIds.splice(upperBound(this.sortedIds, record.id), 0, record.id);
    this.version += 1;
  }

  /** Records that the contact changed in place (its sort keys may have moved). */
  touch(): void {
    this.version += 1;
  }

  /** Deletes a live or archived contact, keeping a tombstone. */
  delete(id: string, deletedAt: number): DeletedContactRecord | undefined {
    const record = this.byId.get(id) ?? this.archived.get(id);
    if (!record) return undefined;
    if (!this.archived.delete(id)) this.unlist(id);
    return this.bury(record, deletedAt);
  }

  /** Moves a live contact out of list and search. */
  archive(id: string): ContactRecord | undefined {
    const record = this.byId.get(id);
    if (!record) return undefined;
    this.unlist(id);
    this.archived.set(id, record);
    this.version += 1;
    return record;
  }

  unarchive(id: string): ContactRecord | undefined {
    const record = this.archived.get(id);
    if (!record) return undefined;
    this.archived.delete(id);
    this.insert(record);
    return record;
  }

  private unlist(id: string): void {
    this.byId.delete(id);
    this.sortedIds.splice(upperBound(this.sortedIds, id) - 1, 1);
  }

  private bury(record: ContactRecord, deletedAt: number): DeletedContactRecord {
    const { id } = record;
    const tombstone = { id, externalId: record.externalId, role: record.role, deletedAt };
    this.deleted.set(id, tombstone);
    this.version += 1;
    return tombstone;
  }

  clear(): void {
    this.byId.clear();
    this.sortedIds = [];
    this.deleted.clear();
    this.archived.clear();
    this.searches.clear();
    this.version += 1;
  }

  /** Contacts in id order after `afterId` (from the start when null). */
  listPage(afterId: string | null, perPage: number): RowPage {
    const start = afterId === null ? 0 : upperBound(this.sortedIds, afterId);
    const ids = this.sortedIds.slice(start, start + perPage);
    return {
      rows: ids.map((id) => this.byId.get(id) as ContactRecord),
      total: this.sortedIds.length,
      hasMore: start + perPage < this.sortedIds.length,
    };
  }

  /**
   * One page of a search. `cacheKey` must identify the query and sort; `after` is the last row of
   * the previous page (its sort value and id), or null for the first page.
   */
  searchPage(cacheKey: string, predicate: ContactPredicate, sort: ContactSort, after: After | null, perPage: number): RowPage {
    const { sortedIds, byId } = this;
    function* all(): Iterable<ContactRecord> {
      for (const id of sortedIds) yield byId.get(id) as ContactRecord;
    }
    return this.searches.page(cacheKey, this.version, all, predicate, sort, after, perPage);
  }
}
