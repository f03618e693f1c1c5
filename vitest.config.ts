import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Every test but the fault tests (vitest.faults.config.ts runs those afterwards, on a stack of their
 * own). Integration tests (`*.int.test.ts`) share one local stack that the global setup starts
 * before the first test file and stops after the last.
 */
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'tests/faults/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
