import { describe, expect, it } from 'vitest';
import {
  conversationWork,
  expectedCount,
  SEARCH_OVERLAP_SECONDS,
  sweepFingerprint,
  sweepReason,
  sweepSearch,
  SWEEP_INTERVAL_SECONDS,
  tagCountSearch,
  triggerTagsOf,
  updatedSearch,
} from '../../lib/feedback/catchup-plan';
import type { TagSweep } from '../../lib/feedback/catchup-state';
import { firstWatermark } from '../../lib/feedback/catchup';
import type { ProductFeedback } from '../../lib/feedback/product-feedback';
import { verificationTier } from '../../lib/store/catchup-store';

const ENABLED_AT = '2026-03-02T09:00:00.000Z';
const ENABLED_S = Date.parse(ENABLED_AT) / 1000;
const NOW_S = ENABLED_S + 3 * 3_600;

const product = (productId: string, triggerTagIds: string[], overrides: Partial<ProductFeedback> = {}): ProductFeedback => ({
  productId,
  enabled: true,
  triggerTagIds,
  enabledAt: ENABLED_AT,
  productName: productId,
  ...overrides,
});

describe('the catch-up searches', () => {
  it('reads conversations updated from the watermark less the overlap, oldest change first, 150 a page', () => {
    expect(updatedSearch(NOW_S, null)).toEqual({
      query: { field: 'updated_at', operator: '>', value: NOW_S - SEARCH_OVERLAP_SECONDS },
      sort: { field: 'updated_at', order: 'ascending' },
      perPage: 150,
      startingAfter: null,
    });
    expect(updatedSearch(NOW_S, 'cursor==').startingAfter).toBe('cursor==');
    expect(updatedSearch(60, null).query).toMatchObject({ value: 0 });
  });

  it("counts a tag's conversations with a one-result search", () => {
    expect(tagCountSearch('77')).toEqual({ query: { field: 'tag_ids', operator: '=', value: '77' }, perPage: 1, startingAfter: null });
  });

  it('sweeps every trigger tag in creation order, in groups of at most 15 values', () => {
    expect(sweepSearch(['b', 'a', 'a'], null)).toEqual({
      query: { field: 'tag_ids', operator: 'IN', value: ['a', 'b'] },
      sort: { field: 'created_at', order: 'ascending' },
      perPage: 150,
      startingAfter: null,
    });
    const many = Array.from({ length: 20 }, (_, index) => `t${String(index).padStart(2, '0')}`);
    const query = sweepSearch(many, 'c').query as { operator: string; value: Array<{ value: string[] }> };
    expect(query.operator).toBe('OR');
    expect(query.value.map((group) => group.value.length)).toEqual([15, 5]);
    expect(query.value.flatMap((group) => group.value)).toEqual(many);
  });

  it('takes the trigger tags of enabled products only', () => {
    expect(triggerTagsOf([product('p1', ['b', 'a']), product('p2', ['a', 'c']), product('p3', ['z'], { enabled: false })])).toEqual(['a', 'b', 'c']);
  });
});

describe('the tag count check', () => {
  const fingerprint = sweepFingerprint('app_1', [product('p1', ['T'])]);
  const sweep = (at: number, baselines: TagSweep['baselines']): TagSweep => ({ at, fingerprint, baselines });
  const check = (input: { sweep: TagSweep | null; intercom: number; known: number; now?: number; fingerprint?: string }) =>
    sweepReason({
      sweep: input.sweep,
      fingerprint: input.fingerprint ?? fingerprint,
      nowSeconds: input.now ?? NOW_S,
      intercomCounts: new Map([['T', input.intercom]]),
      knownCounts: new Map([['T', input.known]]),
    });

  it('expects the count at the last sweep plus the conversations first seen carrying the tag since', () => {
    expect(expectedCount({ intercom: 50_000, known: 50_000 }, 50_100)).toBe(50_100);
    // Markers of conversations whose tag was removed before the sweep do not raise the expectation.
    expect(expectedCount({ intercom: 49_990, known: 50_000 }, 50_000)).toBe(49_990);
  });

  it('does not sweep when every tagged conversation Intercom counts was seen', () => {
    // 50,000 older tagged conversations at the sweep, 100 tagged since and seen in the updated pass.
    expect(check({ sweep: sweep(NOW_S - 3_600, { T: { intercom: 50_000, known: 50_000 } }), intercom: 50_100, known: 50_100 })).toBeNull();
    // Fewer in Intercom (tags removed) is no reason either.
    expect(check({ sweep: sweep(NOW_S - 3_600, { T: { intercom: 50_000, known: 50_000 } }), intercom: 49_998, known: 50_000 })).toBeNull();
  });

  it('sweeps when Intercom counts a tagged conversation the service never saw', () => {
    expect(check({ sweep: sweep(NOW_S - 3_600, { T: { intercom: 50_000, known: 50_000 } }), intercom: 50_101, known: 50_100 })).toBe(
      'count_mismatch',
    );
  });

  it('sweeps the first time, when the triggers or an enabledAt changed, and at least daily', () => {
    const baselines = { T: { intercom: 10, known: 10 } };
    expect(check({ sweep: null, intercom: 10, known: 10 })).toBe('first');
    expect(check({ sweep: sweep(NOW_S - 60, baselines), intercom: 10, known: 10, fingerprint: sweepFingerprint('app_1', [product('p1', ['T', 'U'])]) })).toBe(
      'triggers_changed',
    );
    const movedEnabledAt = sweepFingerprint('app_1', [product('p1', ['T'], { enabledAt: '2026-03-03T00:00:00.000Z' })]);
    expect(movedEnabledAt).not.toBe(fingerprint);
    expect(sweepFingerprint('app_2', [product('p1', ['T'])])).not.toBe(fingerprint);
    // The same products in another order, or their tags in another order, are the same sweep.
    expect(sweepFingerprint('app_1', [product('p2', ['b', 'a']), product('p1', ['T'])])).toBe(
      sweepFingerprint('app_1', [product('p1', ['T']), product('p2', ['a', 'b'])]),
    );
    expect(check({ sweep: sweep(NOW_S - SWEEP_INTERVAL_SECONDS, baselines), intercom: 10, known: 10 })).toBe('daily');
    expect(check({ sweep: sweep(NOW_S - SWEEP_INTERVAL_SECONDS + 1, baselines), intercom: 10, known: 10 })).toBeNull();
  });
});

