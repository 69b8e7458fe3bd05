import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault-injection suite restarts PostgreSQL: it runs alone, after this one (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    globalSetup: ['test/global-setup.ts'],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line for both suites.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/main.json' },
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Database tests each own a schema, so files can run in parallel; 2 cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});
