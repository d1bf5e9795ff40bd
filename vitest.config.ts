import { defineConfig } from 'vitest/config';

// Unit and integration tests. One database server for the run (global-setup.ts); one database per worker
// (setup.ts), emptied before each test file. Browser journeys live in vitest.e2e.config.ts.
// Test files share their worker processes (isolate off): the app's modules are loaded once per worker
// instead of once per file, which was most of the suite's time; setup.ts makes each file start from what
// a process knows of a database it has never seen.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    isolate: false,
    maxWorkers: 2,
    testTimeout: 30_000,
    // Password hashes at scrypt N=2^10 instead of 2^17 in every process of the suite (test/setup.ts and
    // the servers tests start inherit it); test/auth/password.test.ts runs at the real cost.
    env: { PASSWORD_HASH_LOG2N: '10' },
    // The first run on a new machine may build FerretDB (1-3 minutes).
    hookTimeout: 300_000,
    reporters: ['default'],
    // Transformed modules kept on disk between runs (node_modules/.experimental-vitest-cache, keyed by each
    // file's content): a later run's two workers load the app without transforming it again, about 4 s
    // of the suite's CPU. The first run after a change to many files gains nothing.
    experimental: { fsModuleCache: true },
  },
});
