import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Which outbox events each in-process consumer has handled (issue 15, item 2). A consumer handles
 * an event in one transaction with the insert of its row here, so an event reached twice (by the
 * nudge after its commit on one node and by the cursor of another node's safety-net pass, or
 * again after a crash) has its effect once: the second insert conflicts and the handler is skipped.
 * Rows are pruned with the events they name (MUSTER_EVENTS_RETENTION_DAYS).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('outbox_processed')
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('processed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('outbox_processed_pk', ['consumer', 'event_id'])
    .execute();
  await db.schema.createIndex('outbox_processed_at').on('outbox_processed').column('processed_at').execute();
}
