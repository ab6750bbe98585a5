// Remapping benchmark: loads N people into a list (Bulk), changes the mapping through the admin
// API, and times the background re-derivation job while SCIM provisioning keeps going, sampling
// the job's progress and the provisioning requests' latency and errors.
//
//   npm run build && node bench/remap.mjs [--n 100000] [--db postgres://…] [--markdown]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, freePort, readProc } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, db: { type: 'string' }, markdown: { type: 'boolean' } } });
const N = Number(values.n);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-remap-'));
const dbUrl = values.db ?? path.join(dir, 'muster.sqlite');
const port = await freePort();
const env = { ...process.env, MUSTER_DATABASE_URL: dbUrl, MUSTER_DEMO: 'false', MUSTER_LOG_LEVEL: 'error', MUSTER_RATE_LIMIT: '0', PORT: String(port), HOST: '127.0.0.1' };
const bin = path.join(root, 'bin/muster.js');
const cli = (...args) => JSON.parse(execFileSync(process.execPath, [bin, ...args, '--json'], { env, encoding: 'utf8' }));
const log = (s) => process.stdout.write(s + '\n');

const list = cli('lists', 'create', '--name', 'Remap bench', '--uid', 'userName', '--org', 'Bench');
const key = cli('admin-keys', 'create', '--org', 'Bench').key;
const server = spawn(process.execPath, [bin, 'serve', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => server.stdout.on('data', (d) => String(d).includes('listening') && resolve()));
process.on('exit', () => server.kill('SIGKILL'));

const scim = new Client(list.scimBaseUrl, list.token, 8);
const admin = new Client(`http://127.0.0.1:${port}/api/v1`, key, 2);
const body = (i) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  userName: `remap${i}@example.com`, name: { givenName: `Given${i}`, familyName: `Family${i}` }, title: `  Engineer ${i % 50}  `,
  emails: [{ value: `remap${i}@example.com`, type: 'work', primary: true }],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: String(100000 + i), department: `Dept ${i % 20}` },
});

// ---- load
const tLoad = performance.now();
const BULK = 1000;
for (let i = 0; i < N; i += BULK * 2) {
  await Promise.all([0, 1].map(async (k) => {
    const from = i + k * BULK;
    if (from >= N) return;
    const ops = [];
    for (let j = from; j < Math.min(N, from + BULK); j++) ops.push({ method: 'POST', path: '/Users', data: body(j) });
    const r = await scim.request('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops });
    if (r.status !== 200 || r.text.includes('"status":"4')) throw new Error(`bulk load failed: ${r.status} ${r.text.slice(0, 300)}`);
  }));
  if ((i / (BULK * 2)) % 10 === 0) log(`loaded ${Math.min(N, i + BULK * 2)} / ${N}`);
}
const loadS = (performance.now() - tLoad) / 1000;
log(`loaded ${N} people in ${loadS.toFixed(1)} s`);

// ---- remap: job_title copy -> trim + upper case (two transforms would need two fields; use upper, which also changes every value)
const mapping = JSON.parse((await admin.request('GET', `/lists/${list.id}/mapping`)).text).entries
  .map((e) => (e.field === 'job_title' ? { ...e, transform: 'upper' } : e));
const t0 = performance.now();
const put = await admin.request('PUT', `/lists/${list.id}/mapping`, { entries: mapping });
if (put.status !== 202) throw new Error(`mapping change answered ${put.status}: ${put.text}`);
const jobId = JSON.parse(put.text).job.id;

// Provisioning traffic while the job runs: PATCH a title, then filter the user back.
let stop = false;
const latencies = [];
let requests = 0, errors = 0;
const errorSamples = [];
const traffic = Array.from({ length: 4 }, async (_, w) => {
  let i = w;
  while (!stop) {
    const n = (i * 7919) % N;
    const f = await scim.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "remap${n}@example.com"`)}`);
    const id = f.status === 200 ? JSON.parse(f.text)?.Resources?.[0]?.id : undefined;
    const p = id ? await scim.request('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `Lead ${n}` }] }) : undefined;
    for (const r of p ? [f, p] : [f]) {
      requests++;
      latencies.push(r.ms);
      if (r.status >= 300 || r.status === 0) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(`${r.status} ${r.err?.message ?? r.text.slice(0, 120)} after ${r.ms.toFixed(0)} ms`);
      }
    }
    i += 4;
  }
});
const progress = [];
let job;
let peakRss = 0;
let pollFailures = 0;
for (;;) {
  const res = await admin.request('GET', `/lists/${list.id}/jobs/${jobId}`);
  if (res.status !== 200) {
    // Counted and reported, never hidden: a poll that fails is a finding, not a crash of the benchmark.
    pollFailures++;
    log(`job poll failed: ${res.status} ${res.err?.message ?? res.text.slice(0, 200)} after ${res.ms.toFixed(0)} ms`);
    if (pollFailures > 20) throw new Error('the job status could not be read 20 times');
    await new Promise((r) => setTimeout(r, 1000));
    continue;
  }
  job = JSON.parse(res.text);
  peakRss = Math.max(peakRss, readProc(server.pid)?.rssMB ?? 0);
  progress.push({ s: (performance.now() - t0) / 1000, percent: job.percent, done: job.done });
  if (job.status === 'done' || job.status === 'failed') break;
  await new Promise((r) => setTimeout(r, 1000));
}
const jobS = (performance.now() - t0) / 1000;
stop = true;
await Promise.all(traffic);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? 0;
if (errorSamples.length) log(`provisioning errors during the job, first ones: ${errorSamples.join(' | ')}`);
log(`job ${job.status}: ${job.done}/${job.total} people, ${job.result?.changed} changed, in ${jobS.toFixed(1)} s; during it ${requests} SCIM requests, ${errors} errors, p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`);

