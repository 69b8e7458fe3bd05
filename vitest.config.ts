import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Database tests each own a schema, so files can run in parallel; 2 cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});
