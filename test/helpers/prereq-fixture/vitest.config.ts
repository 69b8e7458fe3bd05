import { defineConfig } from 'vitest/config';

/** Only for test/helpers/prereq.test.ts: runs the fixture, which the main suite does not include. */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.fixture.ts'],
    reporters: ['json'],
  },
});
