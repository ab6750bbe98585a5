import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../../../../src/store/connect.js';
import { backgroundTurn } from '../../../../src/runtime/turns.js';
import { CommitGroups } from '../../../../src/store/sqlite/commit-groups.js';

// Group commit on a serving node's SQLite connection (src/store/sqlite/commit-groups.ts): the
// transactions of one turn of the event loop are savepoints of one transaction, committed together.

const dirs: string[] = [];
const closing: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closing.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function serving(file?: string): Promise<{ conn: Connection; db: Kysely<never>; file: string }> {
  if (!file) {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-groups-'));
    dirs.push(d);
    file = path.join(d, 'm.sqlite');
  }
  const conn = await openDatabase(file, { serving: true });
  const db = conn.db as unknown as Kysely<never>;
  closing.push(() => db.destroy());
  await sql`CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, tx TEXT NOT NULL)`.execute(db);
  return { conn, db, file };
}

/** Another process's view of the file: only what has been committed. */
function observer(file: string) {
  const raw = new BetterSqlite3(file, { readonly: true });
  closing.push(() => { raw.close(); });
  return (tx: string) => (raw.prepare('SELECT count(*) AS n FROM t WHERE tx = ?').get(tx) as { n: number }).n;
}

/** What Store.transaction does: the transaction, then the commit of the group it was in, taken while it was open. */
async function transaction(conn: Connection, fn: (tx: Kysely<never>) => Promise<void>): Promise<void> {
  let own: Promise<void> | undefined;
  await (conn.db as unknown as Kysely<never>).transaction().execute(async (tx) => {
    await fn(tx);
    own = conn.memberCommit?.();
  });
  await own;
}

const insert = (tx: Kysely<never>, name: string) => sql`INSERT INTO t (tx) VALUES (${name})`.execute(tx);
const turn = () => new Promise((r) => setImmediate(r));

