import { configDefaults, defineConfig } from 'vitest/config';

// One contract suite, every engine: MUSTER_TEST_ENGINE=sqlite|postgres picks the store; the
// same files run against both (npm test runs both). Every test lives under test/ (unit tests of
// pure code in test/unit/, mirroring src/), so that tsc -p tsconfig.json emits none into dist/.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser journeys need Chromium and the built web app: npm run test:browser runs them.
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    // A test that hangs fails after a minute. The longest tests hash real admin passwords (scrypt at
    // N=2^17, src/accounts/passwords.ts) a dozen times or start CLI processes: 11-12 s on an idle
    // 2-core machine, 21-25 s with both cores busy, too close to the 30 s this was.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a state to come (vitest's default, 1 s, is a wall-clock bound a busy
    // machine can miss); a state that never comes still fails the test.
    expect: { poll: { timeout: 20_000 } },
    maxWorkers: 2,
    // Every test arranges its own start (README, "Development"): a shuffled order, its seed printed
    // (--sequence.seed=N replays it), fails a test that needs another to run first.
    sequence: { shuffle: true },
    reporters: ['default'],
  },
});
