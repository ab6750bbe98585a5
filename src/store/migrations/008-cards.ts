import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/** Card templates per list, and the PDF each print job produced (kept so it can be downloaded again). */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  await db.schema.createTable('card_templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('card_templates_list').on('card_templates').columns(['list_id', 'created_at']).execute();
  await db.schema.createTable('print_outputs')
    .addColumn('job_id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('pdf', sql.raw(engine === 'postgres' ? 'bytea' : 'blob'))
    .addColumn('pages', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
