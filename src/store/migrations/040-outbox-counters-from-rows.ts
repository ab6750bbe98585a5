import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * On SQLite, the outbox's next id and each organisation's next seq are read from the rows
 * (events-repo.ts, writeOutbox): a write no longer moves `outbox_head` or `outbox_org_seq`, which
 * keep only the floors retention leaves for when every event has gone. That saves every write two
 * statements and two pages of the log (issue 16). PostgreSQL keeps both counters: the UPDATE of
 * `outbox_head` is the lock that orders appends across nodes there.
 *
 * This migration brings the head up to the rows once. It also makes an earlier version refuse to
 * start on such a file (it refuses a database with migrations it does not know): it would take ids
 * and seqs from counters that no longer move. A process of an earlier version already running
 * when it applies is not stopped by it: its outbox writes then fail on an id already taken (or,
 * once every event has gone, repeat a seq), so on SQLite every older process, `muster` commands
 * included, must be stopped before the first process of this version starts (docs/operations.md).
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`UPDATE outbox_head SET last_id = max(last_id, coalesce((SELECT max(id) FROM outbox_events), 0)) WHERE id = 1`.execute(db);
}
