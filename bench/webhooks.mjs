// Webhooks benchmark (issue 15 item 3): SCIM provisioning throughput with no webhook endpoint
// and with three endpoints subscribed to every event type (the criterion: within 15%), and the
// delivery latency from an event's commit to its receiver, p50 and p99.
//
//   npm run build && node bench/webhooks.mjs [--users 2000] [--concurrency 16] [--events 1000] [--gap 20] [--rounds 1] [--paced 0] [--db postgres://…]
//
// --rounds R measures no endpoint and three endpoints R times each, side by side in alternating
// order (none, three, three, none, …: drift of the shared machine's load falls on both), with the
// process's CPU (user + system, this process being server, receivers and driver) per request,
// during the provisioning and until every delivery has arrived. --paced N adds a phase that
// provisions at N requests a second (open loop) with three endpoints: the commit → receiver
// latency when the node is not saturated (at full speed it is mostly the backlog's queueing).
//
// The server runs in this process (dist/, built), listening on 127.0.0.1; the three receivers
// are loopback HTTP servers in this process too (MUSTER_WEBHOOKS_ALLOW_PRIVATE, as tests do), so
// the figures include the receivers' own work on the same cores.
//
// Latency is measured two ways:
//  - SCIM: from each event's occurredAt (stamped in the transaction that commits it) to its
//    arrival. This needs the write paths to append events (issue 15 item 1, branch feat/outbox);
//    on a build without them no event is produced and the script says so.
//  - direct: events appended one per transaction through store.events.append at a steady rate,
//    from just before the append to arrival: the dispatcher's own latency, on any build.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: {
  users: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '1' }, paced: { type: 'string', default: '0' }, concurrency: { type: 'string', default: '16' }, events: { type: 'string', default: '1000' }, gap: { type: 'string', default: '20' }, db: { type: 'string' },
} });
const ROUNDS = Number(values.rounds), PACED = Number(values.paced);
const USERS = Number(values.users), C = Number(values.concurrency), EVENTS = Number(values.events), GAP = Number(values.gap);
const log = (s) => process.stdout.write(s + '\n');
const { loadConfig } = await import(path.join(root, 'dist/config.js'));
const { buildMuster, listen } = await import(path.join(root, 'dist/main.js'));
const { AdminKeys } = await import(path.join(root, 'dist/accounts/admin-keys.js'));

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** A receiver on loopback that records when each event arrived. */
async function receiver(arrivals) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      try {
        const e = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        arrivals.push({ id: e.id, occurredAt: e.occurredAt, at, delivery: req.headers['muster-delivery-id'] });
      } catch { /* a test ping */ }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}/hook` };
}

async function start() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-webhook-bench-'));
  const config = loadConfig({
    MUSTER_DATABASE_URL: values.db ?? path.join(dir, 'muster.sqlite'), MUSTER_DATA_DIR: dir, MUSTER_LOG_LEVEL: 'warn',
    MUSTER_RATE_LIMIT: '0', MUSTER_DEMO: 'false', MUSTER_WEBHOOKS_ALLOW_PRIVATE: 'true', MUSTER_REQUEST_LOG: 'off',
  });
  const muster = await buildMuster(config);
  const { server } = await listen(muster.app, 0, '127.0.0.1');
  const origin = `http://127.0.0.1:${server.address().port}`;
  const r = await muster.lists.createList({ name: 'Bench', uid: 'userName', org: 'Bench organisation' });
  const key = (await new AdminKeys(muster.store, muster.audit, muster.lists).create(r.list.orgId, 'bench')).secret;
  const admin = (method, p, body) => fetch(`${origin}/api/v1${p}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) }).then((x) => x.json());
  admin.auth = `Bearer ${key}`;
  return { muster, server, origin, listId: r.list.id, orgId: r.list.orgId, token: r.token.secret, admin, dir };
}

async function provision(s, prefix) {
  const client = new Client(`${s.origin}/scim/v2/lists/${s.listId}`, s.token, C);
  let next = 0, errors = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => {
    for (let i = next++; i < USERS; i = next++) {
      const res = await client.request('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `${prefix}${i}@bench.example`, active: true,
        name: { givenName: 'Bench', familyName: `User ${i}` }, emails: [{ value: `${prefix}${i}@bench.example`, type: 'work', primary: true }], title: 'Tester',
      });
      if (res.status !== 201) errors++;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  client.close?.();
  return { rps: USERS / ((performance.now() - t0) / 1000), errors, cpuMsPerReq: (cpu.user + cpu.system) / 1000 / USERS, cpu0 };
}

async function drained(s, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const head = await s.muster.store.events.headId();
    const cursor = await s.muster.store.webhooks.cursor();
    const pending = await s.muster.store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('state', '=', 'pending').executeTakeFirst();
    if (cursor >= head && Number(pending?.n ?? 0) === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const s = await start();
log(`webhooks bench: ${USERS} users per phase, ${ROUNDS} round(s), concurrency ${C}, ${EVENTS} direct events; ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, engine ${s.muster.store.engine}`);
// Warm-up (JIT, caches), not measured.
await provision(s, 'warm');
const arrivals = [[], [], []];
const receivers = [];
for (const a of arrivals) receivers.push(await receiver(a));
let endpoints = [];
const subscribe = async () => {
  for (const r of receivers) endpoints.push((await s.admin('POST', '/webhooks', { url: r.url, description: 'bench', eventTypes: null })).endpoint.id);
};
const unsubscribe = async () => {
  for (const id of endpoints) await fetch(`${s.origin}/api/v1/webhooks/${id}`, { method: 'DELETE', headers: { authorization: s.admin.auth } });
  endpoints = [];
};
const results = { none: [], three: [] };
const lat = [];
let phase = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? ['none', 'three'] : ['three', 'none']) {
    if (kind === 'three') await subscribe();
    const headBefore = await s.muster.store.events.headId();
    const r = await provision(s, `${kind}${phase++}-`);
    const headAfter = await s.muster.store.events.headId();
    let untilDrained = r.cpuMsPerReq;
    if (kind === 'three') {
      if (headAfter === headBefore) log('SCIM writes appended no events on this build (issue 15 item 1 not merged): the throughput above carries no webhook work.');
      await drained(s);
      // CPU until every delivery of this phase arrived, per request: the whole cost of three endpoints.
      const cpu = process.cpuUsage(r.cpu0);
      untilDrained = (cpu.user + cpu.system) / 1000 / USERS;
      const mine = arrivals.flat().filter((a) => a.id > headBefore && a.id <= headAfter).map((a) => a.at - Date.parse(a.occurredAt));
      lat.push(...mine);
      log(`  SCIM events ${headAfter - headBefore}, deliveries ${mine.length}; commit → receiver p50 ${pct(mine, 50)} ms, p99 ${pct(mine, 99)} ms`);
      await unsubscribe();
    }
    results[kind].push({ ...r, untilDrained });
    log(`round ${round + 1}, ${kind === 'none' ? 'no endpoint:    ' : 'three endpoints:'} ${r.rps.toFixed(0)} req/s (${r.errors} errors), CPU ${r.cpuMsPerReq.toFixed(2)} ms/request${kind === 'three' ? `, ${untilDrained.toFixed(2)} ms/request until delivered` : ''}; load ${os.loadavg()[0].toFixed(2)}`);
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
  const headBefore = await s.muster.store.events.headId();
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
  const headAfter = await s.muster.store.events.headId();
  await drained(s);
  const mine = arrivals.flat().filter((a) => a.id > headBefore && a.id <= headAfter).map((a) => a.at - Date.parse(a.occurredAt));
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
  await s.muster.store.events.append([{ type: 'person.updated', orgId: s.orgId, listId: s.listId, subject: `p${i % 500}`, payload: { userName: `p${i}`, source: 'system', changes: { n: { after: i } } }, occurredAt: new Date().toISOString() }]);
  // Paced (--gap ms between events): latency, not a backlog's queueing time.
  await new Promise((r) => setTimeout(r, GAP));
}
const appendRate = EVENTS / ((performance.now() - t0) / 1000);
const ok = await drained(s);
const directLat = arrivals.flat().map((a) => a.at - Date.parse(a.occurredAt));
const unique = new Set(arrivals.flat().map((a) => a.delivery)).size;
log(`direct: ${EVENTS} events appended at ${appendRate.toFixed(0)}/s to 3 endpoints: ${directLat.length} arrivals (${unique} distinct deliveries${ok ? '' : ', NOT all delivered in 120 s'}); append → receiver p50 ${pct(directLat, 50)} ms, p99 ${pct(directLat, 99)} ms`);

for (const r of receivers) r.server.close();
s.server.close();
await s.muster.close();
fs.rmSync(s.dir, { recursive: true, force: true });
