import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Roster fields stored by slot (issue 16, compact storage), and with them a person's userName and
 * usual `schemas` stored once (users-repo.ts, userNameOf; scim/schemas-code.ts). A person's
 * `users.fields` becomes a JSON array whose item N is the value of the list's field in slot N,
 * instead of an object that repeats every field's key in every row (247 of 571 bytes on the
 * benchmark's people), and `users.search` (a third copy of the same values, 235 bytes) is written
 * NULL: roster search reads `fields` and `user_name_lc` (store/roster-search.ts).
 *
 * `field_slots` gives each of a list's field keys its slot the first time the key is on the list;
 * a slot is never given to another key and never removed, so a row written before a field was
 * removed, renamed away or reordered still reads as written. It starts from the fields each list
 * has now, in their order.
 *
 * No person's row is rewritten here: rows keep the keyed form until they are next written (every
 * reader accepts both), which is why this is quick at a million people (a `muster` command that
 * applied it to a copy of the million-person benchmark database took 2.5 s, start to end). An
 * earlier version refuses to start on a database with this migration: it would read the new
 * form's fields as empty and record their "changes" in the audit trail, show empty usernames and
 * send `"schemas":1` to IdPs (docs/operations.md: no overlap).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('field_slots')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('field_slots_pk', ['list_id', 'key'])
    .execute();
  await db.schema.createIndex('field_slots_list_slot').on('field_slots').columns(['list_id', 'slot']).unique().execute();
  await sql`INSERT INTO field_slots (list_id, key, slot) SELECT list_id, key, position FROM roster_fields`.execute(db);
}
