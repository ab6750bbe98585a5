#!/usr/bin/env node
/**
 * Two builds of Muster compared in one process: CPU a request of in-process SCIM requests
 * (`app.fetch`, no HTTP), in interleaved blocks.
 *
 *   node bench/ab-in-process.mjs BUILD_A BUILD_B [--mode hit|miss|id|create|patch] [--blocks 16] [--block 2000] [--people 2000]
 *     [--env-a KEY=VALUE,…] [--env-b KEY=VALUE,…] [--sql-a "STATEMENT;…"] [--sql-b "STATEMENT;…"] [--both]
 *
 * A build is a directory holding `dist/`, `bin/` and `package.json` (a copy of the project after
 * `npm run build`, with `node_modules` beside it or linked). On a shared 2-core machine the CPU a
 * request scatters by up to 2× between server processes of one build (bench/RESULTS.md, "A
 * lookup's router and reads"), which hides changes of 10 %. Here both builds run in one process:
 * each has its own SQLite database of `--people` people, and their blocks of requests alternate
 * (which build goes first alternates too), so both see the same heap, caches and machine. Each
 * block ends by flushing its build's request log, so that the log's writes count where they were
 * made. What this leaves out is the same for both: HTTP and the kernel.
 *
 * The two builds may be one directory given twice, with settings that differ (`--env-b
 * MUSTER_REQUEST_LOG=off`) or with SQL run on one's new database before it serves (`--sql-b
 * "DROP INDEX audit_list_time"`): what a setting or an index costs.
 *
 * What it resolves: a change that wins every block pair or nearly (12 % and more, repeated). A
 * difference of 5–10 % with 10–15 of 16 pairs lower has come out of a change of under 1 %, and with
 * the opposite sign when the change moved to the other side (bench/RESULTS.md, "externalIds in
 * one index"): `--both` runs the comparison again with the sides exchanged (B's build and
 * settings set up first, in A's place); keep only what holds both ways.
 *
 * Modes: `hit` GET /Users?filter=userName eq (someone), `miss` (nobody), `id` GET /Users/{id},
 * `create` POST /Users (bench/phases.mjs's person, as the sync phase sends it), `patch` PATCH replace of `title`.
 * Prints each build's median CPU µs a request over the blocks, the ratio, and every block.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { makeUser, userName } from './phases.mjs';

const { Request } = globalThis;

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const [A, B] = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1]?.startsWith('--') && args[i - 1] !== '--both'));
if (!A || !B) {
  console.error('usage: node bench/ab-in-process.mjs BUILD_A BUILD_B [--mode hit|miss|id|create|patch] [--blocks 16] [--block 2000] [--people 2000] [--env-a K=V,…] [--env-b K=V,…] [--sql-a "SQL;…"] [--sql-b "SQL;…"] [--both]');
  process.exit(2);
}
const MODE = opt('mode', 'hit');
const BLOCKS = Number(opt('blocks', 16));
const BLOCK = Number(opt('block', MODE === 'create' || MODE === 'patch' ? 500 : 2000));
const PEOPLE = Number(opt('people', 2000));
const ORIGIN = 'http://127.0.0.1:1';
const envOf = (spec) => Object.fromEntries((spec ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

/** One build, its database and a function that sends the mode's next request. */
async function setUp(dir, extra, statements) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-ab-'));
  const env = { MUSTER_DATABASE_URL: path.join(data, 'muster.sqlite'), MUSTER_DATA_DIR: data, MUSTER_LOG_LEVEL: 'silent', MUSTER_RATE_LIMIT: '0', MUSTER_DEMO: 'false', ...extra };
  const list = JSON.parse(execFileSync(process.execPath, [path.join(dir, 'bin/muster.js'), 'lists', 'create', '--name', 'AB', '--org', 'AB', '--json'], { env: { ...process.env, ...env } }).toString());
  if (statements) {
    const { default: Database } = await import(pathToFileURL(path.join(dir, 'node_modules/better-sqlite3/lib/index.js')).href);
    const db = new Database(env.MUSTER_DATABASE_URL);
    db.exec(statements);
    db.close();
  }
  const { loadConfig } = await import(pathToFileURL(path.join(dir, 'dist/config.js')).href);
  const { buildMuster } = await import(pathToFileURL(path.join(dir, 'dist/main.js')).href);
  const muster = await buildMuster(loadConfig({ ...process.env, ...env }), undefined, false);
  const base = `${ORIGIN}${new URL(list.scimBaseUrl).pathname}`;
  const headers = { authorization: `Bearer ${list.token}`, 'content-type': 'application/scim+json', 'user-agent': 'Okta SCIM Client 1.0.0' };
  const send = async (method, p, body, expected) => {
    const r = await muster.app.fetch(new Request(`${base}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
    const text = await r.text();
    if (r.status !== expected) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
    return text;
  };
  const ids = [];
  for (let i = 0; i < PEOPLE; i++) ids.push(JSON.parse(await send('POST', '/Users', makeUser(i), 201)).id);
  let k = 0;
  const next = {
    hit: () => send('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName(k++ % PEOPLE)}"`)}`, undefined, 200),
    miss: () => send('GET', `/Users?filter=${encodeURIComponent(`userName eq "nobody.${k++ % PEOPLE}@example.com"`)}`, undefined, 200),
    id: () => send('GET', `/Users/${ids[k++ % PEOPLE]}`, undefined, 200),
    create: () => send('POST', '/Users', makeUser(PEOPLE + k++), 201),
    patch: () => send('PATCH', `/Users/${ids[k % PEOPLE]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `T${k++}` }] }, 200),
  }[MODE];
  if (!next) throw new Error(`unknown mode ${MODE}`);
  return { next, flush: () => muster.requestLog.flush(), close: async () => { await muster.close(); fs.rmSync(data, { recursive: true, force: true }); } };
}

