import type BetterSqlite3 from 'better-sqlite3';

/**
 * Tells, without reading them, whether rows of some tables may have changed: a number, `epoch()`,
 * that moves whenever they may have, so that what was read from them at one epoch can be kept
 * until the next. Two sources, together exact for one SQLite file:
 * - this connection's own writes: temporary triggers (this connection's only) on the columns
 *   watched call a function of this process as each statement changes a row, before it commits;
 * - every other connection's commits (the `muster` command, another process, a second connection
 *   of this one): `PRAGMA data_version` changes (sqlite.org/pragma.html#pragma_data_version).
 *   Reading it opens a read transaction: 4 µs on a quiet copy, 18 µs in a busy server, where the
 *   token look-up's join took 33 µs (bench/RESULTS.md, "A token's look-up kept on SQLite").
 * It errs towards moving: a change rolled back still moved it, as does an update of a row's
 * watched column to the value it had. Reads made inside a transaction see its changes before they
 * are committed: when a transaction is undone after such reads (commit-groups.ts: a group whose
 * COMMIT fails), its owner calls `moved()`.
 */
export class TableWatch {
  private moves = 0;
  private lastVersion: unknown = undefined;
  private readonly version: BetterSqlite3.Statement;

  constructor(private readonly sqlite: BetterSqlite3.Database) {
    sqlite.function('muster_watched_change', { deterministic: false }, () => {
      this.moves++;
      return null;
    });
    this.version = sqlite.prepare('PRAGMA data_version').pluck();
  }

  /**
   * Watches `table`'s deletes and its updates of `columns` (inserts add rows nobody read). Called
   * once the schema is migrated; a trigger of the same name is replaced.
   */
  watch(table: string, columns: readonly string[]): void {
    const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
    const cols = columns.map(q).join(', ');
    for (const [suffix, event] of [['upd', `UPDATE OF ${cols}`], ['del', 'DELETE']] as const) {
      const name = q(`muster_watch_${table}_${suffix}`);
      this.sqlite.exec(`DROP TRIGGER IF EXISTS temp.${name}`);
      this.sqlite.exec(`CREATE TEMP TRIGGER ${name} AFTER ${event} ON main.${q(table)} BEGIN SELECT muster_watched_change(); END`);
    }
    this.moves++;
  }

  /** Moves the epoch: what was read before may not be what is stored. */
  moved(): void {
    this.moves++;
  }

  /** Moves whenever a watched table may have changed since the last call. */
  epoch(): number {
    const v = this.version.get();
    if (v !== this.lastVersion) {
      this.lastVersion = v;
      this.moves++;
    }
    return this.moves;
  }
}
