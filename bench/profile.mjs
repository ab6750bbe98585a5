#!/usr/bin/env node
// Where the server's CPU goes, phase by phase: reads the V8 CPU profile that
// `bench.mjs --cpu-prof DIR` made the server write, cuts it by the phase windows bench.mjs
// recorded beside it (both on CLOCK_MONOTONIC), and prints, per phase, the top functions by self
// time and the same time rolled up by file or package, in µs per request.
//
//   node bench/bench.mjs --sizes 20000 --cpu-prof /tmp/muster-prof
//   node bench/profile.mjs /tmp/muster-prof [--top 12] [--markdown FILE.md]
//
// The profiles stay outside the repository (they are tens of MB); open one in Chrome DevTools or
// speedscope for the flame graph.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '12' }, markdown: { type: 'string' } }, allowPositionals: true });
const dir = positionals[0];
if (!dir) {
  console.error('usage: node bench/profile.mjs DIR [--top 12] [--markdown FILE.md]');
  process.exit(1);
}
const TOP = Number(values.top);

/** A readable place for a frame: dist/lists/scim-service.js:120, node_modules/<pkg>, node:internal/…, or (native). */
function where(cf) {
  const u = cf.url ?? '';
  if (!u) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (nm) return `${nm[1]}`;
  const d = /\/dist\/(.+)$/.exec(u);
  if (d) return `${d[1]}:${cf.lineNumber + 1}`;
  if (u.startsWith('node:')) return u;
  return path.basename(u);
}
/** The file or package a frame belongs to, for the roll-up. */
function area(cf) {
  const u = cf.url ?? '';
  if (!u) return cf.functionName.startsWith('(') ? cf.functionName : '(native: V8 builtins, better-sqlite3, crypto, zlib…)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (nm) return `package ${nm[1]}`;
  const d = /\/dist\/(.+)$/.exec(u);
  if (d) return d[1];
  if (u.startsWith('node:')) return `node ${u.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  return path.basename(u);
}

function analyse(profile, windows) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const times = new Float64Array(profile.samples.length);
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    times[i] = t;
  }
  const out = [];
  for (const w of windows) {
    const fn = new Map();
    const ar = new Map();
    const incl = new Map();
    let total = 0, idle = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      if (times[i] < w.fromUs || times[i] >= w.toUs) continue;
      const dt = profile.timeDeltas[i + 1] ?? 0;
      const node = byId.get(profile.samples[i]);
      const cf = node.callFrame;
      if (cf.functionName === '(idle)') {
        idle += dt;
        continue;
      }
      total += dt;
      const k = `${cf.functionName || '(anonymous)'} ${where(cf)}`;
      fn.set(k, (fn.get(k) ?? 0) + dt);
      const a = area(cf);
      ar.set(a, (ar.get(a) ?? 0) + dt);
      // Inclusive time of Muster's own functions (dist/), each counted once per sample.
      const seen = new Set();
      for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
        const f = byId.get(id).callFrame;
        if (!/\/dist\//.test(f.url ?? '') || /node_modules/.test(f.url)) continue;
        const key = `${f.functionName || '(anonymous)'} ${where(f)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        incl.set(key, (incl.get(key) ?? 0) + dt);
      }
    }
    const top = (m) => [...m].sort((x, y) => y[1] - x[1]).slice(0, TOP);
    out.push({ ...w, busyUs: total, idleUs: idle, functions: top(fn), areas: top(ar), inclusive: top(incl) });
  }
  return out;
}

const fmt = (x, d = 0) => Number(x).toLocaleString('en-GB', { maximumFractionDigits: d, minimumFractionDigits: d });
const lines = [];
for (const f of fs.readdirSync(dir).filter((x) => /^phases-.*\.json$/.test(x)).sort()) {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const file = path.join(dir, meta.profile);
  if (!fs.existsSync(file)) {
    console.error(`${meta.profile}: missing (the server must exit on SIGTERM for V8 to write it)`);
    continue;
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  lines.push(`#### ${fmt(meta.n)} users, ${meta.engine}`, '');
  for (const p of analyse(profile, meta.windows)) {
    // V8 samples on a wall-clock timer, so on a busy machine a sample also covers time the thread
    // waited for a core: the shares are the profile's, the µs are the server CPU /proc measured
    // for the phase (all threads), divided in those shares.
    const cpuPerReq = p.cpuS !== null && p.requests ? (p.cpuS * 1e6) / p.requests : null;
    const per = (us) => (cpuPerReq === null || !p.busyUs ? '–' : fmt((cpuPerReq * us) / p.busyUs));
    lines.push(`**${p.phase}**: ${fmt(p.requests)} requests, server CPU ${cpuPerReq === null ? '–' : fmt(cpuPerReq)} µs per request ` +
      `(/proc); ${fmt(p.busyUs / 1e6, 1)} s of busy samples on the main thread, ${fmt(p.idleUs / 1e6, 1)} s idle`, '');
    lines.push('| self time, top functions | µs/request | share |', '|---|---:|---:|');
    for (const [k, us] of p.functions) lines.push(`| \`${k.replace(/\|/g, '\\|')}\` | ${per(us)} | ${fmt((100 * us) / p.busyUs, 1)}% |`);
    lines.push('', '| self time by file or package | µs/request | share |', '|---|---:|---:|');
    for (const [k, us] of p.areas) lines.push(`| ${k.replace(/\|/g, '\\|')} | ${per(us)} | ${fmt((100 * us) / p.busyUs, 1)}% |`);
    lines.push('', '| inclusive time, Muster\'s own functions | µs/request | share |', '|---|---:|---:|');
    for (const [k, us] of p.inclusive) lines.push(`| \`${k.replace(/\|/g, '\\|')}\` | ${per(us)} | ${fmt((100 * us) / p.busyUs, 1)}% |`);
    lines.push('');
  }
}
const text = lines.join('\n');
if (values.markdown) fs.writeFileSync(values.markdown, text + '\n');
console.log(text);
