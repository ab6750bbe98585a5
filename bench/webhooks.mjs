// Webhooks benchmark (issue 15 item 3): SCIM provisioning throughput with no webhook endpoint
// and with three endpoints subscribed to every event type (the criterion: within 15%), and the
// delivery latency from an event's commit to its receiver, p50 and p99.
//
//   npm run build && node bench/webhooks.mjs [--users 2000] [--concurrency 16] [--events 1000] [--gap 20] [--rounds 1] [--paced 0] [--db postgres://…]
//
// --rounds R measures no endpoint and three endpoints R times each, side by side in alternating
// order (none, three, three, none, …: drift of the shared machine's load falls on both), with the
// server's CPU (user + system of its process, from /proc) per request, during the provisioning
// and until every delivery has arrived. --paced N adds a phase that provisions at N requests a
// second (open loop) with three endpoints: the commit → receiver latency when the node is not
// saturated (at full speed it is mostly the backlog's queueing).
//
// Three processes, as in production: the server (`muster serve` from dist/, built, on 127.0.0.1,
// MUSTER_WEBHOOKS_ALLOW_PRIVATE as tests set it), the three receivers (loopback HTTP servers, the
// door controller's and printer's stand-ins) and this driver. Until 2026-12-04 all three shared
// this process and its event loop, so the receivers' work was charged to Muster
// (bench/RESULTS.md, "Webhooks", keeps those figures). --in-process puts the receivers back in
// the driver's process (the server stays apart), to compare.
//
// Latency is measured two ways:
//  - SCIM: from each event's occurredAt (stamped in the transaction that commits it) to its
//    arrival at a receiver (both clocks are this machine's).
//  - direct: events appended one per transaction through store.events.append (from this process,
//    on the same database) at a steady rate, from just before the append to arrival: the
//    dispatcher's own latency.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, freePort, readProc, readThreads, threadsDelta } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: {
  'in-process': { type: 'boolean' }, 'cpu-prof': { type: 'string' }, users: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '1' }, paced: { type: 'string', default: '0' }, concurrency: { type: 'string', default: '16' }, events: { type: 'string', default: '1000' }, gap: { type: 'string', default: '20' }, db: { type: 'string' },
} });
const ROUNDS = Number(values.rounds), PACED = Number(values.paced);
const USERS = Number(values.users), C = Number(values.concurrency), EVENTS = Number(values.events), GAP = Number(values.gap);
const log = (s) => process.stdout.write(s + '\n');
const { openDatabase, Store } = await import(path.join(root, 'dist/store/index.js'));

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// A receiver on loopback that records when each event arrived: `receiverMain` is its code, run in
// a child process (it reports "port N" once, then "i id occurredAtMs atMs deliveryId" per event on
// stdout) or, with --in-process, here.
const RECEIVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    try {
      const e = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      process.stdout.write(INDEX + ' ' + e.id + ' ' + Date.parse(e.occurredAt) + ' ' + at + ' ' + req.headers['muster-delivery-id'] + '\\n');
    } catch { /* a test ping */ }
    res.writeHead(200).end('ok');
  });
});
s.listen(0, '127.0.0.1', () => process.stdout.write('port ' + s.address().port + '\\n'));
`;
async function receivers(arrivals) {
  const onLine = (line, ports) => {
    if (line.startsWith('port ')) ports.push(Number(line.slice(5)));
    else {
      const [i, id, occurred, at, delivery] = line.split(' ');
      arrivals[Number(i)].push({ id: Number(id), occurredAt: Number(occurred), at: Number(at), delivery });
    }
  };
  const urls = [];
  for (let i = 0; i < arrivals.length; i++) {
    const code = `const INDEX = ${i};\n${RECEIVER}`;
    const ports = [];
    if (values['in-process']) {
      // The same code, with this process's stdout replaced by a line handler.
      const write = (l) => l.split('\n').filter(Boolean).forEach((x) => onLine(x, ports));
      new Function('require', 'process', code)(createRequire(import.meta.url), { stdout: { write } });
      while (!ports.length) await new Promise((r) => setTimeout(r, 5));
    } else {
      const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      process.on('exit', () => child.kill('SIGKILL'));
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, nl), ports); buf = buf.slice(nl + 1); }
      });
      while (!ports.length) await new Promise((r) => setTimeout(r, 5));
    }
    urls.push(`http://127.0.0.1:${ports[0]}/hook`);
  }
  return urls;
}

