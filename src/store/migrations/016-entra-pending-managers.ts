import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Entra manager references not resolved yet: a person whose Entra manager is not on the list.
 * Graph sends `manager@delta` only when the link changes (learn.microsoft.com/graph/api/user-delta),
 * so a manager who joins the list in a later delta round would never be linked without this
 * memory of who is waiting for whom. Resolved (and deleted) when the manager arrives.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('entra_pending_managers')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('manager_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('entra_pending_managers_pk', ['list_id', 'user_id'])
    .execute();
  await db.schema.createIndex('entra_pending_managers_manager').on('entra_pending_managers').columns(['list_id', 'manager_id']).execute();
}
