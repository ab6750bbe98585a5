import { defineConfig } from 'vitest/config';

// The admin web app's browser journeys (test/browser): a real Muster on port 0 serving the built
// app (dist/web, so `npm run build` first), driven in Chromium through playwright-core. One file at
// a time: Chromium is heavy and the journeys share nothing.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    fileParallelism: false,
    // Each journey starts from its own Muster and browser context: shuffled, as vitest.config.ts.
    sequence: { shuffle: true },
    reporters: ['default'],
  },
});
