#!/usr/bin/env node
// Writes with one and two Muster nodes on one PostgreSQL database (issue 16: two nodes should
// serve at least 1.6x the writes of one, on different lists and on one list). Two `muster serve`
// processes share a fresh database with two lists of --people each; SCIM PATCHes (a new title for
// a random person) are driven at --concurrency requests in flight in all, for --seconds after a
// --warmup, in four layouts: one node on one list, one node on both lists, two nodes on a list each,
// two nodes on one list. Reports writes per second, the server CPU per write (both nodes, from
// /proc), PostgreSQL's CPU per write (every `postgres` process, from /proc), and what the
// database's sessions were waiting for (pg_stat_activity sampled every 50 ms: the share of samples
// of active sessions in each wait event, with the statement of the longest lock waits).
//
//   npx tsc -p tsconfig.json && node bench/nodes.mjs --pg postgres://postgres@127.0.0.1:55432/postgres [--people 2000] [--seconds 15] [--warmup 3] [--concurrency 16]
//
// --pg is an admin connection: a fresh database is created and dropped.
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
    people: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '15' }, warmup: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
  },
});
const PEOPLE = Number(values.people), SECONDS = Number(values.seconds), WARMUP = Number(values.warmup), CONC = Number(values.concurrency);
const log = (s) => process.stdout.write(s + '\n');
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** CPU seconds of every process named `postgres` on this machine (the cluster's backends and workers). */
function postgresCpuS() {
  let s = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'postgres') continue;
      s += readProc(Number(d))?.cpuS ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return s;
}

const node = (env) => startNode(BIN, env);

const person = (list, i) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `${list}${i}@bench.example`, active: true,
  name: { givenName: 'Bench', familyName: `Person ${i}` }, emails: [{ value: `${list}${i}@bench.example`, type: 'work', primary: true }],
});

async function load(client, list) {
  const ids = [];
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < PEOPLE) {
      const i = next++;
      const r = await client.request('POST', '/Users', person(list, i));
      if (r.status !== 201) throw new Error(`loading ${list}: ${r.status} ${r.text.slice(0, 200)}`);
      ids.push(JSON.parse(r.text).id);
    }
  }));
  return ids;
}

