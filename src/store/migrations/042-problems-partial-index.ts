import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * `users_list_problems` holds only the people who have sync problems (`problem_count > 0`), not
 * every person. The roster's "with problems" filter is the one query it serves (few people, found
 * by the index); "without problems", the list's counts and everything else read the list anyway,
 * where an index entry a person bought nothing. 25 bytes a person at a million (issue 16, "indexes
 * that earn their keep"), and one index entry fewer for each person created. The filter states the
 * condition as a constant (RosterRepo.peopleWhere): a partial index is used only for a query whose
 * WHERE implies its own, which a bound parameter does not. On PostgreSQL the new index is built
 * under another name first (a build blocks the table's writes, not its reads), then the old one
 * dropped and the new renamed. The build reads the whole table: a few seconds at a million people.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const build = (name: string) => db.schema.createIndex(name).on('users').column('list_id').where(sql.ref('problem_count'), '>', sql.lit(0)).execute();
  if (engine === 'postgres') {
    await build('users_list_problems_042');
    await db.schema.dropIndex('users_list_problems').ifExists().execute();
    await sql`ALTER INDEX users_list_problems_042 RENAME TO users_list_problems`.execute(db);
    return;
  }
  await db.schema.dropIndex('users_list_problems').ifExists().execute();
  await build('users_list_problems');
}
