import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

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
 * "externalIds in one index"; issue 16, "indexes that earn their keep"). Both indexes are rebuilt here, in the migration's transaction,
 * so uniqueness is never unenforced. An old node still serving during a rolling upgrade reads a
 * whole list for an `externalId` filter (docs/operations.md, Upgrades).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  for (const table of ['users', 'groups'] as const) {
    const key = sql.ref('external_id_key');
    await db.schema.dropIndex(`${table}_list_external_id`).ifExists().execute();
    await db.schema.createIndex(`${table}_list_external_id`).on(table).columns(['list_id', 'external_id']).where(key, 'is', null).execute();
    await db.schema.dropIndex(`${table}_list_external_id_key`).ifExists().execute();
    await db.schema.createIndex(`${table}_list_external_id_key`).on(table).columns(['list_id', 'external_id_key']).unique().where(key, 'is not', null).execute();
  }
}
