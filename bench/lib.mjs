// Building blocks of the load benchmark: a keep-alive HTTP client, latency recorders, a bounded
// phase runner, /proc sampling of the server process, and a seeded random source.
// Plain Node (>= 20) with no dependencies.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { execFileSync, spawn } from 'node:child_process';
import { setInterval, clearInterval } from 'node:timers';

// ---------------------------------------------------------------- HTTP

/** A client for one SCIM base URL on this machine: `concurrency` keep-alive sockets. */
export class Client {
  constructor(baseUrl, token, concurrency) {
    const u = new URL(baseUrl);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new Error(`the benchmark only targets 127.0.0.1, not ${u.hostname}`);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.basePath = u.pathname.replace(/\/+$/, '');
    this.auth = `Bearer ${token}`;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  /** Resolves (never rejects) with { status, text, ms, err }; status 0 means no response. */
  request(method, path, body) {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers = { authorization: this.auth, accept: 'application/scim+json' };
      if (data !== undefined) {
        headers['content-type'] = 'application/scim+json';
        headers['content-length'] = Buffer.byteLength(data);
      }
      const done = (status, text, err) => resolve({ status, text, err, ms: performance.now() - t0 });
      const req = http.request({ host: this.host, port: this.port, method, path: this.basePath + path, headers, agent: this.agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), null));
        res.on('error', (err) => done(0, '', err));
      });
      req.setTimeout(120_000, () => req.destroy(new Error('timeout after 120 s')));
      req.on('error', (err) => done(0, '', err));
      req.end(data);
    });
  }

  close() {
    this.agent.destroy();
  }
}

