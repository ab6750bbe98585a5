import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Entra profile photos: whether a connection syncs them, and when each person's was last fetched
 * (Graph does not report photo changes through users/delta, so a photo is fetched for people
 * without an approved or pending one, at most once a week).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable('entra_connections').addColumn('sync_photos', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createTable('entra_photo_checks')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    // none (no photo in Entra), pending (stored for review), refused (failed the checks)
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('entra_photo_checks_pk', ['list_id', 'person_id'])
    .execute();
}
