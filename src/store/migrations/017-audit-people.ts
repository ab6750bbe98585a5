import { sql, type Kysely } from 'kysely';
import { filedPeople } from '../../roster/audit.js';
import type { Engine } from '../engine.js';

/**
 * A person's history in one indexed read: `audit_people` files each event under every person it
 * is about (the person it targets, a credential's holder, everyone a print batch printed), so
 * "Open in the audit trail" finds credential and card events, not only events targeting the
 * person. It is an index derived from the events' content, outside the hash chain (the stored
 * events are not rewritten), and is filled here for the events already recorded.
 *
 * `audit_list_idp_lc`: the IdP filter matches case-insensitively ("okta" finds "Okta") on an
 * index, on both engines (SQLite and PostgreSQL both index expressions).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('audit_people')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_people_pk', ['list_id', 'person_id', 'seq'])
    .execute();
  await sql`CREATE INDEX audit_list_idp_lc ON audit_events (list_id, lower(idp), seq)`.execute(db);
  await fillAuditPeople(db);
}

/**
 * Files every recorded event under its people, in batches by id: flat memory whatever the size of
 * the trail. Since issue 16, not under the person an event targets (index `audit_list_target`
 * finds those); a database that ran this before keeps those rows, which the queries allow for.
 */
export async function fillAuditPeople(db: Kysely<unknown>): Promise<void> {
  let after = 0;
  for (;;) {
    const { rows } = await sql<{ id: number | string; list_id: string; seq: number | string; target_type: string | null; target_id: string | null; detail: string | null }>`
      SELECT id, list_id, seq, target_type, target_id, detail FROM audit_events WHERE id > ${after} ORDER BY id LIMIT 1000`.execute(db);
    if (!rows.length) return;
    const values = rows.flatMap((r) => filedPeople({ type: r.target_type, id: r.target_id }, r.detail ? JSON.parse(r.detail) : null)
      .map((person_id) => ({ list_id: r.list_id, person_id, seq: Number(r.seq) })));
    for (let i = 0; i < values.length; i += 500) {
      await (db as Kysely<{ audit_people: { list_id: string; person_id: string; seq: number } }>).insertInto('audit_people').values(values.slice(i, i + 500)).execute();
    }
    after = Number(rows[rows.length - 1]!.id);
  }
}
