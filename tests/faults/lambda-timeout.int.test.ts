import { describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { connectedWorkspace, simulator } from '../support/feedback-world';

/**
 * A function that runs past its timeout must not take the function down with it: Lambda runs the
 * next invocation in a working execution environment. serverless-offline 13.10.1 terminated the
 * timed-out instance's worker thread and kept handing the dead instance out, so every later call
 * to it hung until its own timeout (upstream issue #1896, fixed by PR #1898; patches/).
 *
 * In the fault suite: it holds an admin invocation for the function's whole timeout.
 */
describe('an invocation that runs past its timeout', () => {
  it('times out alone: the next calls to the same function answer at once', async () => {
    const ws = await connectedWorkspace();
    const base = `/v1/workspaces/${ws.workspaceId}/intercom`;

    // Intercom stops answering. The client gives each of its three attempts 8 s, so listing the
    // tags outlasts the admin function's 20 s timeout.
    await simulator.setFaults(ws.intercom.appId, { latencyMs: 60_000 });
    try {
      const timedOut = await api('GET', `${base}/tags`, { token: ws.token });
      expect(timedOut.body?.tags).toBeUndefined();
      // serverless-offline answers an HTTP API invocation that failed with its error as the body.
      expect(timedOut.text).toContain('Lambda timeout');
    } finally {
      await simulator.clearFaults(ws.intercom.appId);
    }

    // Calls at once take every idle instance of the function, the timed-out one among them.
    const answers = await Promise.all(Array.from({ length: 4 }, () => api('GET', base, { token: ws.token })));
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body.connected, answer.text).toBe(true);
    }
  }, 120_000);
});
