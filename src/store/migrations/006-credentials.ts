import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Credentials issued to people (printed cards; wallet passes later) and every verification of
 * one. A credential's status changes with its holder's lifecycle in the same transaction as the
 * change that caused it, so a deactivated person's card fails verification at once.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  await db.schema.createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id'))
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // The secret in the QR code's URL: 256 random bits, so verification URLs cannot be guessed.
    .addColumn('verify_code', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credentials_person').on('credentials').columns(['person_id', 'status']).execute();
  await db.schema.createIndex('credentials_list').on('credentials').columns(['list_id', 'created_at']).execute();
  const seq = engine === 'postgres' ? 'bigserial' : 'integer';
  await db.schema.createTable('credential_verifications')
    .addColumn('id', sql.raw(seq), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('credential_id', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('credential_verifications_cred').on('credential_verifications').columns(['credential_id', 'at']).execute();
}
