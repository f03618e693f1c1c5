/** A product's Intercom feedback switch and trigger tags. */
export interface ProductFeedback {
  productId: string;
  enabled: boolean;
  triggerTagIds: string[];
  /** When feedback was last switched on; tags applied before it never make tickets. */
  enabledAt: string | null;
  /** What the inbox app shows for the product; the product id until an admin names it. */
  productName: string;
}

/**
 * Switching on (from off) records a new `enabledAt`; staying on keeps it; off keeps the last one.
 * A `productName` left out keeps the one stored (the product id at first).
 */
export function nextProductFeedback(
  previous: ProductFeedback | undefined,
  input: { productId: string; enabled: boolean; triggerTagIds: string[]; productName?: string },
  now: Date,
): ProductFeedback {
  const switchedOn = input.enabled && !previous?.enabled;
  return {
    productId: input.productId,
    enabled: input.enabled,
    triggerTagIds: [...new Set(input.triggerTagIds)],
    enabledAt: switchedOn ? now.toISOString() : (previous?.enabledAt ?? null),
    productName: input.productName ?? previous?.productName ?? input.productId,
  };
}

/**
 * Whether a tag applied at `appliedAt` (unix seconds, Intercom's precision) triggers this product:
 * a trigger tag applied in or after the second feedback was switched on.
 */
export function triggers(product: ProductFeedback, tagId: string, appliedAt: number): boolean {
  return (
    product.enabled &&
    product.enabledAt !== null &&
    product.triggerTagIds.includes(tagId) &&
    appliedAt >= Math.floor(Date.parse(product.enabledAt) / 1000)
  );
}
