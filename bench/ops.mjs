#!/usr/bin/env node
// Operations benchmarks (issue 17): what /metrics costs provisioning, and how long `muster backup`
// takes on a large SQLite installation while it serves. Writes its own section of RESULTS.md.
//
//   npm run build && node bench/ops.mjs metrics [--users 3000] [--rounds 3] [--scrape-ms 1000] [--baseline DIR] [--markdown]
//   npm run build && node bench/ops.mjs backup [--people 100000] [--markdown]
//   npm run build && node bench/ops.mjs metrics-micro
//
// metrics: each round starts fresh servers (SQLite, its own database) one after the other, in turn:
// `baseline` (another build, e.g. a checkout from before metrics existed, given with --baseline),
// `metrics, not scraped` and `metrics, scraped every --scrape-ms` (MUSTER_METRICS_TOKEN, a
// client fetching /metrics all through the phase), and runs the `sync` phase of bench.mjs (a
// filter then a POST per user, 16 in flight). Throughput is compared by the median over rounds.
//
// backup: fills a list with --people users through the SCIM service in process (as SCIM POSTs do), then,
// while 4 clients keep creating users, runs `muster backup --to …` as its own process and times
// it, then `muster restore` into an empty directory (which migrates and verifies every audit chain).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, freePort, readProc, rng, runPhase } from './lib.mjs';
import { PHASES, makeUser } from './phases.mjs';

const execFileP = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    users: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '3' }, 'scrape-ms': { type: 'string', default: '1000' },
    baseline: { type: 'string' }, people: { type: 'string', default: '100000' }, markdown: { type: 'boolean', default: false },
  },
});
const mode = positionals[0];
const log = (s) => process.stdout.write(s + '\n');
const TOKEN = 'bench-metrics-token-0123456789abcdef';

const benchEnv = (dir, extraEnv = {}) => ({ ...process.env, MUSTER_DATABASE_URL: path.join(dir, 'muster.sqlite'), MUSTER_DEMO: 'false', MUSTER_LOG_LEVEL: 'error', MUSTER_RATE_LIMIT: '0', HOST: '127.0.0.1', ...extraEnv });

/** `prepared`: a database already filled (its directory and its list's base URL and token). */
async function startServer(root, extraEnv = {}, prepared = undefined) {
  const port = await freePort();
  const dir = prepared?.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'muster-ops-bench-'));
  const env = benchEnv(dir, extraEnv);
  const bin = path.join(root, 'bin', 'muster.js');
  const created = prepared?.created ?? JSON.parse(execFileSync(process.execPath, [bin, 'lists', 'create', '--name', 'bench', '--uid', 'userName', '--json'], { env, encoding: 'utf8' }));
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not yet
    }
    if (i > 300) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid, port, dir, env, baseUrl: created.scimBaseUrl.replace(/:\d+\//, `:${port}/`), token: created.token,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function syncPhase(srv, n) {
  const client = new Client(srv.baseUrl, srv.token, 16);
  const ctx = { n, opt: { concurrency: 16 }, client, ids: new Array(n).fill(null), expected: new Map(), rand: rng(1), groupId: null,
    run: (name, items, concurrency, fn) => runPhase({ name, items, concurrency, maxS: 900 }, fn) };
  try {
    return await PHASES.sync(ctx);
  } finally {
    client.close();
  }
}