/** Samples pg_stat_activity of one database until stopped: counts of (wait event) over active sessions, and lock waits by statement. */
function sampler(adminUrl, dbName) {
  const waits = new Map(), lockQueries = new Map();
  let samples = 0, stopped = false;
  const c = new pg.Client({ connectionString: adminUrl });
  const done = (async () => {
    await c.connect();
    while (!stopped) {
      const { rows } = await c.query(`SELECT wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q
        FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`, [dbName]);
      samples++;
      for (const r of rows) {
        const k = r.wait_event_type ? `${r.wait_event_type}:${r.wait_event}` : 'on CPU (no wait)';
        waits.set(k, (waits.get(k) ?? 0) + 1);
        if (r.wait_event_type === 'Lock') lockQueries.set(r.q, (lockQueries.get(r.q) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await c.end();
  })();
  return { async stop() { stopped = true; await done; return { samples, waits, lockQueries }; } };
}

async function drive(targets, adminUrl, dbName) {
  // targets: [{ client, ids }], CONC requests in flight in all, shared out evenly.
  const per = targets.map((_, i) => Math.floor(CONC / targets.length) + (i < CONC % targets.length ? 1 : 0));
  const t0 = performance.now(), from = t0 + WARMUP * 1000, until = from + SECONDS * 1000;
  let ok = 0, failed = 0;
  let cpu0 = null, pg0 = 0, s = null;
  const pids = [...new Set(targets.map((t) => t.pid))];
  const starter = setTimeout(() => {
    cpu0 = pids.map((p) => readProc(p)?.cpuS ?? 0);
    pg0 = postgresCpuS();
    s = sampler(adminUrl, dbName);
  }, WARMUP * 1000);
  let seq = 0;
  await Promise.all(targets.flatMap((t, ti) => Array.from({ length: per[ti] }, async () => {
    while (performance.now() < until) {
      const id = t.ids[(seq++ * 7919) % t.ids.length];
      const r = await t.client.request('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `Title ${seq}` }] });
      const at = performance.now();
      if (at < from || at >= until) continue;
      if (r.status === 200) ok++;
      else failed++;
    }
  })));
  clearTimeout(starter);
  const cpu = pids.reduce((sum, p, i) => sum + (readProc(p)?.cpuS ?? 0) - cpu0[i], 0);
  const pgCpu = postgresCpuS() - pg0;
  const w = await s.stop();
  return { writesPerS: ok / SECONDS, failed, serverMsPerWrite: (cpu * 1000) / Math.max(1, ok), pgMsPerWrite: (pgCpu * 1000) / Math.max(1, ok), ...w };
}

const name = `muster_bench_${randomBytes(5).toString('hex')}`;
const admin = new pg.Client({ connectionString: values.pg });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
await admin.end();
const u = new URL(values.pg);
u.pathname = `/${name}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-nodes-bench-'));
const env = { ...process.env, MUSTER_DATABASE_URL: u.toString(), MUSTER_DATA_DIR: dataDir, MUSTER_DEMO: 'false', MUSTER_LOG_LEVEL: 'error', HOST: '127.0.0.1', MUSTER_RATE_LIMIT: '0' };
const nodes = [];
try {
  const lists = ['a', 'b'].map((n) => JSON.parse(execFileSync(process.execPath, [BIN, 'lists', 'create', '--name', `list ${n}`, '--uid', 'userName', '--org', 'Bench', '--json'], { env, encoding: 'utf8' })));
  nodes.push(await node(env), await node(env));
  const client = (n, l) => ({ client: new Client(l.scimBaseUrl.replace(/:\d+\//, `:${n.port}/`), l.token, CONC), pid: n.pid });
  const ids = [];
  for (const [i, l] of lists.entries()) ids.push(await load(client(nodes[0], l).client, i ? 'b' : 'a'));
  log(`one and two Muster nodes on one PostgreSQL database: ${PEOPLE} people in each of two lists, SCIM PATCH of a title, ${CONC} requests in flight in all, ${SECONDS} s measured after ${WARMUP} s; ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  const layouts = [
    ['one node, one list', [{ ...client(nodes[0], lists[0]), ids: ids[0] }]],
    ['two nodes, one list', [{ ...client(nodes[0], lists[0]), ids: ids[0] }, { ...client(nodes[1], lists[0]), ids: ids[0] }]],
    ['one node, two lists', [{ ...client(nodes[0], lists[0]), ids: ids[0] }, { ...client(nodes[0], lists[1]), ids: ids[1] }]],
    ['two nodes, a list each', [{ ...client(nodes[0], lists[0]), ids: ids[0] }, { ...client(nodes[1], lists[1]), ids: ids[1] }]],
  ];
  const results = [];
  for (const [label, targets] of layouts) {
    const r = await drive(targets, values.pg, name);
    targets.forEach((t) => t.client.close());
    results.push([label, r]);
    log(`${label}: ${round(r.writesPerS)} writes/s (${r.failed} failed), server ${round(r.serverMsPerWrite, 2)} ms CPU/write, PostgreSQL ${round(r.pgMsPerWrite, 2)} ms CPU/write`);
  }
  log('\n| layout | writes/s | × one node (same lists) | server CPU ms/write | PostgreSQL CPU ms/write | sessions active (mean) | top waits (share of active-session samples) |');
  log('|---|---:|---:|---:|---:|---:|---|');
  for (const [i, [label, r]] of results.entries()) {
    const base = results[i % 2 === 1 ? i - 1 : i][1].writesPerS;
    const active = [...r.waits.values()].reduce((a, b) => a + b, 0);
    const top = [...r.waits].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${Math.round((100 * v) / Math.max(1, active))} %`).join(', ');
    log(`| ${label} | ${round(r.writesPerS)} | ${i % 2 === 1 ? `${round(r.writesPerS / base, 2)}×` : '–'} | ${round(r.serverMsPerWrite, 2)} | ${round(r.pgMsPerWrite, 2)} | ${round(active / Math.max(1, r.samples), 1)} | ${top} |`);
  }
  log('\nStatements waiting on a lock (samples):');
  for (const [label, r] of results) {
    const top = [...r.lockQueries].sort((a, b) => b[1] - a[1]).slice(0, 3);
    if (top.length) log(`- ${label}: ${top.map(([q, n]) => `${n} × \`${q}\``).join('; ')}`);
  }
} finally {
  for (const n of nodes) await n.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: values.pg });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}
