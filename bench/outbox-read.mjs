#!/usr/bin/env node
/**
 * What reading the outbox costs (issue 16, bench/RESULTS.md "One copy of a change"): CPU µs an
 * event for the read the outbox's safety net makes (every `person.created` event, pages of 200),
 * with the payload looked at (a webhook delivery, the events API) and without (a consumer that
 * decides by list and person), for one build.
 *
 *   node bench/outbox-read.mjs BUILD [--people 5000]
 *
 * A build is a directory holding `dist/`, `bin/` and `package.json` (a copy of the project after
 * `npm run build`, with `node_modules` beside it or linked), as for bench/ab-in-process.mjs. The
 * people are created one at a time through `app.fetch` on a fresh SQLite file, which is removed
 * after. Prints the median and lowest of 7 passes each way. Compare builds by running it for each,
 * pinned to one core (`taskset -c 1`), in alternation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { makeUser } from './phases.mjs';

const { Request } = globalThis;

const args = process.argv.slice(2);
const dir = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!dir) {
  console.error('usage: node bench/outbox-read.mjs BUILD [--people 5000]');
  process.exit(2);
}
const i = args.indexOf('--people');
const PEOPLE = i >= 0 ? Number(args[i + 1]) : 5000;
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-outbox-read-'));
const env = { MUSTER_DATABASE_URL: path.join(data, 'muster.sqlite'), MUSTER_DATA_DIR: data, MUSTER_LOG_LEVEL: 'silent', MUSTER_RATE_LIMIT: '0', MUSTER_DEMO: 'false' };
const list = JSON.parse(execFileSync(process.execPath, [path.join(dir, 'bin/muster.js'), 'lists', 'create', '--name', 'Read', '--org', 'Read', '--json'], { env: { ...process.env, ...env } }).toString());
const { loadConfig } = await import(pathToFileURL(path.join(dir, 'dist/config.js')).href);
const { buildMuster } = await import(pathToFileURL(path.join(dir, 'dist/main.js')).href);
const muster = await buildMuster(loadConfig({ ...process.env, ...env }), undefined, false);
const base = `http://127.0.0.1:1${new URL(list.scimBaseUrl).pathname}`;
const headers = { authorization: `Bearer ${list.token}`, 'content-type': 'application/scim+json' };
for (let k = 0; k < PEOPLE; k++) {
  const r = await muster.app.fetch(new Request(`${base}/Users`, { method: 'POST', headers, body: JSON.stringify(makeUser(k)) }));
  if (r.status !== 201) throw new Error(`POST /Users: ${r.status} ${await r.text()}`);
  await r.text();
}
const events = muster.store.events;
let sink = 0;
const pass = async (touch) => {
  let after = 0;
  let n = 0;
  for (;;) {
    const page = await events.readAfter({ afterId: after, types: ['person.created'], limit: 200 });
    if (page.length === 0) return n;
    for (const e of page) {
      if (touch) sink += e.payload.source.length;
      n++;
    }
    after = page[page.length - 1].id;
  }
};
for (const touch of [false, true]) {
  await pass(touch);
  const µs = [];
  for (let r = 0; r < 7; r++) {
    const c0 = process.cpuUsage();
    const n = await pass(touch);
    const c = process.cpuUsage(c0);
    µs.push((c.user + c.system) / n);
  }
  µs.sort((a, b) => a - b);
  console.log(`${touch ? 'payload looked at' : 'payload not looked at'}: ${µs[3].toFixed(1)} µs an event (median of 7 passes; lowest ${µs[0].toFixed(1)})`);
}
await muster.close();
fs.rmSync(data, { recursive: true, force: true });
if (sink < 0) console.log(sink);
