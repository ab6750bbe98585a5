import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * ID photos and self-upload links. Photos live in the database (SQLite BLOB, PostgreSQL bytea):
 * a normalised photo is about 60–120 KB, and every Muster node sees the same ones without a
 * shared disk. At most one photo per person is `approved`; older ones are `superseded`.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const blob = engine === 'postgres' ? 'bytea' : 'blob';
  await db.schema.createTable('photos')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id'))
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('image', sql.raw(blob), (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('reject_reason', 'text')
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', 'text')
    .execute();
  await db.schema.createIndex('photos_queue').on('photos').columns(['list_id', 'status', 'created_at']).execute();
  await db.schema.createIndex('photos_person').on('photos').columns(['person_id', 'status']).execute();
  await db.schema.createTable('photo_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id'))
    .addColumn('person_id', 'text', (c) => c.notNull())
    // SHA-256 of the link's secret: a copy of the database opens no upload page.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('attempts_left', 'integer', (c) => c.notNull())
    .addColumn('consent_text', 'text')
    .addColumn('consent_given_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('photo_links_person').on('photo_links').columns(['person_id']).execute();
}