async function metricsBench() {
  const n = Number(values.users), rounds = Number(values.rounds), scrapeMs = Number(values['scrape-ms']);
  const variants = [
    ...(values.baseline ? [{ name: 'baseline (before metrics)', root: path.resolve(values.baseline), env: {}, scrape: false }] : []),
    { name: 'metrics, not scraped', root: ROOT, env: {}, scrape: false },
    { name: `metrics, scraped every ${scrapeMs} ms`, root: ROOT, env: { MUSTER_METRICS_TOKEN: TOKEN }, scrape: true },
  ];
  const results = new Map(variants.map((v) => [v.name, { rps: [], cpuMs: [], scrapes: 0, scrapeMs: [], bytes: 0, errors: 0 }]));
  for (let r = 1; r <= rounds; r++) {
    for (const v of variants) {
      const srv = await startServer(v.root, v.env);
      const res = results.get(v.name);
      let scraping = v.scrape;
      const scraper = (async () => {
        while (scraping) {
          const t0 = performance.now();
          const m = await fetch(`http://127.0.0.1:${srv.port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
          const text = await m.text();
          if (m.status !== 200) throw new Error(`/metrics answered ${m.status}`);
          res.scrapes++;
          res.scrapeMs.push(performance.now() - t0);
          res.bytes = text.length;
          await new Promise((x) => setTimeout(x, scrapeMs));
        }
      })();
      try {
        // The server's CPU time per request (utime + stime from /proc): what metrics cost, whatever
        // else the machine runs; throughput depends on that too much on a shared machine.
        const cpu0 = readProc(srv.pid)?.cpuS ?? 0;
        const p = await syncPhase(srv, n);
        const cpuMs = (((readProc(srv.pid)?.cpuS ?? 0) - cpu0) * 1000) / p.requests;
        res.rps.push(p.reqPerS);
        res.cpuMs.push(round(cpuMs, 3));
        res.errors += p.errorCount;
        log(`round ${r}  ${v.name.padEnd(34)} ${p.reqPerS} req/s, ${round(cpuMs, 3)} ms server CPU per request (${p.requests} requests, ${p.wallS} s, errors ${p.errorCount})`);
      } finally {
        scraping = false;
        await scraper;
        await srv.stop();
      }
    }
  }
  const refName = values.baseline ? 'baseline (before metrics)' : 'metrics, not scraped';
  const baseCpu = median(results.get(refName).cpuMs), baseRps = median(results.get(refName).rps);
  const rows = variants.map((v) => {
    const res = results.get(v.name);
    const cpu = median(res.cpuMs), rps = median(res.rps);
    return `| ${v.name} | ${res.cpuMs.join(', ')} | ${cpu} | ${round(((cpu - baseCpu) / baseCpu) * 100)}% | ${res.rps.join(', ')} | ${round(((rps - baseRps) / baseRps) * 100)}% | ${res.scrapes ? `${res.scrapes} scrapes, median ${round(median(res.scrapeMs))} ms, ${Math.round(res.bytes / 1024)} KiB` : '-'} | ${res.errors} |`;
  });
  const section = [
    '### Metrics cost on provisioning throughput',
    '',
    `\`node bench/ops.mjs metrics --users ${n} --rounds ${rounds} --scrape-ms ${scrapeMs}${values.baseline ? ' --baseline …' : ''}\` (${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} CPUs, Node ${process.version}, SQLite): the \`sync\` phase (a filter and a POST per user, 16 in flight), fresh server and database per run, variants taken in turn each round. The server's CPU time per request (from /proc) is the measure of cost: on a machine shared with other work, throughput moves with the machine's load more than with what is measured.`,
    '',
    `| variant | server CPU ms per request, per round | median | vs ${values.baseline ? 'baseline' : 'not scraped'} | req/s per round | median req/s vs ${values.baseline ? 'baseline' : 'not scraped'} | /metrics | errors |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  log('\n' + section);
  if (values.markdown) writeSection('ops-metrics', section);
}

/** Replaces (or adds) the section between `<!-- name:start -->` and `<!-- name:end -->` under "Other benchmarks", which report.mjs keeps. */
function writeSection(name, section) {
  const file = path.join(ROOT, 'bench', 'RESULTS.md');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const block = `<!-- ${name}:start -->\n${section.trimEnd()}\n<!-- ${name}:end -->`;
  const re = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
  if (re.test(text)) text = text.replace(re, () => block);
  else if (text.includes('\n## Other benchmarks\n')) text = text.replace(/\n*$/, '\n\n') + block + '\n';
  else text = text.replace(/\n*$/, '\n\n') + '## Other benchmarks\n\n' + block + '\n';
  fs.writeFileSync(file, text);
  log(`wrote ${path.relative(process.cwd(), file)}`);
}

async function backupBench() {
  const people = Number(values.people);
  // Filled in this process through the SCIM service (a transaction and an audit event per person, as
  // over HTTP, without the HTTP and JSON work, which on a shared machine would take most of an hour).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-ops-bench-'));
  const t0 = performance.now();
  const { loadConfig } = await import(path.join(ROOT, 'dist', 'config.js'));
  const { buildMuster } = await import(path.join(ROOT, 'dist', 'main.js'));
  const { Normalisations } = await import(path.join(ROOT, 'dist', 'scim', 'dialect.js'));
  const m = await buildMuster(loadConfig(benchEnv(dir)), undefined, false);
  const made = await m.lists.createList({ name: 'bench', uid: 'userName', org: 'Bench', tokenLabel: 'Okta bench' });
  const ctxFor = (i) => ({ list: made.list, baseUrl: 'http://127.0.0.1/scim/v2/lists/' + made.list.id, notes: new Normalisations(),
    caller: { requestId: `seed-${i}`, tokenId: made.token.token.id, tokenLabel: 'Okta bench', tokenIdp: null, userAgent: 'bench' } });
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (;;) {
      const i = next++;
      if (i >= people) return;
      await m.scim.create(ctxFor(i), 'User', makeUser(i));
      if (i % 10000 === 0) log(`  filled ${i} / ${people} (${round((performance.now() - t0) / 1000)} s)`);
    }
  }));
  await m.close();
  const fillS = (performance.now() - t0) / 1000;
  const srv = await startServer(ROOT, {}, { dir, created: { scimBaseUrl: `http://127.0.0.1:8080/scim/v2/lists/${made.list.id}`, token: made.token.secret } });
  const client = new Client(srv.baseUrl, srv.token, 4);
  try {
    const dbBytes = fs.readdirSync(srv.dir).reduce((s, f) => s + fs.statSync(path.join(srv.dir, f)).size, 0);
    log(`filled ${people} people in ${round(fillS)} s; database files ${round(dbBytes / 1048576)} MB`);

    // Writes go on while the backup runs: how many, and whether any failed.
    let writing = true, written = 0, failed = 0, k = people;
    const writer = async () => {
      while (writing) {
        const r = await client.request('POST', '/Users', makeUser(k++));
        if (r.status === 201) written++;
        else failed++;
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    await new Promise((r) => setTimeout(r, 2000));
    const before = written;
    const out = path.join(srv.dir, 'backup.tar');
    const tb = performance.now();
    // Not execFileSync: this process's writers must keep going while the backup runs.
    const result = JSON.parse((await execFileP(process.execPath, [path.join(ROOT, 'bin', 'muster.js'), 'backup', '--to', out, '--json'], { env: srv.env, encoding: 'utf8' })).stdout);
    const backupS = (performance.now() - tb) / 1000;
    const duringBackup = written - before;
    writing = false;
    await Promise.all(writers);
    log(`writes acknowledged in the 2 s before the backup: ${before}`);
    log(`backup: ${round(backupS, 2)} s, ${round(result.bytes / 1048576)} MB archive, ${duringBackup} writes acknowledged during it (${failed} failed)`);

    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-ops-restore-'));
    const tr = performance.now();
    const restored = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'bin', 'muster.js'), 'restore', out, '--json'], {
      env: { ...process.env, MUSTER_DATABASE_URL: path.join(target, 'muster.sqlite'), MUSTER_DATA_DIR: target, MUSTER_LOG_LEVEL: 'error' }, encoding: 'utf8',
    }));
    const restoreS = (performance.now() - tr) / 1000;
    fs.rmSync(target, { recursive: true, force: true });
    const checked = restored.audit.reduce((s, a) => s + a.checked, 0);
    log(`restore: ${round(restoreS, 2)} s, ${checked} audit events verified, ${restored.counts.people} people`);
    const section = [
      '### Backup of a large SQLite installation while it serves',
      '',
      `\`node bench/ops.mjs backup --people ${people}\` (${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} CPUs, Node ${process.version}): ${people.toLocaleString('en-GB')} people created in process through the SCIM service, a transaction and an audit event each (${round(fillS)} s), then \`muster backup --to FILE\` run as its own process while 4 clients keep creating users, then \`muster restore\` into an empty directory.`,
      '',
      '| database files | backup | archive | writes acknowledged during the backup | failed writes | restore (migrate + verify every audit chain) | audit events verified |',
      '|---|---|---|---|---|---|---|',
      `| ${round(dbBytes / 1048576)} MB | ${round(backupS, 2)} s | ${round(result.bytes / 1048576)} MB | ${duringBackup} | ${failed} | ${round(restoreS, 2)} s | ${checked.toLocaleString('en-GB')} |`,
      '',
      `The backup copies every page in one read transaction (WAL mode: the server's writes carry on meanwhile, as the writes acknowledged during it show); its time includes starting Node, \`PRAGMA quick_check\` on the copy and writing the archive.`,
      '',
    ].join('\n');
    log('\n' + section);
    if (values.markdown) writeSection('ops-backup', section);
  } finally {
    client.close();
    await srv.stop();
  }
}

/**
 * The same cost measured directly, without a machine's noise: what the instrumentation adds to one
 * SCIM request (the counters and histograms the middleware and the SCIM handler update), and what
 * one scrape costs (rendering the registry, with the series of a server that has served every
 * route), both in CPU time in this process.
 */
async function metricsMicro() {
  const { Metrics, scimOperation } = await import(path.join(ROOT, 'dist', 'metrics', 'index.js'));
  const m = new Metrics({ queues: async () => [{ kind: 'entra-sync', state: 'queued', count: 1, oldest: new Date().toISOString() }], pool: () => ({ total: 1, idle: 1, waiting: 0, max: 1 }) });
  const routes = ['/Users', '/Users/abc', '/Groups', '/Groups/abc', '/Bulk', '/Users/.search'];
  const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
  const statuses = [200, 201, 204, 400, 404, 409, 429, 500];
  const one = (i) => {
    const op = scimOperation(methods[i % 5], routes[i % 6]);
    m.request(methods[i % 5], op.route, statuses[i % 8], i % 3 ? 'Okta' : 'Microsoft Entra ID', 0.003 + (i % 7) / 1000);
    m.scimOperation(op.resource, op.operation, statuses[i % 8], false);
    m.auditEvents.inc({ action: 'person.created' });
  };
  for (let i = 0; i < 20000; i++) one(i); // warm up, and every series exists
  const N = 200000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) one(i);
  const c1 = process.cpuUsage(c0);
  const perRequestUs = (c1.user + c1.system) / N;
  const scrapes = 50;
  const s0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < scrapes; i++) bytes = (await m.render()).body.length;
  const s1 = process.cpuUsage(s0);
  const perScrapeMs = (s1.user + s1.system) / 1000 / scrapes;
  log(`instrumentation: ${round(perRequestUs, 2)} µs CPU per SCIM request; a scrape: ${round(perScrapeMs, 2)} ms CPU for ${Math.round(bytes / 1024)} KiB`);
  return { perRequestUs, perScrapeMs, bytes };
}

if (mode === 'metrics') await metricsBench();
else if (mode === 'metrics-micro') await metricsMicro();
else if (mode === 'backup') await backupBench();
else {
  console.error('usage: node bench/ops.mjs metrics|backup [options] (see the top of this file)');
  process.exit(1);
}
