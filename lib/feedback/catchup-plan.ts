import type { ConversationSearch } from '../intercom/client';
import type { IntercomConversation } from '../intercom/conversation.schema';
import { triggers, type ProductFeedback } from './product-feedback';
import type { TagBaseline, TagSweep } from './catchup-state';

/*
 * The catch-up's decisions, free of I/O: which searches it sends, which conversations need a
 * `GET /conversations/{id}`, and whether a run must sweep every tagged conversation.
 */

/** Conversation search pages as large as Intercom allows. */
export const SEARCH_PAGE_SIZE = 150;

/**
 * How far before the watermark each run reads again. Intercom's search index shows a change only
 * after a lag of seconds to minutes, so a conversation updated just before a run began may be
 * missing from that run's pages; the next run reads those minutes again.
 */
export const SEARCH_OVERLAP_SECONDS = 10 * 60;

/** A run sweeps every conversation carrying a trigger tag at least this often, whatever the counts say. */
export const SWEEP_INTERVAL_SECONDS = 24 * 3_600;

/** Intercom's limit of values in one search filter group; larger trigger sets are split into groups. */
const MAX_FILTERS_PER_GROUP = 15;

/** Conversations updated at or after `watermark` less the overlap, oldest change first. */
export function updatedSearch(watermark: number, startingAfter: string | null): ConversationSearch {
  return {
    // `>` is "greater or equal" in conversation search, to the second (FACTS §9.2).
    query: { field: 'updated_at', operator: '>', value: Math.max(0, watermark - SEARCH_OVERLAP_SECONDS) },
    sort: { field: 'updated_at', order: 'ascending' },
    perPage: SEARCH_PAGE_SIZE,
    startingAfter,
  };
}

/** Intercom's count of conversations carrying tag `tagId`: one result is enough, `total_count` is the answer. */
export function tagCountSearch(tagId: string): ConversationSearch {
  return { query: { field: 'tag_ids', operator: '=', value: tagId }, perPage: 1, startingAfter: null };
}

/**
 * Every conversation carrying any of the trigger tags, in creation order (which never changes, so
 * the keyset pages neither skip nor repeat a conversation updated while the sweep pages).
 */
export function sweepSearch(tagIds: string[], startingAfter: string | null): ConversationSearch {
  const sorted = [...new Set(tagIds)].sort();
  const groups: string[][] = [];
  for (let index = 0; index < sorted.length; index += MAX_FILTERS_PER_GROUP) groups.push(sorted.slice(index, index + MAX_FILTERS_PER_GROUP));
  const filters = groups.map((group) => ({ field: 'tag_ids', operator: 'IN', value: group }));
  return {
    query: filters.length === 1 ? filters[0] : { operator: 'OR', value: filters },
    sort: { field: 'created_at', order: 'ascending' },
    perPage: SEARCH_PAGE_SIZE,
    startingAfter,
  };
}

/** The trigger tags of every product with feedback on. */
export function triggerTagsOf(products: ProductFeedback[]): string[] {
  return [...new Set(products.filter((product) => product.enabled && product.enabledAt !== null).flatMap((product) => product.triggerTagIds))].sort();
}

/**
 * What a sweep covers: the Intercom workspace and each enabled product's trigger tags and
 * `enabledAt`. A change in any of them means the last sweep's baselines no longer describe it.
 */
export function sweepFingerprint(appId: string, products: ProductFeedback[]): string {
  const enabled = products
    .filter((product) => product.enabled && product.enabledAt !== null)
    .map((product) => [product.productId, product.enabledAt, [...product.triggerTagIds].sort()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([appId, enabled]);
}

/**
 * How many conversations carrying trigger tag T the service expects Intercom to count: the count
 * at the last sweep, plus every conversation seen carrying T for the first time since (each new
 * marker). Intercom counting more means a conversation was tagged that no webhook and no
 * updated-since page showed: only a sweep finds it.
 */
export function expectedCount(baseline: TagBaseline, known: number): number {
  return baseline.intercom + Math.max(0, known - baseline.known);
}

export type SweepReason = 'first' | 'triggers_changed' | 'daily' | 'count_mismatch';

/**
 * Whether this run must sweep, and why: never swept, the trigger set or an `enabledAt` changed
 * since the last sweep, the last sweep is a day old, or Intercom counts more conversations carrying
 * a trigger tag than the service has seen. A removal in the same window can hide an addition from
 * the counts; the daily sweep finds it.
 */
export function sweepReason(input: {
  sweep: TagSweep | null;
  fingerprint: string;
  nowSeconds: number;
  /** Intercom's `total_count` per trigger tag, read in this run. */
  intercomCounts: Map<string, number>;
  /** The service's marker count per trigger tag. */
  knownCounts: Map<string, number>;
}): SweepReason | null {
  const { sweep } = input;
  if (!sweep) return 'first';
  if (sweep.fingerprint !== input.fingerprint) return 'triggers_changed';
  if (input.nowSeconds - sweep.at >= SWEEP_INTERVAL_SECONDS) return 'daily';
  for (const [tagId, intercom] of input.intercomCounts) {
    const baseline = sweep.baselines[tagId];
    if (!baseline) return 'triggers_changed';
    if (intercom > expectedCount(baseline, input.knownCounts.get(tagId) ?? 0)) return 'count_mismatch';
  }
  return null;
}

/** What the catch-up knows of a conversation when it decides (see `FeedbackCatchupStore.conversations`). */
export interface KnownConversation {
  ticketProducts: Set<string>;
  syncedUpdatedAt: number | null;
}

export type ConversationWork = 'create' | 'sync' | null;

/**
 * Whether a conversation of a search page needs `GET /conversations/{id}` and a sync:
 * `create` when a trigger tag applied at or after its product's `enabledAt` (and `countsFrom`) calls
 * for a ticket the product does not have; `sync` when it has tickets and changed since they were
 * last brought up to date; otherwise nothing, and no Intercom call.
 */
export function conversationWork(
  conversation: Pick<IntercomConversation, 'updated_at' | 'tags'>,
  products: ProductFeedback[],
  known: KnownConversation,
  countsFrom: number,
): ConversationWork {
  const tags = conversation.tags?.tags ?? [];
  const wantsTicket = products.some(
    (product) =>
      !known.ticketProducts.has(product.productId) &&
      tags.some((tag) => typeof tag.applied_at === 'number' && tag.applied_at >= countsFrom && triggers(product, tag.id, tag.applied_at)),
  );
  if (wantsTicket) return 'create';
  if (known.ticketProducts.size === 0) return null;
  const updatedAt = conversation.updated_at;
  if (known.syncedUpdatedAt === null || typeof updatedAt !== 'number' || updatedAt > known.syncedUpdatedAt) return 'sync';
  return null;
}

/** The trigger tags a conversation carries, for the markers. */
export function triggerTagsOn(conversation: Pick<IntercomConversation, 'tags'>, triggerTags: Set<string>): string[] {
  return [...new Set((conversation.tags?.tags ?? []).map((tag) => tag.id).filter((id) => triggerTags.has(id)))];
}