scim.close();
admin.close();
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
process.removeAllListeners('exit');
fs.rmSync(dir, { recursive: true, force: true });

const engine = dbUrl.startsWith('postgres') ? 'postgres' : 'sqlite';
const out = { date: new Date().toISOString(), engine, people: N, loadSeconds: loadS, job, jobSeconds: jobS, progress, during: { requests, errors, p50: pct(50), p99: pct(99) }, peakRssMB: peakRss };
fs.writeFileSync(path.join(root, 'bench', `remap-${engine}.json`), JSON.stringify(out, null, 2) + '\n');
if (values.markdown) {
  const marks = progress.filter((_, i) => i % Math.max(1, Math.floor(progress.length / 8)) === 0 || i === progress.length - 1);
  const md = [
    `<!-- remap:${engine}:start -->`,
    `### Remapping a field on ${N.toLocaleString('en')} people (${engine}, ${out.date.slice(0, 10)})`,
    '',
    `Command: \`node bench/remap.mjs --n ${N}${values.db ? ' --db postgres://…' : ''} --markdown\`. The mapping of \`job_title\` changed`,
    'from `copy` to `upper`, so every person changes; the background job re-derived and audited each one.',
    '',
    `- Job: **${job.status}**, ${job.done.toLocaleString('en')} of ${job.total.toLocaleString('en')} people, ${(job.result?.changed ?? 0).toLocaleString('en')} changed, in **${jobS.toFixed(1)} s**.`,
    `- Progress seen through \`GET /api/v1/lists/{id}/jobs/{jobId}\`: ${marks.map((m) => `${m.s.toFixed(0)} s → ${m.percent} %`).join(', ')}.`,
    `- Provisioning during the job (4 clients, filter then PATCH): ${requests.toLocaleString('en')} requests, **${errors} errors**, p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms.`,
    `- Loading the ${N.toLocaleString('en')} people by Bulk took ${loadS.toFixed(0)} s; server peak RSS during the job ${peakRss} MB; job status polls that failed: ${pollFailures}.`,
    `<!-- remap:${engine}:end -->`,
  ].join('\n');
  const file = path.join(root, 'bench', 'RESULTS.md');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  const re = new RegExp(`<!-- remap:${engine}:start -->[\\s\\S]*?<!-- remap:${engine}:end -->`);
  text = re.test(text) ? text.replace(re, md) : `${text.trimEnd()}\n\n${md}\n`;
  fs.writeFileSync(file, text);
  log(`updated ${path.relative(root, file)}`);
}
