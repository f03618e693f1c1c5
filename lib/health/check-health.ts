/** One dependency check: resolves with an optional note when the part is reachable, throws when not. */
export type HealthProbe = () => Promise<string | void>;

export interface HealthCheck {
  ok: boolean;
  ms: number;
  note?: string;
  error?: string;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, HealthCheck>;
}

/**
 * Runs every probe at once, each bounded by `timeoutMs`.
 * Steps: start all probes; record each one's outcome and duration; the report is ok only if all are.
 * A failed check reports only the error's name, never its message, which may quote a resource.
 */
export async function checkHealth(probes: Record<string, HealthProbe>, timeoutMs = 2_000): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, HealthCheck]> => {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(), { name: 'Timeout' })), timeoutMs);
        });
        const note = await Promise.race([probe(), timeout]);
        return [name, { ok: true, ms: elapsed(), ...(note ? { note } : {}) }];
      } catch (error) {
        return [name, { ok: false, ms: elapsed(), error: (error as Error).name || 'Error' }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ok: entries.every(([, check]) => check.ok), checks };
}

/**
 * Serves `check`'s report for `ttlMs` after the check started, to every caller; callers that
 * arrive while it runs wait for the same one. A failed report is kept like a good one (so an outage
 * does not multiply the calls either); a check that threw is forgotten at once.
 */
export function cachedHealthCheck(
  check: () => Promise<HealthReport>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<HealthReport> {
  let last: { startedAt: number; report: Promise<HealthReport> } | undefined;
  return () => {
    const time = now();
    if (!last || time - last.startedAt >= ttlMs) {
      const entry = { startedAt: time, report: check() };
      entry.report.catch(() => {
        if (last === entry) last = undefined;
      });
      last = entry;
    }
    return last.report;
  };
}
