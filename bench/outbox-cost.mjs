// The CPU one write transaction spends on its outbox append (issue 15): the same write transaction
// with and without writeOutbox of the events a PATCH makes, alternately, on SQLite or PostgreSQL.
// Usage: npm run build && node bench/outbox-cost.mjs [postgres://…] [transactions]
import { openDatabase, Store, writeOutbox } from '../dist/store/index.js';
import { eventsFor } from '../dist/events/from-audit.js';
import { sql } from 'kysely';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
const url = process.argv[2] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ob-')), 'x.sqlite');
const store = new Store(await openDatabase(url));
await sql`CREATE TABLE IF NOT EXISTS bench_scratch (k integer PRIMARY KEY, v text)`.execute(store.db);
const N = Number(process.argv[3] ?? 3000);
const change = { action: 'person.updated', target: { type: 'person', id: 'p', name: 'ada' }, changes: [{ field: 'title', before: 'a', after: 'b' }, { field: 'roster:job_title', before: 'a', after: 'b' }] };
async function run(withEvent) {
  const t0 = process.cpuUsage(); const w0 = performance.now();
  for (let i = 0; i < N; i++) {
    await store.db.transaction().execute(async (trx) => {
      // The change itself (a row written, so both sides pay the same commit).
      await sql`INSERT INTO bench_scratch (k, v) VALUES (1, ${String(i)}) ON CONFLICT (k) DO UPDATE SET v = excluded.v`.execute(trx);
      if (withEvent) await writeOutbox(trx, store.engine, eventsFor('org', 'list', change, 'scim'), new Date().toISOString());
    });
  }
  const u = process.cpuUsage(t0);
  return { cpuUsPerTx: Math.round((u.user + u.system) / N), wallUsPerTx: Math.round((performance.now() - w0) * 1000 / N) };
}
const res = [];
for (let r = 0; r < 4; r++) { const a = await run(false), b = await run(true); res.push(b.cpuUsPerTx - a.cpuUsPerTx); console.log(JSON.stringify({ without: a, with: b, addedCpuUs: b.cpuUsPerTx - a.cpuUsPerTx })); }
res.sort((x, y) => x - y); console.log('median added CPU µs per write transaction:', (res[1] + res[2]) / 2);
await sql`DROP TABLE bench_scratch`.execute(store.db);
await store.close();
