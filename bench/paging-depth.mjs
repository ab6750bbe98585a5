#!/usr/bin/env node
// What a page costs at the storage layer as it goes deeper into a list of N people (SQLite):
// OFFSET pages (startIndex), keyset pages (RFC 9865 cursors, in creation order and by userName),
// and totalResults by count(*) against the maintained counter. No HTTP and no rendering: the
// people are inserted by one SQL statement (a small SCIM document each), so that 1,000,000 fit in
// a minute; the full HTTP benchmark is bench.mjs.
//
//   npm run build && node bench/paging-depth.mjs --n 1000000 [--markdown]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { n: { type: 'string', default: '1000000' }, reps: { type: 'string', default: '30' }, markdown: { type: 'boolean' } } });
const N = Number(values.n), REPS = Number(values.reps);
const { openDatabase, Store } = await import(path.join(HERE, '..', 'dist', 'store', 'index.js'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-depth-'));
const store = new Store(await openDatabase(path.join(dir, 'muster.sqlite')));
const now = new Date().toISOString();
await store.lists.createOrganisation('org', 'Org', now);
await store.lists.create({ id: 'L', orgId: 'org', name: 'Depth', uidAttribute: 'userName', syncMethod: 'scim', strict: false, externalIdUnique: false, mappingVersion: 0, createdAt: now, updatedAt: now });
const t0 = performance.now();
await sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
  INSERT INTO users (id, list_id, user_name, user_name_lc, external_id, display_name, display_name_lc, active, data, version, created, last_modified)
  SELECT printf('%08x-0000-4000-8000-%012x', i, i), 'L', 'user' || ((i * 7919) % ${N}) || '@example.com', 'user' || ((i * 7919) % ${N}) || '@example.com', 'ext' || i,
    'Person ' || i, 'person ' || i, 1,
    json_object('schemas', json_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'userName', 'user' || ((i * 7919) % ${N}) || '@example.com',
      'externalId', 'ext' || i, 'displayName', 'Person ' || i, 'active', json('true'), 'title', 'Engineer',
      'emails', json_array(json_object('value', 'p' || i || '@mail.example.com', 'type', 'work', 'primary', json('true')))),
    1, ${now}, ${now} FROM n`.execute(store.db);
const loadS = (performance.now() - t0) / 1000;
console.log(`inserted ${N} people in ${loadS.toFixed(1)} s`);

const median = async (fn) => {
  const xs = [];
  for (let r = 0; r < REPS; r++) {
    const t = process.hrtime.bigint();
    await fn();
    xs.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)];
};
const depths = [0, 0.5, 0.9, 0.999].map((f) => Math.min(N - 100, Math.floor(N * f)));
const rows = [];
for (const d of depths) {
  // The keyset position of the row just before the page, as a cursor would carry it.
  const bySeq = d === 0 ? undefined : { seq: Number((await sql`SELECT seq FROM users WHERE list_id = 'L' ORDER BY seq LIMIT 1 OFFSET ${d - 1}`.execute(store.db)).rows[0].seq) };
  const nameRow = d === 0 ? undefined : (await sql`SELECT seq, user_name_lc FROM users WHERE list_id = 'L' ORDER BY user_name_lc, seq LIMIT 1 OFFSET ${d - 1}`.execute(store.db)).rows[0];
  const byName = nameRow ? { seq: Number(nameRow.seq), key: nameRow.user_name_lc } : undefined;
  const offset = await median(() => store.users.page({ listId: 'L', offset: d, limit: 100 }));
  const keyset = await median(() => store.users.keyset({ listId: 'L', descending: false, after: bySeq, limit: 101 }));
  const keysetName = await median(() => store.users.keyset({ listId: 'L', orderBy: { expr: sql.ref('users.user_name_lc'), nullable: false }, descending: false, after: byName, limit: 101 }));
  rows.push({ depth: d, offset, keyset, keysetName });
  console.log(`depth ${d}: OFFSET ${offset.toFixed(0)} µs, keyset ${keyset.toFixed(0)} µs, keyset by userName ${keysetName.toFixed(0)} µs`);
}
const count = await median(() => store.users.count({ listId: 'L' }));
const counter = await median(() => store.paging.total('L', 'User'));
console.log(`totalResults: count(*) ${count.toFixed(0)} µs, maintained counter ${counter.toFixed(0)} µs (${await store.paging.total('L', 'User')})`);
const dbMB = fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0) / 1048576;
await store.close?.();
fs.rmSync(dir, { recursive: true, force: true });

const fmt = (x) => Math.round(x).toLocaleString('en-GB');
const md = [
  `<!-- paging-depth:start -->`,
  `### Page cost by depth, storage layer, ${fmt(N)} people (SQLite)`,
  '',
  `\`node bench/paging-depth.mjs --n ${N} --markdown\` (${new Date().toISOString().slice(0, 10)}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}): ` +
    `${fmt(N)} people inserted by one SQL statement in ${loadS.toFixed(0)} s (${dbMB.toFixed(0)} MB, small documents); median of ${REPS} reads of a page of 100, µs, repository call only (no HTTP, no rendering).`,
  '',
  '| rows before the page | OFFSET (startIndex) | keyset, creation order (cursor) | keyset by userName (cursor, sortBy=userName) |',
  '|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${fmt(r.depth)} | ${fmt(r.offset)} | ${fmt(r.keyset)} | ${fmt(r.keysetName)} |`),
  '',
  `totalResults without a filter: \`count(*)\` over the list ${fmt(count)} µs; the maintained counter (migration 027) ${fmt(counter)} µs.`,
  `<!-- paging-depth:end -->`,
].join('\n');
console.log(md);
if (values.markdown) {
  const file = path.join(HERE, 'RESULTS.md');
  const prior = fs.readFileSync(file, 'utf8');
  const re = /<!-- paging-depth:start -->[\s\S]*?<!-- paging-depth:end -->/;
  fs.writeFileSync(file, re.test(prior) ? prior.replace(re, md) : `${prior.trimEnd()}\n\n${md}\n`);
}
