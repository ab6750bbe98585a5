import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * The names of an Entra connection's chosen groups, as a JSON object from group id to display
 * name, so the Sync tab shows "Engineering" rather than a GUID. Filled from Graph when the groups
 * are chosen (GET /groups/{id}) and refreshed by every run from groups/delta's displayName
 * (learn.microsoft.com/graph/api/group-delta); null until then.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable('entra_connections').addColumn('group_names', 'text').execute();
}
