import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Paging at millions of people (issue 16 item 2).
 *
 * - `list_counts`: how many users and groups each list holds, kept by triggers in the same
 *   transaction as every INSERT and DELETE on `users` and `groups`, so that `totalResults`
 *   without a filter (RFC 7644 §3.4.2.4) is one primary-key read instead of a `count(*)` over the
 *   list on every page. Triggers rather than repository code: every path that adds or removes
 *   people (SCIM, Bulk, CSV import, Entra sync, list deletion) is counted, including ones written
 *   later. On PostgreSQL the row is updated under the list's audit-chain lock the writing
 *   transaction already holds, so it adds no new serialisation.
 * - `paging_keys`: the HMAC key of cursors (RFC 9865), one random row shared by every node over
 *   the database, so that a cursor issued by one node is accepted by another. It is not a
 *   credential: a forged cursor could only name a position in a list the caller already reads,
 *   and the list and query a cursor is bound to are checked besides; the MAC makes tampering
 *   evident (invalidCursor) instead of silently paging from an arbitrary key.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  await db.schema.createTable('list_counts')
    .addColumn('list_id', 'text', (c) => c.primaryKey())
    .addColumn('user_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('group_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`INSERT INTO list_counts (list_id, user_count, group_count)
    SELECT l.id, (SELECT count(*) FROM users u WHERE u.list_id = l.id), (SELECT count(*) FROM groups g WHERE g.list_id = l.id) FROM lists l`.execute(db);

  if (engine === 'sqlite') {
    await sql`CREATE TRIGGER list_counts_list_ins AFTER INSERT ON lists BEGIN
      INSERT OR IGNORE INTO list_counts (list_id, user_count, group_count) VALUES (NEW.id, 0, 0); END`.execute(db);
    await sql`CREATE TRIGGER list_counts_list_del AFTER DELETE ON lists BEGIN
      DELETE FROM list_counts WHERE list_id = OLD.id; END`.execute(db);
    await sql`CREATE TRIGGER list_counts_user_ins AFTER INSERT ON users BEGIN
      UPDATE list_counts SET user_count = user_count + 1 WHERE list_id = NEW.list_id; END`.execute(db);
    await sql`CREATE TRIGGER list_counts_user_del AFTER DELETE ON users BEGIN
      UPDATE list_counts SET user_count = user_count - 1 WHERE list_id = OLD.list_id; END`.execute(db);
    await sql`CREATE TRIGGER list_counts_group_ins AFTER INSERT ON groups BEGIN
      UPDATE list_counts SET group_count = group_count + 1 WHERE list_id = NEW.list_id; END`.execute(db);
    await sql`CREATE TRIGGER list_counts_group_del AFTER DELETE ON groups BEGIN
      UPDATE list_counts SET group_count = group_count - 1 WHERE list_id = OLD.list_id; END`.execute(db);
  } else {
    await sql.raw(`CREATE FUNCTION muster_list_counts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'lists' THEN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO list_counts (list_id, user_count, group_count) VALUES (NEW.id, 0, 0) ON CONFLICT (list_id) DO NOTHING;
          ELSE
            DELETE FROM list_counts WHERE list_id = OLD.id;
          END IF;
        ELSIF TG_TABLE_NAME = 'users' THEN
          IF TG_OP = 'INSERT' THEN
            UPDATE list_counts SET user_count = user_count + 1 WHERE list_id = NEW.list_id;
          ELSE
            UPDATE list_counts SET user_count = user_count - 1 WHERE list_id = OLD.list_id;
          END IF;
        ELSE
          IF TG_OP = 'INSERT' THEN
            UPDATE list_counts SET group_count = group_count + 1 WHERE list_id = NEW.list_id;
          ELSE
            UPDATE list_counts SET group_count = group_count - 1 WHERE list_id = OLD.list_id;
          END IF;
        END IF;
        RETURN NULL;
      END $$`).execute(db);
    for (const t of ['lists', 'users', 'groups']) {
      await sql.raw(`CREATE TRIGGER list_counts_${t} AFTER INSERT OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION muster_list_counts()`).execute(db);
    }
  }

  await db.schema.createTable('paging_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO paging_keys (id, secret, created_at) VALUES ('cursor', ${randomBytes(32).toString('base64url')}, ${new Date().toISOString()})`.execute(db);
}