describe('which conversations need a fetch', () => {
  const products = [product('p1', ['T'])];
  const none = { ticketProducts: new Set<string>(), syncedUpdatedAt: null };
  const tagged = (appliedAt: number | null, updatedAt = NOW_S) => ({ updated_at: updatedAt, tags: { tags: [{ id: 'T', applied_at: appliedAt }] } });

  it('fetches a conversation whose trigger tag, applied at or after enabledAt, has no ticket yet', () => {
    expect(conversationWork(tagged(ENABLED_S), products, none, ENABLED_S)).toBe('create');
    expect(conversationWork(tagged(ENABLED_S - 1), products, none, ENABLED_S)).toBeNull();
    // Applied after enabledAt but before the catch-up's start (connect, or feedback switched on again).
    expect(conversationWork(tagged(ENABLED_S + 10), products, none, ENABLED_S + 11)).toBeNull();
    expect(conversationWork(tagged(null), products, none, ENABLED_S)).toBeNull();
    expect(conversationWork({ updated_at: NOW_S, tags: { tags: [{ id: 'other', applied_at: NOW_S }] } }, products, none, ENABLED_S)).toBeNull();
  });

  it('fetches a ticketed conversation only when it changed since its tickets were synced', () => {
    const ticketed = (syncedUpdatedAt: number | null) => ({ ticketProducts: new Set(['p1']), syncedUpdatedAt });
    expect(conversationWork(tagged(ENABLED_S, NOW_S), products, ticketed(NOW_S), ENABLED_S)).toBeNull();
    expect(conversationWork(tagged(ENABLED_S, NOW_S), products, ticketed(NOW_S - 1), ENABLED_S)).toBe('sync');
    expect(conversationWork(tagged(ENABLED_S, NOW_S), products, ticketed(null), ENABLED_S)).toBe('sync');
    // A ticket of another product (an inbox-app ticket, say) is kept up to date too.
    expect(conversationWork({ updated_at: NOW_S, tags: null }, products, { ticketProducts: new Set(['p9']), syncedUpdatedAt: NOW_S - 5 }, ENABLED_S)).toBe(
      'sync',
    );
    // A second product triggered by the same tag still lacks its ticket.
    expect(conversationWork(tagged(ENABLED_S), [...products, product('p2', ['T'])], ticketed(NOW_S), ENABLED_S)).toBe('create');
  });
});

describe('where a catch-up starts and what it re-reads', () => {
  it('starts at connect or the first feedback-on, whichever is later, at most an hour back', () => {
    const connection = { connectedAt: new Date((ENABLED_S - 600) * 1000).toISOString() };
    expect(firstWatermark(connection, [product('p1', ['T'])], NOW_S)).toBe(Math.max(ENABLED_S, NOW_S - 3_600));
    expect(firstWatermark(connection, [product('p1', ['T'])], ENABLED_S + 60)).toBe(ENABLED_S);
    expect(firstWatermark({ connectedAt: new Date((ENABLED_S + 30) * 1000).toISOString() }, [product('p1', ['T'])], ENABLED_S + 60)).toBe(ENABLED_S + 30);
    expect(firstWatermark(connection, [], ENABLED_S + 60)).toBe(ENABLED_S + 60);
  });

  it('re-reads conversations active in the last day every run, older ones daily, none past 30 days', () => {
    expect(verificationTier(NOW_S - 86_400, NOW_S)).toBe('hot');
    expect(verificationTier(NOW_S - 86_401, NOW_S)).toBe('daily');
    expect(verificationTier(NOW_S - 30 * 86_400, NOW_S)).toBe('daily');
    expect(verificationTier(NOW_S - 30 * 86_400 - 1, NOW_S)).toBeNull();
  });
});
