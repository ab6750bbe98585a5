import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * The fingerprint of the installation's secret key (an HMAC of a constant under the key, never
 * the key): every node checks its key against it at start, so a node with another key is refused
 * before it seals a secret no other node can open. One row, id 'current'.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('secret_key_fingerprints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('rotated_at', 'text')
    .execute();
}
