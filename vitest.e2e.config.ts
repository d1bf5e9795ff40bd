import { defineConfig } from 'vitest/config';

// Browser journeys: the compiled server (dist/) on a fresh database, driven by playwright-core in
// Debian's Chromium. `npm run test:e2e` builds first. Journeys run one file at a time (one browser).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
