import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * The transactional outbox (issue 15, item 1): domain events written in the same transaction as
 * the change they describe, read by the lifecycle consumers, the events API and webhooks.
 *
 * Ordering, and why ids are not a sequence. Readers page by "id > after". With ids from a
 * PostgreSQL sequence (bigserial), a transaction that took id 41 can commit after another took
 * and committed 42; a reader that saw 42 and moved its cursor past it then skips 41 for ever (the
 * classic outbox visibility gap: sequence values are allocated in call order, not commit order,
 * https://www.postgresql.org/docs/current/functions-sequence.html). Two fixes were weighed:
 *  - per-organisation serialisation (a lock on a per-org counter row) makes ids commit-ordered
 *    within one organisation only; a reader across organisations (the lifecycle consumers) then
 *    needs a "safe horizon" below every id still in flight, and PostgreSQL cannot tell a reader
 *    which ids an uncommitted transaction holds (a snapshot's xmin bounds transaction ids, not
 *    sequence values), so the horizon becomes a timed guess (wait out gaps, as Marten's
 *    high-water mark does);
 *  - one counter row (`outbox_head`) locked by the appending transaction: ids are handed out in
 *    commit order for every reader, filtered or not, with no horizon and no guessing.
 * We take the second. Its cost is that transactions that append events commit one at a time; the
 * store appends a transaction's events as its very last statements (store.ts buffers them), so the
 * lock is held only for that INSERT and the COMMIT, and SCIM writes to one list are already
 * serialised by the audit chain's head row. On SQLite there is one writer anyway.
 * The per-organisation sequence (`outbox_org_seq`) is allocated under the same lock, so it is
 * gap-free and in the same order as the ids. (From migration 040, SQLite reads both from the rows
 * instead, under its one write lock, and the two tables keep only what retention removed.)
 *
 * `payload` is JSON as TEXT on both engines: the events API and webhooks send these bytes as they
 * are, and nothing queries inside them.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('outbox_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('list_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outbox_org_id').on('outbox_events').columns(['org_id', 'id']).execute();
  await db.schema.createIndex('outbox_org_seq_unique').on('outbox_events').columns(['org_id', 'seq']).unique().execute();
  await db.schema.createIndex('outbox_occurred').on('outbox_events').column('occurred_at').execute();

  // The single row whose lock orders every append.
  await db.schema.createTable('outbox_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO outbox_head (id, last_id) VALUES (1, 0)`.execute(db);

  // Per organisation: the last seq handed out, and the highest id retention has removed (a cursor
  // below it has missed events and is answered 410 by the events API).
  await db.schema.createTable('outbox_org_seq')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('pruned_through', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();

  // In-process consumers (the lifecycle): where each has got to, and which node holds it.
  await db.schema.createTable('outbox_consumers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
