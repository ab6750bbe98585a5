import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Drops `users.last_op`, the copy of each person's last write ({action, time, idp, requestId}) kept
 * beside the row: the audit trail already holds it, as the newest person event about them, and the
 * person page now reads it there (RosterRepo.people). 127 bytes a person of the row's 2.2 KB, and
 * with the roster fields stored without their empty values (roster/derivation.ts), the row of the
 * benchmark's people falls under a quarter of an 8 KiB page: four rows a page instead of three on
 * SQLite (issue 16, "one source of truth per person"; bench/RESULTS.md).
 *
 * SQLite rewrites the table (ALTER TABLE … DROP COLUMN, SQLite 3.35): about a minute at a million
 * people. PostgreSQL only marks the column dropped; its space comes back as rows are rewritten.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable('users').dropColumn('last_op').execute();
}