async function start() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-webhook-bench-'));
  const dbUrl = values.db ?? path.join(dir, 'muster.sqlite');
  const port = await freePort();
  const env = {
    ...process.env, MUSTER_DATABASE_URL: dbUrl, MUSTER_DATA_DIR: dir, MUSTER_LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1',
    MUSTER_RATE_LIMIT: '0', MUSTER_DEMO: 'false', MUSTER_WEBHOOKS_ALLOW_PRIVATE: 'true', MUSTER_REQUEST_LOG: 'off',
  };
  const bin = path.join(root, 'bin/muster.js');
  const cli = (...args) => JSON.parse(execFileSync(process.execPath, [bin, ...args, '--json'], { env, encoding: 'utf8' }));
  const list = cli('lists', 'create', '--name', 'Bench', '--uid', 'userName', '--org', 'Bench organisation');
  const key = cli('admin-keys', 'create', '--org', 'Bench organisation').key;
  // --cpu-prof DIR: the server writes a V8 CPU profile there when it exits (kept out of the repository).
  // The phases' windows go beside it (phases-webhooks.json), so that `node bench/profile.mjs DIR` cuts it phase by phase.
  const profArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof'], '--cpu-prof-name', 'muster-webhooks.cpuprofile'] : [];
  const server = spawn(process.execPath, [...profArgs, bin, 'serve', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => server.stdout.on('data', (d) => String(d).includes('listening') && resolve()));
  process.on('exit', () => server.kill('SIGKILL'));
  const origin = `http://127.0.0.1:${port}`;
  const admin = (method, p, body) => fetch(`${origin}/api/v1${p}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) }).then((x) => x.json());
  admin.auth = `Bearer ${key}`;
  // This process's own connection to the same database: the drain checks and the direct appends.
  const store = new Store(await openDatabase(dbUrl));
  return { server, store, origin, listId: list.id, orgId: list.orgId, token: list.token, admin, dir };
}

async function provision(s, prefix) {
  const client = new Client(`${s.origin}/scim/v2/lists/${s.listId}`, s.token, C);
  let next = 0, errors = 0;
  const cpu0 = readProc(s.server.pid).cpuS;
  const threads0 = readThreads(s.server.pid);
  const t0 = performance.now();
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  await Promise.all(Array.from({ length: C }, async () => {
    for (let i = next++; i < USERS; i = next++) {
      const res = await client.request('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `${prefix}${i}@bench.example`, active: true,
        name: { givenName: 'Bench', familyName: `User ${i}` }, emails: [{ value: `${prefix}${i}@bench.example`, type: 'work', primary: true }], title: 'Tester',
      });
      if (res.status !== 201) errors++;
    }
  }));
  const cpu = readProc(s.server.pid).cpuS - cpu0;
  const threads = threadsDelta(threads0, readThreads(s.server.pid));
  windows.push({ phase: prefix.replace(/-$/, ''), fromUs, toUs: Number(process.hrtime.bigint() / 1000n), requests: USERS, cpuS: cpu, threads });
  client.close?.();
  return { rps: USERS / ((performance.now() - t0) / 1000), errors, cpuMsPerReq: (cpu * 1000) / USERS, cpu0, threads, startedAt: Date.now() - (performance.now() - t0), endedAt: Date.now() };
}

async function drained(s, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const head = await s.store.events.headId();
    const cursor = await s.store.webhooks.cursor();
    const pending = await s.store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('state', '=', 'pending').executeTakeFirst();
    if (cursor >= head && Number(pending?.n ?? 0) === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The provisioning phases' time windows (CLOCK_MONOTONIC, as V8's profile), for bench/profile.mjs. */
const windows = [];
const s = await start();
log(`webhooks bench: ${USERS} users per phase, ${ROUNDS} round(s), concurrency ${C}, ${EVENTS} direct events; ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, engine ${s.store.engine}`);
const arrivals = [[], [], []];
const receiverUrls = await receivers(arrivals);
let endpoints = [];
const subscribe = async () => {
  for (const url of receiverUrls) endpoints.push((await s.admin('POST', '/webhooks', { url, description: 'bench', eventTypes: null })).endpoint.id);
};
const unsubscribe = async () => {
  for (const id of endpoints) await fetch(`${s.origin}/api/v1/webhooks/${id}`, { method: 'DELETE', headers: { authorization: s.admin.auth } });
  endpoints = [];
};
// Warm-up, not measured: one phase of each kind, so that both the provisioning path and the
// delivery path (the dispatcher, the sender's connections, the receivers) are compiled and open
// before the first measured round. Until 2026-12-04 only the first was warmed, and the first
// three-endpoint round of every run was the worst by 10–20 points (bench/RESULTS.md, "Webhooks").
await provision(s, 'warm');
await subscribe();
await provision(s, 'warm-three');
await drained(s);
await unsubscribe();
windows.length = 0;
for (const a of arrivals) a.length = 0;
const results = { none: [], three: [] };
const lat = [];
let phase = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? ['none', 'three'] : ['three', 'none']) {
    if (kind === 'three') await subscribe();
    const headBefore = await s.store.events.headId();
    const r = await provision(s, `${kind}${phase++}-`);
    const headAfter = await s.store.events.headId();
    let untilDrained = r.cpuMsPerReq;
    if (kind === 'three') {
      if (headAfter === headBefore) log('SCIM writes appended no events on this build (issue 15 item 1 not merged): the throughput above carries no webhook work.');
      await drained(s);
      // CPU until every delivery of this phase arrived, per request: the whole cost of three endpoints.
      untilDrained = ((readProc(s.server.pid).cpuS - r.cpu0) * 1000) / USERS;
      const ours = arrivals.flat().filter((a) => a.id > headBefore && a.id <= headAfter);
      const mine = ours.map((a) => a.at - a.occurredAt);
      lat.push(...mine);
      // How many arrived while the SCIM requests were still coming: what the dispatcher took from provisioning.
      const during = ours.filter((a) => a.at <= r.endedAt).length;
      log(`  SCIM events ${headAfter - headBefore}, deliveries ${mine.length} (${during} while provisioning: ${(during / ((r.endedAt - r.startedAt) / 1000)).toFixed(0)}/s); commit → receiver p50 ${pct(mine, 50)} ms, p99 ${pct(mine, 99)} ms`);
      await unsubscribe();
    }
    results[kind].push({ ...r, untilDrained });
    log(`round ${round + 1}, ${kind === 'none' ? 'no endpoint:    ' : 'three endpoints:'} ${r.rps.toFixed(0)} req/s (${r.errors} errors), CPU ${r.cpuMsPerReq.toFixed(2)} ms/request${kind === 'three' ? `, ${untilDrained.toFixed(2)} ms/request until delivered` : ''}; load ${os.loadavg()[0].toFixed(2)}`);
    log(`  server threads, ms/request while provisioning: ${Object.entries(r.threads).map(([k, v]) => `${k} ${((v * 1000) / USERS).toFixed(2)}`).join(', ')}`);
  }
}
const med = (xs) => pct(xs, 50);
const noneRps = med(results.none.map((r) => r.rps)), threeRps = med(results.three.map((r) => r.rps));
log(`median of ${ROUNDS}: no endpoint ${noneRps.toFixed(0)} req/s, three endpoints ${threeRps.toFixed(0)} req/s (${((threeRps / noneRps - 1) * 100).toFixed(1)}% vs none); per-round ratios ${results.three.map((t, i) => `${((t.rps / results.none[i].rps - 1) * 100).toFixed(0)}%`).join(', ')}`);
log(`CPU per request, median: no endpoint ${med(results.none.map((r) => r.cpuMsPerReq)).toFixed(2)} ms; three endpoints ${med(results.three.map((r) => r.cpuMsPerReq)).toFixed(2)} ms while provisioning, ${med(results.three.map((r) => r.untilDrained)).toFixed(2)} ms until every delivery arrived`);
log(`SCIM commit → receiver over all three-endpoint rounds (${lat.length} deliveries): p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms`);
if (PACED > 0) {
  await subscribe();
  const client = new Client(`${s.origin}/scim/v2/lists/${s.listId}`, s.token, C);
  const headBefore = await s.store.events.headId();
  const t0 = performance.now();
  const inflight = new Set();
  for (let i = 0; i < USERS; i++) {
    const p = client.request('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `paced${i}@bench.example`, active: true, name: { givenName: 'Bench', familyName: `Paced ${i}` }, emails: [{ value: `paced${i}@bench.example`, type: 'work', primary: true }],
    }).finally(() => inflight.delete(p));
    inflight.add(p);
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + ((i + 1) * 1000) / PACED - performance.now())));
  }
  await Promise.all(inflight);
  const headAfter = await s.store.events.headId();
  await drained(s);
  // The server's queue is empty once each delivery is settled; the receivers' reports of the last
  // ones (lines on their stdout) can still be on their way: wait for them, at most 10 s.
  const ours = () => arrivals.flat().filter((a) => a.id > headBefore && a.id <= headAfter);
  for (let i = 0; i < 200 && ours().length < (headAfter - headBefore) * arrivals.length; i++) await new Promise((r) => setTimeout(r, 50));
  const mine = ours().map((a) => a.at - a.occurredAt);
  log(`paced: ${USERS} creates at ${PACED}/s with three endpoints: ${headAfter - headBefore} events, ${mine.length} deliveries; commit → receiver p50 ${pct(mine, 50)} ms, p99 ${pct(mine, 99)} ms`);
  await unsubscribe();
}
await drained(s);
await subscribe();

// Direct appends, one per transaction, at a steady rate: the dispatcher's latency on its own.
for (const a of arrivals) a.length = 0;
const sent = new Map();
const t0 = performance.now();
for (let i = 0; i < EVENTS; i++) {
  sent.set(i, Date.now());
  await s.store.events.append([{ type: 'person.updated', orgId: s.orgId, listId: s.listId, subject: `p${i % 500}`, payload: { userName: `p${i}`, source: 'system', changes: { n: { after: i } } }, occurredAt: new Date().toISOString() }]);
  // Paced (--gap ms between events): latency, not a backlog's queueing time.
  await new Promise((r) => setTimeout(r, GAP));
}
const appendRate = EVENTS / ((performance.now() - t0) / 1000);
const ok = await drained(s);
const directLat = arrivals.flat().map((a) => a.at - a.occurredAt);
const unique = new Set(arrivals.flat().map((a) => a.delivery)).size;
log(`direct: ${EVENTS} events appended at ${appendRate.toFixed(0)}/s to 3 endpoints: ${directLat.length} arrivals (${unique} distinct deliveries${ok ? '' : ', NOT all delivered in 120 s'}); append → receiver p50 ${pct(directLat, 50)} ms, p99 ${pct(directLat, 99)} ms`);

s.server.kill('SIGTERM');
await new Promise((r) => s.server.on('exit', r));
if (values['cpu-prof']) fs.writeFileSync(path.join(values['cpu-prof'], 'phases-webhooks.json'), JSON.stringify({ n: USERS, engine: s.store.engine, profile: 'muster-webhooks.cpuprofile', windows }, null, 2) + '\n');
await s.store.close?.();
process.exit(0); // the receivers (children, or servers in this process) go with it
fs.rmSync(s.dir, { recursive: true, force: true });