export const parseJson = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** A free TCP port on 127.0.0.1 (listen on 0, read the port, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * `muster serve` (the CLI at `bin`) as a process of its own on a free port, once it answers
 * /healthz; `stop()` sends SIGTERM and waits for it to exit.
 */
export async function startNode(bin, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not yet
    }
    if (i > 300) throw new Error('a node did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port, pid: child.pid,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---------------------------------------------------------------- statistics

const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

/** Latencies (ms) of one operation. */
export class Recorder {
  constructor() {
    this.buf = new Float64Array(1024);
    this.n = 0;
  }

  add(ms) {
    if (this.n === this.buf.length) {
      const b = new Float64Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = ms;
  }

  addAll(other) {
    for (let i = 0; i < other.n; i++) this.add(other.buf[i]);
  }

  stats() {
    const a = this.buf.slice(0, this.n).sort();
    const q = (p) => (a.length ? a[Math.min(a.length - 1, Math.floor(p * a.length))] : NaN);
    let sum = 0;
    for (const x of a) sum += x;
    return { count: a.length, mean: round(sum / a.length), p50: round(q(0.5)), p90: round(q(0.9)), p99: round(q(0.99)), max: round(a[a.length - 1]) };
  }
}

/** The requests of one phase: latencies and errors per operation, plus a few error samples. */
export class Phase {
  constructor(name) {
    this.name = name;
    this.ops = new Map();
    this.requests = 0;
    this.samples = [];
    this.extra = {};
  }

  op(name) {
    if (!this.ops.has(name)) this.ops.set(name, { rec: new Recorder(), http: 0, net: 0, check: 0 });
    return this.ops.get(name);
  }

  /** Records one response; false (and an error) when it failed or its status is not expected. */
  record(opName, r, okStatuses) {
    const o = this.op(opName);
    this.requests++;
    o.rec.add(r.ms);
    if (r.err) {
      o.net++;
      this.sample(`${opName}: ${r.err.code ?? r.err.message}`);
      return false;
    }
    if (!okStatuses.includes(r.status)) {
      o.http++;
      this.sample(`${opName}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      return false;
    }
    return true;
  }

  /** A response that came back fine but said the wrong thing. */
  checkFail(opName, msg) {
    this.op(opName).check++;
    this.sample(`${opName}: ${msg}`);
  }

  sample(msg) {
    if (this.samples.length < 5) this.samples.push(msg);
  }
}

// ---------------------------------------------------------------- the server process

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a /proc stat line, and its parent's pid, in clock ticks. */
function statOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
}

/**
 * RSS, high-water mark (MB) and CPU seconds (user+system) of a process, from /proc. The CPU counts
 * its child processes too (on SQLite the lane of whole-list queries runs in one,
 * src/store/sqlite/scan-process.ts): those running now, and those it has waited for. `childRssMB`
 * is the RSS of those running now, apart from the server's own.
 */
export function readProc(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
    const own = statOf(pid);
    let ticks = own.ticks + own.childTicks;
    let childKb = 0;
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || Number(d) === Number(pid)) continue;
      try {
        const c = statOf(d);
        if (c.ppid !== Number(pid)) continue;
        ticks += c.ticks;
        childKb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] ?? 0);
      } catch { /* it ended */ }
    }
    return { rssMB: round(kb('VmRSS') / 1024, 1), hwmMB: round(kb('VmHWM') / 1024, 1), childRssMB: round(childKb / 1024, 1), cpuS: ticks / CLK_TCK };
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) of each thread of a process, from /proc/PID/task: `main` for the
 * main thread (the event loop), `tTID` for each other (Node 20 names them all `node`: V8's
 * garbage collection and compiler helpers, libuv's pool, worker threads such as the SQLite
 * checkpointer). Threads that ended are gone from it: compare two readings for where a phase's CPU
 * went, not for a total (readProc has that).
 */
export function readThreads(pid) {
  const out = {};
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = Number(tid) === Number(pid) ? 'main' : `t${tid}`;
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / CLK_TCK;
      } catch { /* the thread ended */ }
    }
  } catch { /* the process ended */ }
  return out;
}

/** Where CPU went between two readThreads readings: { name: seconds }, largest first, zero left out. */
export function threadsDelta(before, after) {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]));
}

/** Samples a process's RSS every `everyMs`; `peak()` is the highest since the last `reset()`. */
export class RssSampler {
  constructor(pid, everyMs = 200) {
    this.pid = pid;
    this.phasePeak = 0;
    this.overallPeak = 0;
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample() {
    const p = readProc(this.pid);
    if (!p) return null;
    this.phasePeak = Math.max(this.phasePeak, p.rssMB);
    this.overallPeak = Math.max(this.overallPeak, p.rssMB);
    return p;
  }

  reset() {
    this.phasePeak = 0;
    return this.sample();
  }

  stop() {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------- phases

/**
 * Runs `fn(i, phase)` for i in [0, items) on `concurrency` workers, stopping early (and saying
 * so) after `maxS` seconds. Returns every figure of the phase.
 */
export async function runPhase({ name, items, concurrency, maxS, server, log }, fn) {
  const ph = new Phase(name);
  const before = server?.reset();
  const deadline = performance.now() + maxS * 1000;
  const t0 = performance.now();
  const progressEvery = Math.max(1, Math.floor(items / 5));
  let next = 0, done = 0, truncated = false;
  const worker = async () => {
    for (;;) {
      if (performance.now() > deadline) {
        truncated = next < items;
        return;
      }
      const i = next++;
      if (i >= items) return;
      await fn(i, ph);
      done++;
      if (items >= 1000 && done % progressEvery === 0 && done < items) log?.(`    ${name} ${done}/${items} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items)) }, worker));
  const wallS = (performance.now() - t0) / 1000;
  const after = server?.sample();
  const all = new Recorder();
  const ops = {};
  const errors = { http: 0, net: 0, check: 0 };
  for (const [k, o] of ph.ops) {
    all.addAll(o.rec);
    ops[k] = { ...o.rec.stats(), errors: o.http + o.net + o.check, reqPerS: round(o.rec.n / wallS, 1) };
    errors.http += o.http;
    errors.net += o.net;
    errors.check += o.check;
  }
  return {
    phase: name, items: done, itemsPlanned: items, concurrency: Math.min(concurrency, items), requests: ph.requests,
    wallS: round(wallS, 3), reqPerS: round(ph.requests / wallS, 1), itemsPerS: round(done / wallS, 1),
    truncated, errors, errorCount: errors.http + errors.net + errors.check, errorSamples: ph.samples,
    latencyMs: all.stats(), ops, extra: ph.extra,
    server: before && after ? { cpuS: round(after.cpuS - before.cpuS, 2), rssPeakMB: server.phasePeak, rssEndMB: after.rssMB } : null,
  };
}

// ---------------------------------------------------------------- randomness

/** mulberry32: a small seeded generator, so every run picks the same users. */
export function rng(seed) {
  let a = seed | 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const shuffled = (n) => {
    const a2 = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = int(i + 1);
      [a2[i], a2[j]] = [a2[j], a2[i]];
    }
    return a2;
  };
  return { next, int, shuffled };
}
