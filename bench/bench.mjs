#!/usr/bin/env node
// Muster's load benchmark. For each size it starts a fresh Muster (its own database, its own
// port on 127.0.0.1), creates a list, drives an identity-provider-shaped workload against it and
// records throughput, latency per phase and the server's RSS and CPU. See bench/README.md.
//
//   npm run build && node bench/bench.mjs --sizes 1000,10000,100000 --markdown
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, RssSampler, freePort, readProc, rng, runPhase } from './lib.mjs';
import { PHASES } from './phases.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const ALL_PHASES = Object.keys(PHASES);
const LOADERS = ['sync', 'bulk-load'];
/** The default run: the chosen way to load (--load), then every phase that is not a loader. */
const defaultPhases = (load) => [load === 'bulk' ? 'bulk-load' : 'sync', ...ALL_PHASES.filter((p) => !LOADERS.includes(p))];

const USAGE = `node bench/bench.mjs [options]
  --sizes 1000,10000,100000   list sizes (users); each size gets a fresh server and database
  --concurrency 16            requests in flight (the probe and group-delta phases use 1)
  --load sync|bulk            how the list is filled: filter + POST per user (sync), or POST /Bulk (bulk-load)
  --phases ${defaultPhases('sync').join(',')}
                              (or with bulk-load first: --load bulk); phases: ${ALL_PHASES.join(', ')}
  --bulk-size 500             creates per Bulk request in bulk-load (MUSTER_BULK_MAX_OPERATIONS allows 1,000; 1 MB bodies)
  --bulk-concurrency 2        Bulk requests in flight in bulk-load
  --cpu-prof DIR              run the server with --cpu-prof into DIR and record each phase's time window
                              there, for bench/profile.mjs (keep DIR out of the repository)
  --statements DIR            SQLite: time every SQLite statement the server runs, by statement text, and
                              count the WAL pages each commit writes (bench/sqlite-statements.mjs); each
                              phase's top statements are printed and written to DIR
  --lookups 2000              users looked up in the lookup phase (4 requests each)
  --probes 200                users looked up one at a time in the probe phase
  --patches 2000              users PATCHed in the patch phase
  --group-deltas 200          single-member PATCHes on each group in group-delta
  --group-concurrency 1       concurrent 100-member PATCHes in group-fill
  --max-phase-s 900           stop a phase after this long (it is then marked truncated)
  --db DIR|postgres://...     where the SQLite files go (default: a temp dir), or a PostgreSQL URL
  --seed 1                    random seed (which users are sampled)
  --out FILE.json             every figure as JSON
  --markdown [FILE]           write the report (default bench/RESULTS.md)
  --keep                      keep the SQLite files
  --server-node-options=…     NODE_OPTIONS for the server only, e.g. --server-node-options=--max-old-space-size=192
                              (docs/operations.md, "Memory"); the driver keeps its own`;

function options() {
  const { values, positionals } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,10000,100000' }, concurrency: { type: 'string', default: '16' },
      phases: { type: 'string' }, load: { type: 'string', default: 'sync' }, 'bulk-size': { type: 'string', default: '500' },
      'bulk-concurrency': { type: 'string', default: '2' }, 'cpu-prof': { type: 'string' }, statements: { type: 'string' }, lookups: { type: 'string', default: '2000' },
      probes: { type: 'string', default: '200' }, patches: { type: 'string', default: '2000' },
      'group-deltas': { type: 'string', default: '200' }, 'group-concurrency': { type: 'string', default: '1' },
      'max-phase-s': { type: 'string', default: '900' }, db: { type: 'string' }, seed: { type: 'string', default: '1' },
      out: { type: 'string' }, markdown: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false },
      'server-node-options': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (k) => {
    const n = Number(values[k]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} must be a positive integer, got ${values[k]}`);
    return n;
  };
  if (values.load !== 'sync' && values.load !== 'bulk') throw new Error(`--load is sync or bulk, got ${values.load}`);
  const phases = (values.phases ?? defaultPhases(values.load).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = phases.filter((p) => !ALL_PHASES.includes(p));
  if (unknown.length) throw new Error(`unknown phase(s) ${unknown.join(', ')}; choose from ${ALL_PHASES.join(', ')}`);
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes takes positive integers, got ${values.sizes}`);
  return {
    sizes, phases, concurrency: int('concurrency'), lookups: int('lookups'), probes: int('probes'), patches: int('patches'),
    groupDeltas: int('group-deltas'), groupConcurrency: int('group-concurrency'), maxPhaseS: int('max-phase-s'), seed: int('seed'),
    db: values.db, out: values.out, keep: values.keep, bulkSize: int('bulk-size'), bulkConcurrency: int('bulk-concurrency'),
    cpuProf: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null, serverNodeOptions: values['server-node-options'],
    statements: values.statements ? path.resolve(values.statements) : null,
    markdown: values.markdown ? path.resolve(positionals.find((a) => a.endsWith('.md')) ?? path.join(HERE, 'RESULTS.md')) : null,
  };
}

