import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Audit events written from this version on store each hash once (issue 16, compact storage;
 * AuditRepo.append): `prev_hash` as the empty text, read back from the event before it, and on
 * SQLite the hash as its 32 bytes rather than 64 hex characters. Rows written before keep what
 * they hold and read the same, so nothing is rewritten.
 *
 * The migration changes no table. It is here so that an earlier version refuses to start on a
 * database this one has written to (it refuses migrations it does not know): it would read the
 * empty prev_hash as a broken chain, and `muster audit verify` there would name the first new event
 * as tampered with. An earlier node already running keeps running (docs/operations.md).
 */
export async function up(_db: Kysely<unknown>, _engine: Engine): Promise<void> {
  // Nothing to change: see above.
}
