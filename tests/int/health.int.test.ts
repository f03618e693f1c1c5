import { describe, expect, it } from 'vitest';
import { stack } from '../support/local-stack';

describe('GET /v1/health', () => {
  it('answers 200 with every part of the local stack checked', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; checks: Record<string, { ok: boolean }> };
    expect(body.ok).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(['backfillQueue', 'eventsQueue', 'feedbackCatchupQueue', 'idempotencyTable', 'secrets', 'table', 'writeBackQueue']);
    for (const check of Object.values(body.checks) as { ok: boolean }[]) expect(check.ok).toBe(true);
  });

  it('answers unknown routes with 404', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/nothing-here`);
    expect(response.status).toBe(404);
  });
});
