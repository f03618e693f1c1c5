import { describe, expect, it } from 'vitest';
import { nextProductFeedback, triggers, type ProductFeedback } from '../../lib/feedback/product-feedback';

const T1 = new Date('2026-11-27T10:00:00.000Z');
const T2 = new Date('2026-11-28T09:30:00.000Z');
const T3 = new Date('2026-11-29T08:15:00.000Z');

const seconds = (iso: string) => Date.parse(iso) / 1000;

function product(overrides: Partial<ProductFeedback> = {}): ProductFeedback {
  return { productId: 'prod_1', enabled: true, triggerTagIds: ['tag_fr'], enabledAt: '2026-11-27T10:00:00.900Z', productName: 'prod_1', ...overrides };
}

describe('nextProductFeedback', () => {
  it('records enabledAt when feedback is first switched on', () => {
    const next = nextProductFeedback(undefined, { productId: 'prod_1', enabled: true, triggerTagIds: ['a'] }, T1);

    expect(next).toEqual({ productId: 'prod_1', enabled: true, triggerTagIds: ['a'], enabledAt: T1.toISOString(), productName: 'prod_1' });
  });

  it('has no enabledAt when the first setting is off', () => {
    const next = nextProductFeedback(undefined, { productId: 'prod_1', enabled: false, triggerTagIds: ['a'] }, T1);

    expect(next.enabledAt).toBeNull();
  });

  it('keeps enabledAt while feedback stays on, even when the trigger tags change', () => {
    const on = nextProductFeedback(undefined, { productId: 'prod_1', enabled: true, triggerTagIds: ['a'] }, T1);

    const still = nextProductFeedback(on, { productId: 'prod_1', enabled: true, triggerTagIds: ['a', 'b'] }, T2);

    expect(still.enabledAt).toBe(T1.toISOString());
    expect(still.triggerTagIds).toEqual(['a', 'b']);
  });

  it('keeps the last enabledAt when switched off', () => {
    const on = nextProductFeedback(undefined, { productId: 'prod_1', enabled: true, triggerTagIds: ['a'] }, T1);

    const off = nextProductFeedback(on, { productId: 'prod_1', enabled: false, triggerTagIds: ['a'] }, T2);

    expect(off.enabled).toBe(false);
    expect(off.enabledAt).toBe(T1.toISOString());
  });

  it('moves enabledAt when switched on again after being off', () => {
    const on = nextProductFeedback(undefined, { productId: 'prod_1', enabled: true, triggerTagIds: ['a'] }, T1);
    const off = nextProductFeedback(on, { productId: 'prod_1', enabled: false, triggerTagIds: ['a'] }, T2);

    const again = nextProductFeedback(off, { productId: 'prod_1', enabled: true, triggerTagIds: ['a'] }, T3);

    expect(again.enabledAt).toBe(T3.toISOString());
  });

  it('lists each trigger tag once, in the order given', () => {
    const next = nextProductFeedback(undefined, { productId: 'prod_1', enabled: true, triggerTagIds: ['b', 'a', 'b', 'a'] }, T1);

    expect(next.triggerTagIds).toEqual(['b', 'a']);
  });

  it('names the product by its id until a name is given, then keeps that name when none is sent', () => {
    const unnamed = nextProductFeedback(undefined, { productId: 'prod_1', enabled: true, triggerTagIds: [] }, T1);
    const named = nextProductFeedback(unnamed, { productId: 'prod_1', enabled: true, triggerTagIds: [], productName: 'Mobile app' }, T2);
    const kept = nextProductFeedback(named, { productId: 'prod_1', enabled: false, triggerTagIds: [] }, T3);

    expect([unnamed.productName, named.productName, kept.productName]).toEqual(['prod_1', 'Mobile app', 'Mobile app']);
  });
});

describe('triggers', () => {
  it('counts a trigger tag applied in the same second as enabledAt, though before its milliseconds', () => {
    const enabled = product({ enabledAt: '2026-11-27T10:00:00.900Z' });

    expect(triggers(enabled, 'tag_fr', seconds('2026-11-27T10:00:00.000Z'))).toBe(true);
  });

  it('does not count a trigger tag applied in the second before enabledAt', () => {
    const enabled = product({ enabledAt: '2026-11-27T10:00:00.000Z' });

    expect(triggers(enabled, 'tag_fr', seconds('2026-11-27T09:59:59.000Z'))).toBe(false);
  });

  it('counts a trigger tag applied later', () => {
    expect(triggers(product(), 'tag_fr', seconds('2026-11-30T00:00:00.000Z'))).toBe(true);
  });

  it('does not count a tag that is not a trigger tag', () => {
    expect(triggers(product(), 'tag_other', seconds('2026-11-30T00:00:00.000Z'))).toBe(false);
  });

  it('does not count anything while feedback is off or was never switched on', () => {
    const later = seconds('2026-11-30T00:00:00.000Z');

    expect(triggers(product({ enabled: false }), 'tag_fr', later)).toBe(false);
    expect(triggers(product({ enabledAt: null }), 'tag_fr', later)).toBe(false);
  });

  it('does not count a tag applied while feedback was off, after it is switched on again', () => {
    const on = nextProductFeedback(undefined, { productId: 'prod_1', enabled: true, triggerTagIds: ['tag_fr'] }, T1);
    const off = nextProductFeedback(on, { productId: 'prod_1', enabled: false, triggerTagIds: ['tag_fr'] }, T2);
    const again = nextProductFeedback(off, { productId: 'prod_1', enabled: true, triggerTagIds: ['tag_fr'] }, T3);

    expect(triggers(again, 'tag_fr', T2.getTime() / 1000 + 60)).toBe(false);
    expect(triggers(again, 'tag_fr', T3.getTime() / 1000)).toBe(true);
  });
});
