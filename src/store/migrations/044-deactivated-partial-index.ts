import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * `users_list_active` (list, active) held an entry for every person, 28 bytes a person at a
 * million, for the queries that find the deactivated people of a list (`active eq false`, the
 * roster's "deactivated" filter): few people. "Active" finds most of a list, which an index does
 * not help to read, and the sweep of active people by `seq` reads users_list_seq. It becomes
 * `users_list_deactivated`, holding only the people with `active = 0` (issue 16, "indexes that
 * earn their keep"); a create writes one index entry fewer. The queries state the condition as a
 * constant (filter-sql.ts's boolean comparison, RosterRepo's status filter): a partial index
 * serves only a query whose condition implies its own, which a plan made for any bound value
 * (PostgreSQL's generic plans) cannot know, and which SQLite knows only by compiling the statement
 * again for each value bound (bench/RESULTS.md, "A bound LIMIT"). As in
 * 042, PostgreSQL builds the new index before it drops the old one (a build blocks the table's
 * writes, not its reads), reading the whole table once: seconds at a million people.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createIndex('users_list_deactivated').on('users').column('list_id').where(sql.ref('active'), '=', sql.lit(0)).execute();
  await db.schema.dropIndex('users_list_active').ifExists().execute();
}
