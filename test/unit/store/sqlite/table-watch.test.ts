/**
 * TableWatch: its epoch moves whenever a watched row may have changed, by this connection (its
 * temporary triggers) or by any other (PRAGMA data_version), and stays put otherwise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TableWatch } from '../../../../src/store/sqlite/table-watch.js';

let dir: string | undefined;
const open: BetterSqlite3.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function connect(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  open.push(db);
  return db;
}

describe('TableWatch', () => {
  it('moves on a watched column\'s update or a delete, by this connection or another; not on other columns, inserts or reads', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-watch-'));
    const file = path.join(dir, 'w.sqlite');
    const db = connect(file);
    db.exec('CREATE TABLE tokens (id TEXT PRIMARY KEY, revoked_at TEXT, last_used_at TEXT); CREATE TABLE other (id INTEGER)');
    db.exec("INSERT INTO tokens VALUES ('a', NULL, NULL), ('b', NULL, NULL)");
    const watch = new TableWatch(db);
    watch.watch('tokens', ['id', 'revoked_at']);
    let e = watch.epoch();
    const moved = () => {
      const now = watch.epoch();
      const did = now !== e;
      e = now;
      return did;
    };

    expect(moved()).toBe(false);
    db.prepare('SELECT * FROM tokens').all();
    expect(moved()).toBe(false);
    db.exec("UPDATE tokens SET last_used_at = 'now' WHERE id = 'a'");
    db.exec("INSERT INTO tokens VALUES ('c', NULL, NULL)");
    db.exec('INSERT INTO other VALUES (1)');
    expect(moved()).toBe(false);

    db.exec("UPDATE tokens SET revoked_at = 'now' WHERE id = 'a'");
    expect(moved()).toBe(true);
    expect(moved()).toBe(false);
    db.exec("DELETE FROM tokens WHERE id = 'b'");
    expect(moved()).toBe(true);
    // Inside a transaction, at the statement, before the commit; a rollback still counts as a move.
    db.exec('BEGIN');
    db.exec("UPDATE tokens SET revoked_at = NULL WHERE id = 'a'");
    expect(moved()).toBe(true);
    db.exec('ROLLBACK');

    // Another connection's commit, whatever it changed: its triggers are not this connection's.
    const cli = connect(file);
    cli.exec("UPDATE tokens SET revoked_at = 'later' WHERE id = 'c'");
    expect(moved()).toBe(true);
    expect(moved()).toBe(false);
    cli.exec('INSERT INTO other VALUES (2)');
    expect(moved()).toBe(true);
  });

  it('watching again replaces its triggers, and a quoted name is taken as a name', () => {
    const db = new BetterSqlite3(':memory:');
    open.push(db);
    db.exec('CREATE TABLE "odd ""name""" ("a b" TEXT)');
    db.exec(`INSERT INTO "odd ""name""" VALUES ('x')`);
    const watch = new TableWatch(db);
    watch.watch('odd "name"', ['a b']);
    watch.watch('odd "name"', ['a b']);
    const triggers = db.prepare("SELECT name FROM sqlite_temp_master WHERE type = 'trigger' ORDER BY name").pluck().all();
    expect(triggers).toEqual(['muster_watch_odd "name"_del', 'muster_watch_odd "name"_upd']);
    const before = watch.epoch();
    db.exec(`UPDATE "odd ""name""" SET "a b" = 'y'`);
    expect(watch.epoch()).toBe(before + 1);
  });
});
