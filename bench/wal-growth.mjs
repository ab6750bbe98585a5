#!/usr/bin/env node
/**
 * The SQLite log (WAL) under writes beside whole-list filters (bench/RESULTS.md, "Filters that read
 * a whole list, and the scan thread"): two clients PATCH people back to back while two others send
 * `title co "engin"` pages, for SECONDS; the -wal file's size is sampled every 100 ms. NOSCAN=1
 * leaves the filters out.
 *
 *   node bench/wal-growth.mjs BASE_URL TOKEN path/to/muster.sqlite-wal [SECONDS=30]
 */
import fs from 'node:fs';
const [base, token, wal, seconds = '30'] = process.argv.slice(2);
const h = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
const end = Date.now() + Number(seconds) * 1000;
const ids = ((await (await fetch(`${base}/Users?count=500&attributes=id`, { headers: h })).json()).Resources).map((r) => r.id);
let writes = 0, scans = 0, maxWal = 0;
const writer = async () => { let i = 0; while (Date.now() < end) { const r = await fetch(`${base}/Users/${ids[i++ % ids.length]}`, { method: 'PATCH', headers: h, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `T${i}` }] }) }); await r.arrayBuffer(); writes++; } };
const scanner = async () => { while (Date.now() < end) { const r = await fetch(`${base}/Users?filter=${encodeURIComponent('title co "engin"')}&count=10`, { headers: h }); await r.arrayBuffer(); scans++; } };
const samples = []; const watch = setInterval(() => { try { const s = fs.statSync(wal).size; maxWal = Math.max(maxWal, s); samples.push(s); } catch { /* not there yet */ } }, 100);
await Promise.all([writer(), writer(), ...(process.env.NOSCAN ? [] : [scanner(), scanner()])]);
clearInterval(watch);
const thirds = [0, 1, 2].map((k) => (Math.max(...samples.slice(k * samples.length / 3, (k + 1) * samples.length / 3)) / 1048576).toFixed(0)); console.log(JSON.stringify({ thirds, writes, scans, maxWalMB: (maxWal / 1048576).toFixed(1), walNowMB: (fs.statSync(wal).size / 1048576).toFixed(1) }));