// ---------------------------------------------------------------- the server under test

/** A fresh database, a list in it, and `muster serve` on a free port. */
async function startServer(opt, n) {
  const port = await freePort();
  const postgres = opt.db?.startsWith('postgres');
  const dir = postgres ? null : fs.mkdtempSync(path.join(opt.db ?? os.tmpdir(), `muster-bench-${n}-`));
  const databaseUrl = postgres ? opt.db : path.join(dir, 'muster.sqlite');
  // MUSTER_RATE_LIMIT=0: the per-token throttle (100 req/s by default) would measure the throttle, not the server.
  const env = { ...process.env, MUSTER_DATABASE_URL: databaseUrl, MUSTER_DEMO: 'false', MUSTER_LOG_LEVEL: 'error', MUSTER_RATE_LIMIT: '0', PORT: String(port), HOST: '127.0.0.1' };
  delete env.MUSTER_PUBLIC_URL;
  if (opt.serverNodeOptions !== undefined) env.NODE_OPTIONS = opt.serverNodeOptions;
  const statements = opt.statements && !postgres ? path.join(opt.statements, `statements-${opt.engineTag}-${n}`) : null;
  if (opt.statements && postgres) console.log('--statements times SQLite\'s statements only: not on PostgreSQL (pg_stat_statements does it there)');
  if (statements) {
    fs.mkdirSync(opt.statements, { recursive: true });
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --import ${JSON.stringify(pathToFileURL(path.join(HERE, 'sqlite-statements.mjs')).href)}`.trim();
    env.MUSTER_BENCH_STATEMENTS = statements;
  }
  const bin = path.join(ROOT, 'bin', 'muster.js');
  const created = JSON.parse(execFileSync(process.execPath, [bin, 'lists', 'create', '--name', `bench-${n}-${Date.now()}`, '--uid', 'userName', '--json'], { env, cwd: ROOT, encoding: 'utf8' }));
  const prof = opt.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', opt.cpuProf, '--cpu-prof-name', `muster-${opt.engineTag}-${n}.cpuprofile`] : [];
  if (opt.cpuProf) fs.mkdirSync(opt.cpuProf, { recursive: true });
  const child = spawn(process.execPath, [...prof, bin, 'serve', '--port', String(port), '--host', '127.0.0.1'], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = { errorLines: 0, tail: [] };
  const onLine = (line) => {
    if (!line.trim()) return;
    if (/"level":"error"|error/i.test(line)) log.errorLines++;
    log.tail.push(line.slice(0, 500));
    if (log.tail.length > 20) log.tail.shift();
  };
  child.stdout.setEncoding('utf8').on('data', (d) => d.split('\n').forEach((l) => !l.startsWith('Muster is listening') && !l.startsWith('SCIM base URL') && !l.startsWith('Bearer token') && onLine(l)));
  child.stderr.setEncoding('utf8').on('data', (d) => d.split('\n').forEach(onLine));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`muster serve exited (${child.exitCode}): ${log.tail.join('\n')}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`muster serve did not answer /healthz on port ${port} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, pid: child.pid, port, dir, databaseUrl, engine: postgres ? 'postgres' : 'sqlite', baseUrl: created.scimBaseUrl, token: created.token, log, exited, statements, statementsTaken: 0 };
}

async function stopServer(srv, keep) {
  if (srv.child.exitCode === null) {
    srv.child.kill('SIGTERM');
    const t = setTimeout(() => srv.child.kill('SIGKILL'), 10_000);
    await srv.exited;
    clearTimeout(t);
  }
  if (srv.dir && !keep) fs.rmSync(srv.dir, { recursive: true, force: true });
}

async function dbSizeMB(srv) {
  if (!srv.dir) {
    // PostgreSQL: the whole database (every size of a run shares it, so later sizes include earlier lists).
    try {
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: srv.databaseUrl });
      await c.connect();
      const r = await c.query('SELECT pg_database_size(current_database()) AS b');
      await c.end();
      return Math.round((Number(r.rows[0].b) / 1048576) * 10) / 10;
    } catch {
      return null;
    }
  }
  const bytes = fs.readdirSync(srv.dir).reduce((s, f) => s + fs.statSync(path.join(srv.dir, f)).size, 0);
  return Math.round((bytes / 1048576) * 10) / 10;
}

/**
 * What the server's statement preload (bench/sqlite-statements.mjs) kept since the last call: it
 * is told with SIGUSR2 and writes a file. Undefined when the run does not time statements, or when
 * no file came within 10 s.
 */
async function takeStatements(srv) {
  if (!srv.statements || srv.child.exitCode !== null) return undefined;
  const file = `${srv.statements}-${++srv.statementsTaken}.json`;
  srv.child.kill('SIGUSR2');
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      // not written yet (or half written)
    }
  }
  console.log(`      (no statement timings from the server: ${file} did not appear)`);
  return undefined;
}

/** The statements' cost per request of a phase: the 8 that took longest, and the WAL pages its commits wrote. */
function statementsPerRequest(taken, requests) {
  const per = (x) => Math.round((x / Math.max(1, requests)) * 10) / 10;
  const all = taken.statements.reduce((sum, st) => sum + st.us, 0);
  return {
    usPerRequest: per(all),
    top: taken.statements.slice(0, 8).map((st) => ({ sql: st.sql.slice(0, 120), callsPerRequest: per(st.calls), usPerCall: Math.round((st.us / st.calls) * 10) / 10, usPerRequest: per(st.us) })),
    wal: { ...taken.wal, framesPerRequest: per(taken.wal.frames), framesPerCommit: taken.wal.commits ? Math.round((taken.wal.frames / taken.wal.commits) * 10) / 10 : null },
  };
}

// ---------------------------------------------------------------- output

const fmt = (x) => (x === null || x === undefined ? '-' : String(x));

function printPhase(n, r) {
  const l = r.latencyMs;
  const flags = `${r.errorCount ? `  ERRORS ${JSON.stringify(r.errors)}` : ''}${r.truncated ? '  TRUNCATED' : ''}`;
  const srv = r.server ? `  server cpu=${r.server.cpuS}s rss=${r.server.rssPeakMB}MB` : '';
  console.log(`[${n}] ${r.phase.padEnd(12)} req=${String(r.requests).padStart(7)} ${String(r.reqPerS).padStart(8)} req/s  p50=${fmt(l.p50)}ms p99=${fmt(l.p99)}ms  wall=${r.wallS}s${srv}${flags}`);
  const ops = Object.entries(r.ops);
  if (ops.length > 1) for (const [k, o] of ops) console.log(`      ${k.padEnd(40)} n=${String(o.count).padStart(6)}  p50=${fmt(o.p50)}ms p99=${fmt(o.p99)}ms${o.errors ? `  errors=${o.errors}` : ''}`);
  for (const s of r.errorSamples) console.log(`      e.g. ${s}`);
  if (r.extra && Object.keys(r.extra).length) console.log(`      ${JSON.stringify(r.extra)}`);
  if (r.statements) {
    const st = r.statements;
    console.log(`      SQLite statements: ${st.usPerRequest} µs a request; WAL: ${st.wal.framesPerRequest} pages a request, ${fmt(st.wal.framesPerCommit)} a commit (${st.wal.commits} commits, ${st.wal.restarted} restarting the log, ${Math.round(st.wal.restartedUs / 1000)} ms in those; ${st.wal.slow} over 5 ms, ${Math.round(st.wal.slowUs / 1000)} ms in those)`);
    if (st.wal.longest.length) console.log(`        longest commits: ${st.wal.longest.map((c) => `${c.us} µs (log ${fmt(c.before)} -> ${fmt(c.after)} pages)`).join(', ')}`);
    for (const t of st.top) console.log(`        ${String(t.usPerRequest).padStart(8)} µs/req ${String(t.callsPerRequest).padStart(6)} calls/req ${String(t.usPerCall).padStart(8)} µs/call  ${t.sql}`);
  }
}

function machine() {
  const cpus = os.cpus();
  let commit = null;
  try {
    const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    commit = git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'src') ? ' with uncommitted changes in src/' : '');
  } catch {
    // not a git checkout
  }
  return {
    nproc: os.availableParallelism(), cpuModel: cpus[0]?.model ?? null, memGB: Math.round(os.totalmem() / 1073741824),
    kernel: `${os.type()} ${os.release()}`, node: process.version, loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100), commit,
  };
}

// ---------------------------------------------------------------- main

async function runSize(opt, n) {
  console.log(`\n== ${n} users ==`);
  const srv = await startServer(opt, n);
  const sampler = new RssSampler(srv.pid);
  const start = readProc(srv.pid);
  const client = new Client(srv.baseUrl, srv.token, opt.concurrency);
  const ctx = {
    n, opt, client, ids: new Array(n).fill(null), expected: new Map(), rand: rng(opt.seed), groupId: null,
    run: (name, items, concurrency, fn) => runPhase({ name, items, concurrency, maxS: opt.maxPhaseS, server: sampler, log: console.log }, fn),
  };
  const phases = [];
  const windows = [];
  const t0 = performance.now();
  await takeStatements(srv); // what starting the server ran is no phase's
  try {
    for (const name of opt.phases) {
      if (srv.child.exitCode !== null) {
        phases.push({ phase: name, skipped: `the server exited (${srv.child.exitCode})` });
        continue;
      }
      try {
        // CLOCK_MONOTONIC in µs: the clock V8's profiler stamps samples with, so bench/profile.mjs can cut the profile by phase.
        const from = Number(process.hrtime.bigint() / 1000n);
        const r = await PHASES[name](ctx);
        windows.push({ phase: name, fromUs: from, toUs: Number(process.hrtime.bigint() / 1000n), requests: r.requests, cpuS: r.server?.cpuS ?? null });
        const statements = await takeStatements(srv);
        if (statements) r.statements = statementsPerRequest(statements, r.requests);
        phases.push(r);
        printPhase(n, r);
      } catch (err) {
        console.log(`[${n}] ${name}: FAILED ${err.message}`);
        phases.push({ phase: name, failed: err.message });
      }
    }
  } finally {
    client.close();
  }
  const end = readProc(srv.pid);
  sampler.stop();
  const server = {
    engine: srv.engine, rssStartMB: start?.rssMB ?? null, rssPeakMB: Math.max(sampler.overallPeak, end?.rssMB ?? 0), rssHwmMB: end?.hwmMB ?? null,
    rssEndMB: end?.rssMB ?? null, cpuS: end && start ? Math.round((end.cpuS - start.cpuS) * 100) / 100 : null, dbMB: await dbSizeMB(srv),
    exitedEarly: srv.child.exitCode !== null, errorLogLines: srv.log.errorLines, logTail: srv.log.tail.slice(-5),
  };
  await stopServer(srv, opt.keep);
  if (opt.cpuProf) fs.writeFileSync(path.join(opt.cpuProf, `phases-${opt.engineTag}-${n}.json`), JSON.stringify({ n, engine: srv.engine, profile: `muster-${opt.engineTag}-${n}.cpuprofile`, windows }, null, 2) + '\n');
  console.log(`[${n}] server: peak RSS ${server.rssPeakMB} MB (VmHWM ${server.rssHwmMB} MB), CPU ${server.cpuS} s, database ${fmt(server.dbMB)} MB, error log lines ${server.errorLogLines}, total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (server.errorLogLines) for (const l of server.logTail) console.log(`      server log: ${l.slice(0, 300)}`);
  return { n, server, phases, wallS: Math.round((performance.now() - t0) / 1000) };
}

async function main() {
  const opt = options();
  opt.engineTag = opt.db?.startsWith('postgres') ? 'postgres' : 'sqlite';
  const meta = {
    command: `node bench/bench.mjs ${process.argv.slice(2).join(' ')}`.trim(), startedAt: new Date().toISOString(), machine: machine(),
    concurrency: opt.concurrency, phases: opt.phases, lookups: opt.lookups, probes: opt.probes, patches: opt.patches, groupDeltas: opt.groupDeltas,
    groupConcurrency: opt.groupConcurrency, maxPhaseS: opt.maxPhaseS, seed: opt.seed, engine: opt.db?.startsWith('postgres') ? 'postgres' : 'sqlite',
  };
  console.log(`Muster load benchmark: sizes ${opt.sizes.join(', ')}, concurrency ${opt.concurrency}, ${meta.machine.nproc} CPUs, Node ${process.version}, ${meta.engine}`);
  const sizes = [];
  const save = () => {
    const res = { meta: { ...meta, finishedAt: new Date().toISOString() }, sizes };
    if (opt.out) {
      fs.mkdirSync(path.dirname(path.resolve(opt.out)), { recursive: true });
      fs.writeFileSync(opt.out, JSON.stringify(res, null, 2) + '\n');
    }
    return res;
  };
  for (const n of opt.sizes) {
    sizes.push(await runSize(opt, n));
    save(); // a long run keeps what it has measured so far
  }
  const res = save();
  if (opt.out) console.log(`wrote ${opt.out}`);
  if (opt.markdown) {
    const { renderMarkdown } = await import('./report.mjs');
    const prior = fs.existsSync(opt.markdown) ? fs.readFileSync(opt.markdown, 'utf8') : '';
    fs.writeFileSync(opt.markdown, renderMarkdown(res, prior));
    console.log(`wrote ${path.relative(process.cwd(), opt.markdown)}`);
  }
}

main().catch((err) => {
  console.error(`bench: ${err.stack ?? err.message}`);
  process.exit(1);
});
