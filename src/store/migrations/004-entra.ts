import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/** Entra ID pull sync: one connection per list, and who is in the scoped groups. */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('entra_connections')
    .addColumn('list_id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    // AES-256-GCM with MUSTER_SECRET_KEY; never returned by any API.
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('authority_url', 'text', (c) => c.notNull())
    .addColumn('graph_url', 'text', (c) => c.notNull())
    .addColumn('group_ids', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('users_delta_link', 'text')
    .addColumn('groups_delta_link', 'text')
    .addColumn('next_run_at', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('entra_scope')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('entra_scope_pk', ['list_id', 'group_id', 'user_id'])
    .execute();
  await db.schema.createIndex('entra_scope_user').on('entra_scope').columns(['list_id', 'user_id']).execute();
}
