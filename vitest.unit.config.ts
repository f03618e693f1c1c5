import { defineConfig } from 'vitest/config';

/** Unit tests only: no server is started. */
export default defineConfig({
  test: {
    include: ['tests/**/*.unit.test.ts'],
    pool: 'forks',
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
