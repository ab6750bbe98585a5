#!/usr/bin/env node
// Throttling accuracy across nodes (issue 17 item 5): two `muster serve` processes on one
// PostgreSQL database, one SCIM token limited to --rate requests/s, driven through both nodes at
// well over that rate. Reports the requests admitted per second in total (and per node) over a
// measured window that starts after a warm-up has spent the token's burst, and the server CPU per
// request. `--compare` also runs MUSTER_SHARED_LIMITS=off (each node counting on its own).
//
//   npx tsc -p tsconfig.json && node bench/limits.mjs --pg postgres://postgres@127.0.0.1:55432/postgres [--rate 100] [--burst 100] [--seconds 10] [--warmup 2] [--concurrency 8] [--compare]
//
// --pg is an admin connection: a fresh database is created and dropped. Offered load: --concurrency
// keep-alive requests in flight per node, each `GET /ServiceProviderConfig` (authenticated and throttled like any SCIM request, but cheap, so the offered load is well over the limit on a small machine), answered at once when throttled.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Client, readProc, startNode } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'muster.js');
const { values } = parseArgs({
  options: {
    pg: { type: 'string', default: process.env.MUSTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres' },
    rate: { type: 'string', default: '100' }, burst: { type: 'string', default: '100' }, seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' }, concurrency: { type: 'string', default: '8' }, compare: { type: 'boolean', default: false },
  },
});
const RATE = Number(values.rate), BURST = Number(values.burst), SECONDS = Number(values.seconds), WARMUP = Number(values.warmup), CONC = Number(values.concurrency);
const log = (s) => process.stdout.write(s + '\n');
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function withDatabase(fn) {
  const name = `muster_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(values.pg);
  u.pathname = `/${name}`;
  try {
    return await fn(u.toString());
  } finally {
    const c = new pg.Client({ connectionString: values.pg });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
}

const node = (env) => startNode(BIN, env);

async function run(mode) {
  return withDatabase(async (url) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-limits-bench-'));
    const env = {
      ...process.env, MUSTER_DATABASE_URL: url, MUSTER_DATA_DIR: dataDir, MUSTER_DEMO: 'false', MUSTER_LOG_LEVEL: 'error', HOST: '127.0.0.1',
      MUSTER_RATE_LIMIT: String(RATE), MUSTER_RATE_LIMIT_BURST: String(BURST), MUSTER_SHARED_LIMITS: mode,
    };
    const created = JSON.parse(execFileSync(process.execPath, [BIN, 'lists', 'create', '--name', 'bench', '--uid', 'userName', '--json'], { env, encoding: 'utf8' }));
    const nodes = [await node(env), await node(env)];
    try {
      const clients = nodes.map((n) => new Client(created.scimBaseUrl.replace(/:\d+\//, `:${n.port}/`), created.token, CONC));
      const cpu0 = nodes.map((n) => readProc(n.pid)?.cpuS ?? 0);
      const t0 = performance.now();
      const from = t0 + WARMUP * 1000, until = from + SECONDS * 1000;
      const counts = nodes.map(() => ({ ok: 0, throttled: 0, other: 0, okTotal: 0 }));
      const worker = async (i) => {
        for (;;) {
          const r = await clients[i].request('GET', '/ServiceProviderConfig');
          const at = performance.now();
          if (at >= until) return;
          const c = counts[i];
          if (r.status === 200) c.okTotal++;
          if (at < from) continue;
          if (r.status === 200) c.ok++;
          else if (r.status === 429) c.throttled++;
          else c.other++;
        }
      };
      await Promise.all(nodes.flatMap((_, i) => Array.from({ length: CONC }, () => worker(i))));
      const cpu = nodes.map((n, i) => (readProc(n.pid)?.cpuS ?? 0) - cpu0[i]);
      clients.forEach((c) => c.close());
      const ok = counts.reduce((s, c) => s + c.ok, 0), throttled = counts.reduce((s, c) => s + c.throttled, 0), other = counts.reduce((s, c) => s + c.other, 0);
      const okTotal = counts.reduce((s, c) => s + c.okTotal, 0);
      const requests = counts.reduce((s, c) => s + c.ok + c.throttled + c.other, 0);
      return {
        mode, admittedPerSecond: round(ok / SECONDS), perNode: counts.map((c) => round(c.ok / SECONDS)),
        offeredPerSecond: round(requests / SECONDS), throttledPerSecond: round(throttled / SECONDS), other,
        admittedIncludingWarmup: okTotal, bucketBound: BURST + RATE * (WARMUP + SECONDS),
        cpuMsPerRequest: round((cpu.reduce((s, x) => s + x, 0) * 1000) / Math.max(1, requests), 3),
      };
    } finally {
      for (const n of nodes) await n.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

const results = [await run('auto')];
if (values.compare) results.push(await run('off'));
log(`two nodes on PostgreSQL, one token limited to ${RATE}/s (burst ${BURST}), ${CONC} requests in flight per node; measured ${SECONDS} s after a ${WARMUP} s warm-up\n`);
log('| counting | admitted/s in total | per node | offered/s | 429/s | admitted incl. warm-up (token-bucket bound) | server CPU ms per request |');
log('|---|---|---|---|---|---|---|');
for (const r of results) {
  log(`| ${r.mode === 'auto' ? 'shared (PostgreSQL default)' : 'per node (MUSTER_SHARED_LIMITS=off)'} | **${r.admittedPerSecond}** | ${r.perNode.join(' + ')} | ${r.offeredPerSecond} | ${r.throttledPerSecond} | ${r.admittedIncludingWarmup} (${r.bucketBound}) | ${r.cpuMsPerRequest} |`);
  if (r.other) log(`(${r.other} answers were neither 200 nor 429)`);
}
