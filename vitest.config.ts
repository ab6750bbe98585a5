import { configDefaults, defineConfig } from 'vitest/config';

// One contract suite, every engine: MUSTER_TEST_ENGINE=sqlite|postgres picks the store; the
// same files run against both (npm test runs both).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The browser journeys need Chromium and the built web app: npm run test:browser runs them.
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
