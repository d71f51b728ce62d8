import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start real servers and databases; two cores run two files at a time comfortably.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
