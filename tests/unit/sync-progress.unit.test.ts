import { describe, expect, it } from 'vitest';
import { progressLine } from '../../dev/sync-progress';

const sync = { state: 'running' as const, synced: 3_450, expected: 5_000, startedAt: null, finishedAt: null, error: null };

describe('the sync CLI progress bar', () => {
  it('fills in proportion to synced over expected and shows the counts, the rate and the state', () => {
    const line = progressLine(sync, 10, 10);
    expect(line).toBe('[███████░░░] 3,450 / 5,000  69%  345/s  10.0 s  running');
  });

  it('stays empty while Intercom has not reported the total yet, and never overflows', () => {
    expect(progressLine({ ...sync, synced: 0, expected: null }, 0, 4)).toBe('[░░░░] 0 / ?  0%    0.0 s  running');
    expect(progressLine({ ...sync, synced: 6_000, state: 'completed' }, 2, 4)).toContain('[████] 6,000 / 5,000  100%');
  });
});
