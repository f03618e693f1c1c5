import { createPrng, randomSeed, type Prng } from './prng';

/** Random faults applied to matching requests. Rates are probabilities in [0, 1]. */
export interface FaultSettings {
  /** Seed for every random decision; the same seed and request sequence give the same faults. */
  seed?: number;
  /** Added to every request. */
  latencyMs?: number;
  /** Up to this much more, uniformly random. */
  jitterMs?: number;
  /** Probability of a latency spike, and its extra duration. */
  spikeRate?: number;
  spikeMs?: number;
  /** Probability of a 5xx answer, drawn from `errorStatuses` (default 500 and 503). */
  errorRate?: number;
  errorStatuses?: number[];
  /** Probability of a forced 429. */
  rateLimitRate?: number;
}

/** Fail the next `count` requests whose method and path match with `status`. */
export interface FailNextRule {
  /** Any method when absent. */
  method?: string;
  pathPrefix: string;
  status: number;
  count: number;
}

/**
 * Handle the next `count` matching requests in full (a note is stored, say), then lose the answer:
 * `reset` closes the connection without a response, `500` answers an error. The client cannot tell
 * whether its request took effect.
 */
export interface DropAnswerRule {
  /** Any method when absent. */
  method?: string;
  pathPrefix: string;
  count: number;
  answer: 'reset' | 500;
}

export type FaultKind = 'fail-next' | 'error' | 'rate-limit';

export interface FaultDecision {
  delayMs: number;
  failure: { kind: FaultKind; status: number } | null;
}

/** Decides, per request, the added latency and whether to fail it. */
export class FaultInjector {
  private settings: FaultSettings = {};
  private prng: Prng = createPrng(randomSeed());
  private rules: FailNextRule[] = [];
  private dropRules: DropAnswerRule[] = [];

  /** Replaces the random-fault settings and reseeds. */
  configure(settings: FaultSettings): void {
    this.settings = { ...settings };
    this.prng = createPrng(settings.seed ?? randomSeed());
  }

  /** Queues a one-shot rule; rules are consumed in the order they were added. */
  addFailNext(rule: FailNextRule): void {
    this.rules.push({ ...rule, method: rule.method?.toUpperCase() });
  }

  /** Queues a rule that loses the answers of the next matching requests after handling them. */
  addDropAnswer(rule: DropAnswerRule): void {
    this.dropRules.push({ ...rule, method: rule.method?.toUpperCase() });
  }

  /** For a request just handled: how to lose its answer, or null to send it. Consumes one use of the first matching rule. */
  takeDropAnswer(method: string, path: string): DropAnswerRule['answer'] | null {
    const index = this.dropRules.findIndex((rule) => (!rule.method || rule.method === method) && path.startsWith(rule.pathPrefix));
    const rule = this.dropRules[index];
    if (!rule) return null;
    rule.count -= 1;
    if (rule.count <= 0) this.dropRules.splice(index, 1);
    return rule.answer;
  }

  clear(): void {
    this.configure({});
    this.rules = [];
    this.dropRules = [];
  }

  snapshot(): { settings: FaultSettings; failNext: FailNextRule[]; dropAnswer: DropAnswerRule[] } {
    return {
      settings: { ...this.settings },
      failNext: this.rules.map((rule) => ({ ...rule })),
      dropAnswer: this.dropRules.map((rule) => ({ ...rule })),
    };
  }

  /** The fault for one request. Draws the same number of random values every call. */
  decide(method: string, path: string): FaultDecision {
    const s = this.settings;
    const [jitterDraw, spikeDraw, errorDraw, statusDraw, rateDraw] = [1, 2, 3, 4, 5].map(() => this.prng.next()) as [
      number,
      number,
      number,
      number,
      number,
    ];
    let delayMs = (s.latencyMs ?? 0) + Math.floor(jitterDraw * (s.jitterMs ?? 0));
    if (spikeDraw < (s.spikeRate ?? 0)) delayMs += s.spikeMs ?? 0;

    const ruleIndex = this.rules.findIndex(
      (rule) => (!rule.method || rule.method === method) && path.startsWith(rule.pathPrefix),
    );
    const rule = this.rules[ruleIndex];
    if (rule) {
      rule.count -= 1;
      if (rule.count <= 0) this.rules.splice(ruleIndex, 1);
      return { delayMs, failure: { kind: 'fail-next', status: rule.status } };
    }
    if (errorDraw < (s.errorRate ?? 0)) {
      const statuses = s.errorStatuses?.length ? s.errorStatuses : [500, 503];
      const status = statuses[Math.floor(statusDraw * statuses.length)] ?? 500;
      return { delayMs, failure: { kind: 'error', status } };
    }
    if (rateDraw < (s.rateLimitRate ?? 0)) return { delayMs, failure: { kind: 'rate-limit', status: 429 } };
    return { delayMs, failure: null };
  }
}
