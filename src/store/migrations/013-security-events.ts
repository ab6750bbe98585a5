import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * The organisation's security log: sign-ins (and failed ones), account and admin-key changes.
 * These belong to no list, so they are not in a list's audit trail; owners and admins read them
 * through GET /api/v1/security-events.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  await db.schema.createTable('security_events')
    .addColumn('id', sql.raw(engine === 'postgres' ? 'bigserial' : 'integer'), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('detail', 'text')
    .addColumn('address', 'text')
    .execute();
  await db.schema.createIndex('security_events_org').on('security_events').columns(['org_id', 'id']).execute();
}
