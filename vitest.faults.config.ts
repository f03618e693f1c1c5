import { defineConfig } from 'vitest/config';

/**
 * Fault tests that stop parts of the local stack: they run after the rest, on a stack of their own,
 * so no other test sees the outage.
 */
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
