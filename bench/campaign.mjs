// Photo campaign benchmark (issue 14, "How it is checked"): loads N people into a list (Bulk), then
// measures SCIM provisioning latency with no campaign, starts a campaign that invites all N by
// email through a real SMTP server on loopback (the smtp-server devDependency, in a process of its
// own, accepting every message), measures the same provisioning traffic while the campaign is queued
// and sent, and measures it once more afterwards. Reports the time to queue and to send, the send
// rate, and the latency during the campaign against the mean of before and after.
//
//   npm run build && node bench/campaign.mjs [--n 10000] [--window 30] [--rate 10] [--db postgres://…] [--markdown]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, freePort, readProc } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'cpu-prof': { type: 'string' }, n: { type: 'string', default: '10000' }, window: { type: 'string', default: '30' }, rate: { type: 'string', default: '10' }, db: { type: 'string' }, markdown: { type: 'boolean' } } });
const N = Number(values.n);
const WINDOW_S = Number(values.window);
const RATE = Number(values.rate);
const log = (s) => process.stdout.write(s + '\n');

// ---- the SMTP server: counts what it accepts. It runs in its own process, as a relay would: in
// the driver's process its work would delay the driver's own clocks and inflate the latencies it
// measures. It reports each accepted message's time (ms since it started) on stdout.
const SMTP_CHILD = `
import { SMTPServer } from 'smtp-server';
const t0 = Date.now();
const smtp = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true, logger: false, closeTimeout: 100, size: 1_000_000,
  onData(stream, _session, cb) {
    stream.on('data', () => undefined);
    stream.on('end', () => { process.stdout.write('a ' + (Date.now() - t0) + '\\n'); cb(null, 'queued'); });
  },
});
smtp.listen(0, '127.0.0.1', () => process.stdout.write('port ' + smtp.server.address().port + '\\n'));
`;
let received = 0;
let firstAt = 0, lastAt = 0;
const smtpChild = spawn(process.execPath, ['--input-type=module', '-e', SMTP_CHILD], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const smtpPort = await new Promise((resolve) => {
  let buf = '';
  smtpChild.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('port ')) resolve(Number(line.slice(5)));
      else if (line.startsWith('a ')) {
        received++;
        lastAt = Number(line.slice(2));
        firstAt ||= lastAt;
      }
    }
  });
});
process.on('exit', () => smtpChild.kill('SIGKILL'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-campaign-'));
const dbUrl = values.db ?? path.join(dir, 'muster.sqlite');
const port = await freePort();
const env = {
  ...process.env, MUSTER_DATABASE_URL: dbUrl, MUSTER_DATA_DIR: dir, MUSTER_DEMO: 'false', MUSTER_LOG_LEVEL: 'error', MUSTER_RATE_LIMIT: '0', PORT: String(port), HOST: '127.0.0.1',
  MUSTER_SMTP_URL: `smtp://127.0.0.1:${smtpPort}?tls=none`, MUSTER_SMTP_FROM: 'Bench <bench@example.com>',
};
const bin = path.join(root, 'bin/muster.js');
const cli = (...args) => JSON.parse(execFileSync(process.execPath, [bin, ...args, '--json'], { env, encoding: 'utf8' }));
const list = cli('lists', 'create', '--name', 'Campaign bench', '--uid', 'userName', '--org', 'Bench');
const key = cli('admin-keys', 'create', '--org', 'Bench').key;
// --cpu-prof DIR: the server writes a V8 CPU profile there when it exits (kept out of the repository).
const profArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
const server = spawn(process.execPath, [...profArgs, bin, 'serve', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => server.stdout.on('data', (d) => String(d).includes('listening') && resolve()));
process.on('exit', () => server.kill('SIGKILL'));

const scim = new Client(list.scimBaseUrl, list.token, 8);
const admin = new Client(`http://127.0.0.1:${port}/api/v1`, key, 2);
const body = (i) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  userName: `camp${i}@example.com`, name: { givenName: `Given${i}`, familyName: `Family${i}` }, title: `Engineer ${i % 50}`,
  emails: [{ value: `camp${i}@example.com`, type: 'work', primary: true }],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: String(100000 + i), department: `Dept ${i % 20}` },
});