describe('group commit (SQLite, serving node)', () => {
  it('transactions begun in one turn commit together: none is visible until the group commits, each is once its caller is answered', async () => {
    const { conn, db, file } = await serving();
    const seen = observer(file);
    const executed: string[] = [];
    const answered = ['a', 'b', 'c'].map(async (name) => {
      await (conn.db as unknown as Kysely<never>).transaction().execute(async (tx) => { await insert(tx, name); });
      executed.push(name);
      // Executed, and the group still open: another connection does not see it yet.
      expect(seen(name)).toBe(0);
      await conn.committed?.();
      expect(seen(name)).toBe(1);
    });
    await Promise.all(answered);
    expect(executed.sort()).toEqual(['a', 'b', 'c']);
    expect((await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(db)).rows[0]!.n).toBe(3);
  });

  it('a group SQLite rolled back on its own after its members were released is reported lost, not committed', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-groups-'));
    dirs.push(d);
    const file = path.join(d, 'm.sqlite');
    const raw = new BetterSqlite3(file);
    closing.push(() => { raw.close(); });
    raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, tx TEXT NOT NULL)');
    let lost = 0;
    const groups = new CommitGroups(raw, file, () => lost++);
    groups.enable();
    closing.push(() => groups.dispose());
    groups.control('begin')!.run();
    raw.prepare("INSERT INTO t (tx) VALUES ('member')").run();
    const committed = groups.memberCommit()!;
    groups.control('commit')!.run(); // released: the group stays open until the end of the turn
    // What SQLite does after some errors inside the open transaction: it rolls all of it back.
    raw.prepare('ROLLBACK').run();
    groups.close();
    await expect(committed).rejects.toThrow(/rolled back/);
    expect(lost).toBe(1);
    expect((raw.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(0);
  });

  it('a transaction that fails is rolled back alone: the others of its group commit', async () => {
    const { conn, file } = await serving();
    const seen = observer(file);
    const results = await Promise.allSettled([
      transaction(conn, (tx) => insert(tx, 'ok1').then(() => undefined)),
      transaction(conn, async (tx) => {
        await insert(tx, 'bad');
        throw new Error('refused');
      }),
      transaction(conn, (tx) => insert(tx, 'ok2').then(() => undefined)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([seen('ok1'), seen('bad'), seen('ok2')]).toEqual([1, 0, 1]);
  });

  it('a transaction that gives the event loop turns inside (a large write) holds the group open until it ends', async () => {
    const { conn, file } = await serving();
    const seen = observer(file);
    await Promise.all([
      transaction(conn, async (tx) => {
        await insert(tx, 'long');
        for (let i = 0; i < 3; i++) await turn();
        await insert(tx, 'long');
      }),
      transaction(conn, (tx) => insert(tx, 'short').then(() => undefined)),
    ]);
    expect([seen('long'), seen('short')]).toEqual([2, 1]);
  });

  it('a write through a second connection of this process closes the first one\'s open group instead of waiting for its lock', async () => {
    const a = await serving();
    const b = await serving(a.file);
    const seen = observer(a.file);
    await (a.conn.db as unknown as Kysely<never>).transaction().execute((tx) => insert(tx, 'from-a').then(() => undefined));
    // a's group is open (its commit is at the end of this turn); b writes now, on the same thread.
    await transaction(b.conn, (tx) => insert(tx, 'from-b').then(() => undefined));
    await a.conn.committed?.();
    expect([seen('from-a'), seen('from-b')]).toEqual([1, 1]);
  });

  it('a statement SQLite refuses inside a transaction (VACUUM) closes the open group first', async () => {
    const { conn, db, file } = await serving();
    const seen = observer(file);
    await (conn.db as unknown as Kysely<never>).transaction().execute((tx) => insert(tx, 'before-vacuum').then(() => undefined));
    await sql`VACUUM`.execute(db);
    expect(seen('before-vacuum')).toBe(1);
    await conn.committed?.();
  });

  it('any mix of transactions, failing or not, giving turns or not, leaves exactly the successful ones, each committed when answered', async () => {
    const { conn, db, file } = await serving();
    const seen = observer(file);
    let run = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ rows: fc.integer({ min: 1, max: 3 }), fails: fc.boolean(), turns: fc.integer({ min: 0, max: 2 }), startAfter: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 12 }),
      async (plan) => {
        run++;
        const name = (i: number) => `r${run}-${i}`;
        const outcomes = await Promise.allSettled(plan.map(async (p, i) => {
          for (let k = 0; k < p.startAfter; k++) await turn();
          await transaction(conn, async (tx) => {
            for (let r = 0; r < p.rows; r++) {
              await insert(tx, name(i));
              for (let k = 0; k < p.turns; k++) await turn();
            }
            if (p.fails) throw new Error('refused');
          });
          // Answered: committed, as another process sees it.
          expect(seen(name(i))).toBe(p.rows);
        }));
        plan.forEach((p, i) => {
          expect(outcomes[i]!.status).toBe(p.fails ? 'rejected' : 'fulfilled');
          if (p.fails) expect(String((outcomes[i] as PromiseRejectedResult).reason)).toContain('refused');
          expect(seen(name(i))).toBe(p.fails ? 0 : p.rows);
        });
        const total = (await sql<{ n: number }>`SELECT count(*) AS n FROM t WHERE tx LIKE ${`r${run}-%`}`.execute(db)).rows[0]!.n;
        expect(total).toBe(plan.reduce((n, p) => n + (p.fails ? 0 : p.rows), 0));
      },
    ), { numRuns: 40 });
  });

  it('a background step (a campaign batch, webhook deliveries) commits the open group before it runs', async () => {
    const { conn, file } = await serving();
    const seen = observer(file);
    const step = backgroundTurn(); // its turn comes before the group's own end-of-turn commit
    await (conn.db as unknown as Kysely<never>).transaction().execute((tx) => insert(tx, 'before-step').then(() => undefined));
    await step;
    expect(seen('before-step')).toBe(1);
    await conn.committed?.();
  });

  it('a group whose COMMIT fails moves the connection\'s watch: what was read from its members meanwhile was never saved', async () => {
    const { conn, db } = await serving();
    await sql`CREATE TABLE parent (id INTEGER PRIMARY KEY)`.execute(db);
    await sql`CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`.execute(db);
    const watch = conn.watch!;
    const before = watch.epoch();
    // A deferred foreign key is checked at COMMIT: the member is released, the group's COMMIT fails.
    await expect(transaction(conn, async (tx) => { await sql`INSERT INTO child (pid) VALUES (999)`.execute(tx); })).rejects.toThrow(/FOREIGN KEY/);
    expect(watch.epoch()).not.toBe(before);
    expect((await sql<{ n: number }>`SELECT count(*) AS n FROM child`.execute(db)).rows).toEqual([{ n: 0 }]);
    // A group that commits does not move it.
    const after = watch.epoch();
    await transaction(conn, async (tx) => { await insert(tx, 'kept'); });
    expect(watch.epoch()).toBe(after);
  });

  it('a transaction learns the commit of its own group, even when a later group has begun by the time it asks', async () => {
    const { conn, db, file } = await serving();
    const seen = observer(file);
    await sql`CREATE TABLE parent (id INTEGER PRIMARY KEY)`.execute(db);
    await sql`CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`.execute(db);
    expect(conn.memberCommit?.()).toBeUndefined(); // outside a transaction
    let first: Promise<void> | undefined;
    await (conn.db as unknown as Kysely<never>).transaction().execute(async (tx) => {
      await sql`INSERT INTO child (pid) VALUES (999)`.execute(tx);
      first = conn.memberCommit?.();
    });
    // That group's COMMIT fails (the deferred key); a second transaction then begins a group of its own, which commits.
    await turn();
    let second: Promise<void> | undefined;
    await (conn.db as unknown as Kysely<never>).transaction().execute(async (tx) => {
      await insert(tx, 'later');
      second = conn.memberCommit?.();
    });
    expect(second).not.toBe(first);
    await expect(first).rejects.toThrow(/FOREIGN KEY/);
    await second;
    expect(seen('later')).toBe(1);
    // What the connection has committed so far resolves: asking it after the fact would have said the first was saved.
    await expect(conn.committed?.()).resolves.toBeUndefined();
  });

  it('a command (not serving) commits each transaction on its own, as before', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-groups-'));
    dirs.push(d);
    const file = path.join(d, 'm.sqlite');
    const conn = await openDatabase(file);
    closing.push(() => conn.db.destroy());
    expect(conn.committed).toBeUndefined();
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, tx TEXT NOT NULL)`.execute(conn.db);
    const seen = observer(file);
    await (conn.db as unknown as Kysely<never>).transaction().execute((tx) => insert(tx, 'alone').then(() => undefined));
    expect(seen('alone')).toBe(1);
  });
});
