import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

const TABLES = ['users', 'groups'] as const;

/**
 * Puts each person's and group's externalId into one index instead of two. A list that keeps
 * externalIds unique (the default) stores each one in `external_id_key` too (else NULL), so every
 * row had the same key in `…_list_external_id` (list_id, external_id) and in the unique
 * `…_list_external_id_key` (list_id, external_id_key). Now:
 * - `…_list_external_id_key` holds only the rows that have a key (`external_id_key IS NOT NULL`),
 *   and still refuses a repeat within a list;
 * - `…_list_external_id` holds only the rows without one (`external_id_key IS NULL`): the lists
 *   that allow repeats, and people who have no externalId.
 * Queries on externalId read the first in lists that keep them unique and the second, with its
 * condition, in the others (filter-sql.ts, externalIdColumn; UsersRepo.byExternalIds). A create
 * writes one index entry fewer: 41 bytes a person, about 10 µs of SQLite's time (bench/RESULTS.md,
 * "externalIds in one index"; issue 16, "indexes that earn their keep"). It all happens in the
 * migration's transaction, so no other writer sees the tables without their unique index (SQLite:
 * under the database's write lock). On PostgreSQL the new indexes are built under other names
 * first (a build blocks the tables' writes, not their reads), and the old ones dropped and the new
 * renamed at the end, so that the exclusive locks a drop takes last from there to the commit, not
 * through the builds. An old node still
 * serving during a rolling upgrade reads a whole list for most `externalId` filters
 * (docs/operations.md, Upgrades).
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const key = sql.ref('external_id_key');
  const build = async (table: (typeof TABLES)[number], suffix: string) => {
    await db.schema.createIndex(`${table}_list_external_id${suffix}`).on(table).columns(['list_id', 'external_id']).where(key, 'is', null).execute();
    await db.schema.createIndex(`${table}_list_external_id_key${suffix}`).on(table).columns(['list_id', 'external_id_key']).unique().where(key, 'is not', null).execute();
  };
  const drop = async (table: (typeof TABLES)[number]) => {
    await db.schema.dropIndex(`${table}_list_external_id`).ifExists().execute();
    await db.schema.dropIndex(`${table}_list_external_id_key`).ifExists().execute();
  };
  if (engine === 'postgres') {
    for (const table of TABLES) await build(table, '_038');
    for (const table of TABLES) {
      await drop(table);
      for (const name of [`${table}_list_external_id`, `${table}_list_external_id_key`]) {
        await sql`ALTER INDEX ${sql.ref(`${name}_038`)} RENAME TO ${sql.ref(name)}`.execute(db);
      }
    }
    return;
  }
  // SQLite has no index rename; the migration holds the database's write lock throughout, and reads go on.
  for (const table of TABLES) {
    await drop(table);
    await build(table, '');
  }
}