// ---- load
const tLoad = performance.now();
const BULK = 1000;
for (let i = 0; i < N; i += BULK) {
  const ops = [];
  for (let j = i; j < Math.min(N, i + BULK); j++) ops.push({ method: 'POST', path: '/Users', data: body(j) });
  const r = await scim.request('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops });
  if (r.status !== 200 || r.text.includes('"status":"4')) throw new Error(`bulk load failed: ${r.status} ${r.text.slice(0, 300)}`);
}
log(`loaded ${N} people in ${((performance.now() - tLoad) / 1000).toFixed(1)} s`);

// ---- provisioning traffic, open loop: a round every 1/RATE s whatever the server does (as an IdP
// provisions), each a filter by userName then a PATCH of the title, and every 10th a new person.
// Latency is then service time plus what the campaign makes a request wait, not queueing behind
// the benchmark's own clients.
let created = 0;
function summary(latencies) {
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? 0;
  const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
  return { requests: latencies.length, p50: pct(50), p95: pct(95), p99: pct(99), mean };
}
const points = [];
async function traffic(until) {
  const latencies = [];
  let errors = 0;
  const samples = [];
  const record = (r) => {
    latencies.push(r.ms);
    points.push({ at: performance.now(), ms: r.ms });
    if (r.status >= 300 || r.status === 0) {
      errors++;
      if (samples.length < 5) samples.push(`${r.status} ${r.err?.message ?? r.text.slice(0, 120)}`);
    }
  };
  const round = async (i) => {
    const n = (i * 7919) % N;
    const f = await scim.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "camp${n}@example.com"`)}`);
    record(f);
    const id = f.status === 200 ? JSON.parse(f.text)?.Resources?.[0]?.id : undefined;
    if (id) record(await scim.request('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `Lead ${i}` }] }));
    if (i % 10 === 0) record(await scim.request('POST', '/Users', { ...body(0), userName: `new${created++}@example.com`, emails: [{ value: `new${created}@example.com`, type: 'work', primary: true }] }));
  };
  const inflight = new Set();
  const t0 = performance.now();
  const cpu0 = readProc(server.pid)?.cpuS ?? 0;
  for (let i = 0; !until(); i++) {
    const p = round(i).finally(() => inflight.delete(p));
    inflight.add(p);
    const next = t0 + ((i + 1) * 1000) / RATE;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await Promise.all(inflight);
  const cpu1 = readProc(server.pid)?.cpuS ?? 0;
  // The server's share of one core over the window: the provisioning traffic's own, plus the campaign's.
  return { ...summary(latencies), errors, samples, serverCpu: (cpu1 - cpu0) / ((performance.now() - t0) / 1000) };
}
const forSeconds = (s) => { const end = performance.now() + s * 1000; return () => performance.now() >= end; };
const fmt = (t) => `${t.requests} requests, ${t.errors} errors, mean ${t.mean.toFixed(1)} ms, p50 ${t.p50.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms, p99 ${t.p99.toFixed(1)} ms${t.serverCpu === undefined ? '' : `, server CPU ${(t.serverCpu * 100).toFixed(0)} % of a core`}`;

// ---- settle: what the load leaves behind (outbox consumers working through 10,000 person.created
// events, the WAL checkpoint) would otherwise fall into the "before" window and make the campaign
// look cheaper than it is. Wait until the server has used under 5 % of a core for 3 s running.
{
  const tSettle = performance.now();
  let quiet = 0, last = readProc(server.pid)?.cpuS ?? 0;
  while (quiet < 3 && performance.now() - tSettle < 300_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const cpu = readProc(server.pid)?.cpuS ?? 0;
    // The profiler's own sampling keeps a profiled server at 10–20 % of a core when idle.
    quiet = cpu - last < (values['cpu-prof'] ? 0.25 : 0.05) ? quiet + 1 : 0;
    last = cpu;
  }
  log(`settled in ${((performance.now() - tSettle) / 1000).toFixed(1)} s`);
}
// ---- warm up: the first requests of each kind also pay for V8 compiling and optimising their
// code paths, and the database pages they read come into the cache; unmeasured.
await traffic(forSeconds(Math.min(15, WINDOW_S)));
points.length = 0;
const load0 = os.loadavg();
const before = await traffic(forSeconds(WINDOW_S));
log(`before: ${fmt(before)}`);

// ---- the campaign, with the same traffic running until every invitation is sent
const t0 = performance.now();
const start = await admin.request('POST', `/lists/${list.id}/campaigns`, { hours: 168 });
if (start.status !== 202) throw new Error(`campaign start answered ${start.status}: ${start.text}`);
const campaignId = JSON.parse(start.text).id;
let queuedAt = 0, queuedS = 0, sentS = 0, peakRss = 0, totals, polls = 0, pollFailures = 0;
const progress = [];
const pollMs = [];
let done = false;
const watcher = (async () => {
  for (;;) {
    // Every 5 s: the page's own poll is part of the load, not the thing measured.
    await new Promise((r) => setTimeout(r, 5000));
    const res = await admin.request('GET', `/lists/${list.id}/campaigns/${campaignId}`);
    polls++;
    pollMs.push(res.ms);
    if (res.status !== 200) { pollFailures++; continue; }
    const c = JSON.parse(res.text);
    totals = c.totals;
    peakRss = Math.max(peakRss, readProc(server.pid)?.rssMB ?? 0);
    const s = (performance.now() - t0) / 1000;
    progress.push({ s, invited: c.totals.people - c.totals.pending, sent: c.totals.sent, selected: c.totals.selected });
    if (!queuedS && c.status === 'finished') { queuedS = s; queuedAt = performance.now(); }
    if (c.status === 'finished' && c.totals.sent >= N) { sentS = s; done = true; return; }
    if (s > 3600) { done = true; return; }
  }
})();
const during = await traffic(() => done);
await watcher;
const load1 = os.loadavg();
// The campaign's two parts: queueing (selecting people, links, outbox rows), then the outbox sending.
const whileQueueing = summary(points.filter((p) => p.at >= t0 && p.at < queuedAt).map((p) => p.ms));
const whileSending = summary(points.filter((p) => p.at >= queuedAt && p.at < t0 + sentS * 1000).map((p) => p.ms));
log(`campaign: all ${N} queued in ${queuedS.toFixed(1)} s, sent in ${sentS.toFixed(1)} s; SMTP server received ${received}`);
log(`during: ${fmt(during)}`);
log(`  while queueing: ${fmt({ ...whileQueueing, errors: '-' })}`);
log(`  while sending: ${fmt({ ...whileSending, errors: '-' })}`);
const after = await traffic(forSeconds(WINDOW_S));
log(`after: ${fmt(after)}`);
const load2 = os.loadavg();

scim.close();
admin.close();
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
process.removeAllListeners('exit');
smtpChild.kill('SIGTERM');
fs.rmSync(dir, { recursive: true, force: true });

const engine = dbUrl.startsWith('postgres') ? 'postgres' : 'sqlite';
const baseline = { mean: (before.mean + after.mean) / 2, p50: (before.p50 + after.p50) / 2, p99: (before.p99 + after.p99) / 2 };
const rise = (k) => ((during[k] / baseline[k]) - 1) * 100;
const sendRate = received / Math.max(0.001, (lastAt - firstAt) / 1000);
const out = {
  date: new Date().toISOString(), engine, people: N, windowSeconds: WINDOW_S, queuedSeconds: queuedS, sentSeconds: sentS, received, sendRate, totals, progress,
  campaignPage: summary([...pollMs]), before, during, whileQueueing, whileSending, after, rise: { mean: rise('mean'), p50: rise('p50'), p99: rise('p99') }, peakRssMB: peakRss, loadavg: { start: load0, campaignEnd: load1, end: load2 }, cpus: os.cpus().length, polls, pollFailures,
};
fs.writeFileSync(path.join(root, 'bench', `campaign-${engine}.json`), JSON.stringify(out, null, 2) + '\n');
log(`send rate ${sendRate.toFixed(0)} messages/s; latency during vs. before/after: mean ${rise('mean').toFixed(0)} %, p50 ${rise('p50').toFixed(0)} %, p99 ${rise('p99').toFixed(0)} %`);
if (values.markdown) {
  const row = (name, t) => `| ${name} | ${t.requests.toLocaleString('en')} | ${t.errors} | ${t.mean.toFixed(1)} | ${t.p50.toFixed(1)} | ${t.p95.toFixed(1)} | ${t.p99.toFixed(1)} | ${t.serverCpu === undefined ? '–' : (t.serverCpu * 100).toFixed(0)} |`;
  const la = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  const md = [
    `<!-- campaign:${engine}:start -->`,
    `### A photo campaign of ${N.toLocaleString('en')} people (${engine}, ${out.date.slice(0, 10)}, ${out.cpus} cores)`,
    '',
    `Command: \`node bench/campaign.mjs --n ${N} --window ${WINDOW_S} --rate ${RATE}${values.db ? ' --db postgres://…' : ''} --markdown\`. ${N.toLocaleString('en')} people loaded by Bulk, all with an`,
    'email address and no photo; the campaign invites all of them (own link each) through a real SMTP server on loopback (smtp-server, in a',
    `process of its own, accepting everything) while SCIM provisioning goes on at a fixed rate (open loop): ${RATE} rounds a second, each a filter`,
    'by userName and a PATCH of the title, and a new person every 10th round. Before the first window the server settles (under 5 % of a core',
    'for 3 s) and the same traffic runs 15 s unmeasured (warm-up).',
    `The server sends at most ${process.env.MUSTER_SMTP_MAX_PER_SECOND ? `MUSTER_SMTP_MAX_PER_SECOND=${process.env.MUSTER_SMTP_MAX_PER_SECOND}` : '50 messages a second (MUSTER_SMTP_MAX_PER_SECOND, the default)'}; the campaign queues no further than 100 messages ahead of sending.`,
    '',
    `- All ${N.toLocaleString('en')} invitations **queued in ${queuedS.toFixed(1)} s** (people selected, links made, messages in the outbox) and **sent in ${sentS.toFixed(1)} s**; the SMTP server accepted ${received.toLocaleString('en')}: **${sendRate.toFixed(0)} messages/s**.`,
    `- Provisioning latency during the campaign against the mean of the windows before and after (${WINDOW_S} s each): mean **${rise('mean') >= 0 ? '+' : ''}${rise('mean').toFixed(0)} %**, p50 ${rise('p50') >= 0 ? '+' : ''}${rise('p50').toFixed(0)} %, p99 ${rise('p99') >= 0 ? '+' : ''}${rise('p99').toFixed(0)} % (target: not more than +20 %).`,
    '',
    '| window | requests | errors | mean ms | p50 ms | p95 ms | p99 ms | server CPU, % of a core |',
    '|---|---|---|---|---|---|---|---|',
    // A phase with no request in it (queueing that kept pace with sending to the end) has no row.
    ...[['before', before], ['during the campaign', during], ['… while queueing', { ...whileQueueing, errors: '–' }], ['… while sending', { ...whileSending, errors: '–' }], ['after', after]]
      .filter(([, t]) => t.requests > 0).map(([name, t]) => row(name, t)),
    '',
    `- Machine load (1/5/15-minute load average) at the start ${la(load0)}, when the campaign was sent ${la(load1)}, at the end ${la(load2)}; other agents share the ${out.cpus} cores, so the windows are measured side by side and compared by ratio.`,
    `- Server peak RSS during the campaign ${peakRss} MB; the campaign's status (\`GET …/campaigns/{id}\`, every 5 s) answered in p50 ${summary([...pollMs]).p50.toFixed(0)} ms, p99 ${summary([...pollMs]).p99.toFixed(0)} ms; polls that failed: ${pollFailures} of ${polls}.`,
    `- Errors during the campaign: ${during.errors}${during.samples.length ? ` (${during.samples.join('; ')})` : ''}.`,
    `<!-- campaign:${engine}:end -->`,
  ].join('\n');
  const file = path.join(root, 'bench', 'RESULTS.md');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  const re = new RegExp(`<!-- campaign:${engine}:start -->[\\s\\S]*?<!-- campaign:${engine}:end -->`);
  text = re.test(text) ? text.replace(re, md) : `${text.trimEnd()}\n\n${md}\n`;
  fs.writeFileSync(file, text);
  log(`updated ${path.relative(root, file)}`);
}
