import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * A short lease per Google Wallet object: only one node at a time pushes a pass's state to
 * Google, so two nodes updating the same pass cannot leave Google ACTIVE while Muster records
 * EXPIRED (one PATCH overtaking the other, then the other's "synced" write landing last).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable('google_wallet_objects').addColumn('sync_lease', 'text').execute();
}
