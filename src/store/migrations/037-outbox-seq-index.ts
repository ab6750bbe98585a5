import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Drops `outbox_org_seq_unique`, the unique index on (org_id, seq) of the outbox (022). No query
 * reads by seq: readers page by id (`outbox_org_id` answers a reader of one organisation), and the
 * seq a row gets is allocated by one UPDATE of `outbox_org_seq` under the lock of `outbox_head`
 * (events-repo.ts, writeOutbox; on SQLite, from migration 040, read from the rows under the one write lock), so two rows of an organisation cannot share one; test/outbox.test.ts
 * checks it gap-free and in id order under concurrent writers on both engines. The index cost a
 * B-tree insert on every event and about 62 bytes per event on SQLite, 83 on PostgreSQL: with a
 * `person.created` event each, that much per person after an IdP's first sync (issue 16, "indexes
 * that earn their keep"). Old nodes during a rolling upgrade do not rely on it.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.dropIndex('outbox_org_seq_unique').ifExists().execute();
}
