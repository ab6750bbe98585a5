#!/usr/bin/env node
// `npm test`: every step runs even after one fails, so one failure does not hide the others
// (issue 12: a failing SQLite run used to stop the browser and PostgreSQL suites from running).
// Each step's output goes to the terminal as it runs; a closing table lists every step with
// passed / failed / not run, its duration and vitest's "Tests" line; the exit code is 1 if any
// step failed or could not run. Steps that need dist/ (the browser journeys serve the built app)
// are reported as not run when the build failed. .ci/run sums vitest's "Tests N passed" lines.
// The table is followed by each failed step's shuffle seed and the tests vitest named as failed
// (its "FAIL  file > test" lines) with the first lines of each one's error, so that the end of a
// long CI log says what failed, why, and how to replay the order (vitest run FILE --sequence.seed=N).
import { spawn } from 'node:child_process';

const STEPS = [
  { name: 'typecheck', script: 'typecheck' },
  { name: 'lint', script: 'lint' },
  { name: 'build', script: 'build' },
  { name: 'test:sqlite', script: 'test:sqlite' },
  { name: 'test:browser', script: 'test:browser', needs: 'build' },
  { name: 'test:postgres', script: 'test:postgres' },
];

// How much of each failure's error (the assertion, expected and received, where) the closing
// list repeats: the CI record may keep only the log's end.
const ERROR_LINES = 20;

// Colour codes, which vitest prints around its summary.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function run(script) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0') } });
    let tests = '';
    let seed = '';
    const failed = new Map();
    let reading; // the error lines of the FAIL being read, until vitest's ⎯ rule
    let tail = '';
    const watch = (chunk, out) => {
      out.write(chunk);
      // vitest prints "      Tests  12 failed | 978 passed (990)" near its end; keep the last one.
      const text = tail + chunk.toString('utf8').replace(ANSI, '');
      for (const line of text.split('\n')) {
        const m = /^\s*Tests\s+(\d+ (?:passed|failed|skipped).*)$/.exec(line);
        if (m) tests = m[1].trim();
        const s = /Running tests with seed "(\d+)"/.exec(line);
        if (s) seed = s[1];
        const f = /^\s*FAIL\s+(\S.*)$/.exec(line);
        if (f) {
          reading = failed.get(f[1].trim()) ?? [];
          failed.set(f[1].trim(), reading);
        } else if (reading && /^\s*⎯/.test(line)) reading = undefined;
        else if (reading && line.trim() && reading.length < ERROR_LINES) reading.push(line.trimEnd());
      }
      tail = text.slice(text.lastIndexOf('\n') + 1);
    };
    child.stdout.on('data', (c) => watch(c, process.stdout));
    child.stderr.on('data', (c) => watch(c, process.stderr));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), tests, seed, failed: [...failed] }));
    child.on('error', (err) => resolve({ code: 1, tests: `could not start: ${err.message}`, seed, failed: [] }));
  });
}

const results = [];
for (const step of STEPS) {
  const needed = step.needs && results.find((r) => r.name === step.needs);
  if (needed && needed.status !== 'passed') {
    results.push({ name: step.name, status: 'not run', ms: 0, tests: `needs ${step.needs}, which ${needed.status}` });
    continue;
  }
  process.stdout.write(`\n=== npm test: ${step.name} ===\n`);
  const start = Date.now();
  const r = await run(step.script);
  results.push({ name: step.name, status: r.code === 0 ? 'passed' : 'failed', ms: Date.now() - start, tests: r.tests, seed: r.seed, failed: r.failed });
}

const secs = (ms) => (ms ? `${(ms / 1000).toFixed(1)} s` : '');
const rows = [['step', 'result', 'time', 'tests'], ...results.map((r) => [r.name, r.status, secs(r.ms), r.tests])];
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
const line = (row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
process.stdout.write(`\n=== npm test: summary ===\n${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.slice(1).map(line).join('\n')}\n`);
const bad = results.filter((r) => r.status !== 'passed');
for (const r of bad) {
  if (r.seed) process.stdout.write(`${r.name}: shuffle seed ${r.seed}\n`);
  for (const [name, lines] of r.failed ?? []) {
    process.stdout.write(`${r.name}: FAIL ${name}\n`);
    for (const l of lines) process.stdout.write(`${r.name}:   ${l}\n`);
  }
}
process.stdout.write(bad.length ? `npm test: ${bad.length} of ${results.length} steps did not pass (${bad.map((r) => r.name).join(', ')})\n` : `npm test: all ${results.length} steps passed\n`);
process.exit(bad.length ? 1 : 0);
