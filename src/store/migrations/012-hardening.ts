import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * - `singletons`: one row per once-only event. First-run set-up inserts 'owner-setup' in its
 *   transaction, so two set-ups racing cannot both create an owner (the second meets the key).
 * - `credentials.status_before`: what a credential was (valid or suspended) when its holder's
 *   deactivation revoked it, so reactivation restores exactly that, never undoing a suspension.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('singletons')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('credentials').addColumn('status_before', 'text').execute();
}
