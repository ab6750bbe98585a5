// What each SQLite statement costs the server, by statement text: a preload for `muster serve`
// (NODE_OPTIONS=--import …/bench/sqlite-statements.mjs), used by `bench.mjs --statements DIR`.
//
// It wraps better-sqlite3's `run`, `get` and `all` (not `iterate`: streamed reads are timed by
// nobody) and keeps, per statement text, the calls and their wall time, measured around the
// call on the server's main thread: SQLite's own work, its file locks and system calls, and
// better-sqlite3 building the rows. Around each COMMIT it also reads the WAL index's frame count
// (the `mxFrame` field of the header at the start of the `-shm` file, sqlite.org/walformat.html),
// so that it can say how many pages each group of writes put into the log; a commit after which
// the log started over is counted apart (its frames are not known).
//
// On SIGUSR2 it writes what it kept since the last signal to `${MUSTER_BENCH_STATEMENTS}-<k>.json`
// (k = 1, 2, …) and starts again. The timing itself costs a few microseconds a statement, and
// reading the frame count two `pread`s a commit: compare runs made with it only with each other.
import fs from 'node:fs';
import { createRequire } from 'node:module';

if (process.argv.includes('serve') && process.env.MUSTER_BENCH_STATEMENTS) {
  // The server's own better-sqlite3 (CommonJS): the prototype its statements share.
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const out = process.env.MUSTER_BENCH_STATEMENTS;
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1'));
  probe.close();
  let stats = new Map();
  let wal = { commits: 0, frames: 0, restarted: 0, restartedUs: 0, slow: 0, slowUs: 0, longest: [] };
  const shm = new Map(); // database file -> fd of its -shm
  const header = Buffer.alloc(4);
  const frames = (db) => {
    if (!db.name || db.name === ':memory:') return undefined;
    let fd = shm.get(db.name);
    if (fd === undefined) {
      try {
        fd = fs.openSync(`${db.name}-shm`, 'r');
      } catch {
        return undefined;
      }
      shm.set(db.name, fd);
    }
    return fs.readSync(fd, header, 0, 4, 16) === 4 ? header.readUInt32LE(0) : undefined;
  };
  const isCommit = (sql) => /^\s*(commit|end)\b/i.test(sql);
  for (const method of ['run', 'get', 'all']) {
    const original = proto[method];
    proto[method] = function timed(...args) {
      const commit = method === 'run' && isCommit(this.source);
      const before = commit ? frames(this.database) : undefined;
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const us = Number(process.hrtime.bigint() - t0) / 1000;
        const key = this.source.replace(/\s+/g, ' ').trim();
        let s = stats.get(key);
        if (!s) stats.set(key, (s = { calls: 0, us: 0 }));
        s.calls++;
        s.us += us;
        if (commit) {
          const after = frames(this.database);
          wal.commits++;
          if (before === undefined || after === undefined || after < before) {
            wal.restarted++;
            wal.restartedUs += us;
          } else wal.frames += after - before;
          // Commits over 5 ms: SQLite's own checkpoint, when the log reaches 1,000 pages, runs in
          // the COMMIT that takes it there and syncs the database file before returning.
          if (us > 5000) {
            wal.slow++;
            wal.slowUs += us;
          }
          // The five longest commits, with the frames the log had before each: an automatic
          // checkpoint (the log at 1,000 pages) shows as a long commit after which it started over.
          if (wal.longest.length < 5 || us > wal.longest[wal.longest.length - 1].us) {
            wal.longest.push({ us: Math.round(us), before: before ?? null, after: after ?? null });
            wal.longest.sort((a, b) => b.us - a.us);
            wal.longest.length = Math.min(wal.longest.length, 5);
          }
        }
      }
    };
  }
  let k = 0;
  process.on('SIGUSR2', () => {
    const statements = [...stats].map(([sql, s]) => ({ sql, calls: s.calls, us: Math.round(s.us) })).sort((a, b) => b.us - a.us);
    fs.writeFileSync(`${out}-${++k}.json`, JSON.stringify({ statements, wal }) + '\n');
    stats = new Map();
    wal = { commits: 0, frames: 0, restarted: 0, restartedUs: 0, slow: 0, slowUs: 0, longest: [] };
  });
}
