/**
 * Intercom-style rate limiting: a per-minute quota enforced in fixed windows (10 s by default),
 * aligned to the clock, with the headers every REST response carries.
 */

/** 10,000 requests a minute, as Intercom enforces it: per 10-second window. */
export const DEFAULT_RATE_LIMIT = { limit: 1666, windowSeconds: 10 } as const;

export interface RateLimitSettings {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class RateLimiter {
  private settings: RateLimitSettings = { ...DEFAULT_RATE_LIMIT };
  private windowStart = 0;
  private used = 0;

  /** Replaces the limit; the current window's count is kept. */
  configure(settings: Partial<RateLimitSettings>): RateLimitSettings {
    this.settings = { ...this.settings, ...settings };
    return { ...this.settings };
  }

  current(): RateLimitSettings {
    return { ...this.settings };
  }

  /** Counts one request at `nowMs` and says whether it is within the window's quota. */
  take(nowMs: number): RateLimitDecision {
    const { limit, windowSeconds } = this.settings;
    const nowSeconds = Math.floor(nowMs / 1000);
    const windowStart = nowSeconds - (nowSeconds % windowSeconds);
    if (windowStart !== this.windowStart) {
      this.windowStart = windowStart;
      this.used = 0;
    }
    const allowed = this.used < limit;
    if (allowed) this.used += 1;
    return { allowed, headers: this.headers(limit - this.used, windowStart + windowSeconds) };
  }

  /** Headers for a response that did not consume quota (e.g. a forced 429). */
  exhaustedHeaders(nowMs: number): Record<string, string> {
    const nowSeconds = Math.floor(nowMs / 1000);
    return this.headers(0, nowSeconds - (nowSeconds % this.settings.windowSeconds) + this.settings.windowSeconds);
  }

  reset(): void {
    this.used = 0;
  }

  private headers(remaining: number, reset: number): Record<string, string> {
    return {
      'X-RateLimit-Limit': String(this.settings.limit),
      'X-RateLimit-Remaining': String(Math.max(0, remaining)),
      'X-RateLimit-Reset': String(reset),
    };
  }
}
