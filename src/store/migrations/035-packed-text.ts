import { type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Changes no table: marks the database as one whose SQLite rows may hold packed text from now on
 * (src/store/sqlite/packed-text.ts: an audit event's `changes` and `detail`, request-log bodies,
 * stored as compressed BLOBs). A Muster from before this migration would read those BLOBs as
 * garbled JSON; with this name recorded it refuses the database instead (MUSTER_SCHEMA_NEWER),
 * and the way back is the backup taken before the upgrade. PostgreSQL stores text as before and
 * records the same name, so both engines keep one list of migrations.
 */
export async function up(_db: Kysely<unknown>, _engine: Engine): Promise<void> {
  // Nothing to change: the name is the point.
}