const median = (x) => { const s = [...x].sort((p, q) => p - q); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const block = async (x) => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < BLOCK; i++) await x.next();
  await x.flush();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / BLOCK;
};

/** One comparison: `first` and `second` set up in that order, their blocks interleaved; the medians and how often `second` was lower. */
async function compare(first, second) {
  const a = await setUp(first.dir, first.env, first.sql);
  const b = await setUp(second.dir, second.env, second.sql);
  for (let i = 0; i < 2; i++) { await block(a); await block(b); } // warm-up
  const ra = [], rb = [];
  for (let r = 0; r < BLOCKS; r++) {
    if (r % 2) { ra.push(await block(a)); rb.push(await block(b)); } else { rb.push(await block(b)); ra.push(await block(a)); }
  }
  await a.close();
  await b.close();
  return { ra, rb, lower: ra.filter((v, i) => rb[i] < v).length };
}

const sideA = { dir: A, env: envOf(opt('env-a')), sql: opt('sql-a'), name: `A ${A}${opt('env-a') ? ` ${opt('env-a')}` : ''}${opt('sql-a') ? ` (${opt('sql-a')})` : ''}` };
const sideB = { dir: B, env: envOf(opt('env-b')), sql: opt('sql-b'), name: `B ${B}${opt('env-b') ? ` ${opt('env-b')}` : ''}${opt('sql-b') ? ` (${opt('sql-b')})` : ''}` };
const one = await compare(sideA, sideB);
console.log(`${MODE}: ${sideA.name} ${median(one.ra).toFixed(1)} µs | ${sideB.name} ${median(one.rb).toFixed(1)} µs | B/A ${(median(one.rb) / median(one.ra)).toFixed(3)} | B lower in ${one.lower} of ${BLOCKS} pairs`);
console.log(`  A: ${one.ra.map((v) => v.toFixed(0)).join(' ')}\n  B: ${one.rb.map((v) => v.toFixed(0)).join(' ')}`);
if (args.includes('--both')) {
  // The same comparison with the sides exchanged: B's build and settings set up first, in the
  // place A had. A difference that holds both ways is the change's; one that follows the place is not.
  const two = await compare(sideB, sideA);
  console.log(`${MODE}, sides exchanged: ${sideB.name} ${median(two.ra).toFixed(1)} µs | ${sideA.name} ${median(two.rb).toFixed(1)} µs | B/A ${(median(two.ra) / median(two.rb)).toFixed(3)} | B lower in ${two.ra.filter((v, i) => v < two.rb[i]).length} of ${BLOCKS} pairs`);
  console.log(`  B: ${two.ra.map((v) => v.toFixed(0)).join(' ')}\n  A: ${two.rb.map((v) => v.toFixed(0)).join(' ')}`);
}
