import { defineConfig } from 'vitest/config';

/** Fault injection (kill -9, SIGTERM, PostgreSQL restart and crash), each on throwaway servers of its own: one file at a time. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/faults.json' },
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
