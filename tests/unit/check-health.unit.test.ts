import { describe, expect, it } from 'vitest';
import { cachedHealthCheck, checkHealth, type HealthReport } from '../../lib/health/check-health';

describe('checkHealth', () => {
  it('is ok only when every probe resolves, and keeps notes', async () => {
    const report = await checkHealth({ table: async () => undefined, secrets: async () => 'not configured' });
    expect(report.ok).toBe(true);
    expect(report.checks.secrets).toMatchObject({ ok: true, note: 'not configured' });
  });

  it('reports a failing probe by error name only, never its message', async () => {
    const failure = Object.assign(new Error('arn:aws:secretsmanager:us-east-1:1:secret:token-value'), {
      name: 'AccessDeniedException',
    });
    const report = await checkHealth({
      table: async () => undefined,
      secrets: async () => {
        throw failure;
      },
    });
    expect(report.ok).toBe(false);
    expect(report.checks.table!.ok).toBe(true);
    expect(report.checks.secrets).toMatchObject({ ok: false, error: 'AccessDeniedException' });
    expect(JSON.stringify(report)).not.toContain('token-value');
  });

  it('fails a probe that does not answer in time', async () => {
    const report = await checkHealth({ queue: () => new Promise(() => undefined) }, 20);
    expect(report.checks.queue).toMatchObject({ ok: false, error: 'Timeout' });
  });
});

describe('cachedHealthCheck', () => {
  function countingCheck() {
    const check = { runs: 0, run: async (): Promise<HealthReport> => ({ ok: true, checks: { table: { ok: true, ms: (check.runs += 1) } } }) };
    return check;
  }

  it('answers from the last check for the cache period, then checks again', async () => {
    let now = 1_000_000;
    const check = countingCheck();
    const health = cachedHealthCheck(check.run, 5_000, () => now);

    const first = await health();
    now += 4_999;
    const cached = await Promise.all([health(), health(), health()]);
    now += 1;
    const fresh = await health();

    expect(check.runs).toBe(2);
    expect(cached).toEqual([first, first, first]);
    expect(fresh.checks.table!.ms).toBe(2);
  });

  it('shares one check among requests that arrive while it runs', async () => {
    let release!: () => void;
    let runs = 0;
    const health = cachedHealthCheck(
      () =>
        new Promise<HealthReport>((resolve) => {
          runs += 1;
          release = () => resolve({ ok: true, checks: {} });
        }),
      5_000,
      () => 0,
    );

    const waiting = [health(), health()];
    release();

    expect(await Promise.all(waiting)).toEqual([{ ok: true, checks: {} }, { ok: true, checks: {} }]);
    expect(runs).toBe(1);
  });

  it('keeps a failed report for the cache period too, and forgets a check that threw', async () => {
    let now = 0;
    let outcome: 'down' | 'throw' | 'up' = 'down';
    let runs = 0;
    const health = cachedHealthCheck(
      async (): Promise<HealthReport> => {
        runs += 1;
        if (outcome === 'throw') throw new Error('config');
        return { ok: outcome === 'up', checks: {} };
      },
      5_000,
      () => now,
    );

    expect((await health()).ok).toBe(false);
    outcome = 'up';
    expect((await health()).ok).toBe(false);
    now += 5_000;
    outcome = 'throw';
    await expect(health()).rejects.toThrow('config');
    outcome = 'up';
    expect((await health()).ok).toBe(true);
    expect(runs).toBe(3);
  });
});
