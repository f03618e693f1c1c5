import { describe, expect, it } from 'vitest';
import { checkHealth } from '../../lib/health/check-health';

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
