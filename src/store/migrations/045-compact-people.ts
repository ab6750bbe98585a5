import { sql, type Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine.js';

/**
 * Queues a `storage.compact` job (src/jobs/compact-job.ts) for every list that has people: it
 * rewrites, in the background and in batches, each person still stored as written before migration
 * 043 (fields by key, a search text, a userName and `schemas` held twice) in the form a write makes
 * now, values, versions and audit trail unchanged. Until then such rows keep their bytes and are
 * read in both forms (issue 16, item 3: one copy of each value).
 *
 * The migration counts each list's people (from an index on SQLite: 1.6 s at a million; PostgreSQL
 * may read the table too) and converts no one: the job finds the rows to convert (on a database
 * without any, it reads each list once, off the request path). It changes no table. An older node
 * does not know the job's kind and would fail one it claimed: as for 043, stop every older node
 * before the first new one starts.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  const { rows } = await sql<{ list_id: string; people: number | string }>`SELECT list_id, count(*) AS people FROM users GROUP BY list_id`.execute(db);
  const now = new Date().toISOString();
  for (let i = 0; i < rows.length; i += 100) {
    const values = rows.slice(i, i + 100).map((r) => sql`(${randomUUID()}, ${r.list_id}, 'storage.compact', 'queued', '{}', ${Number(r.people)}, 0, 0, 0, ${now})`);
    await sql`INSERT INTO jobs (id, list_id, kind, status, params, total, done, cursor, attempts, created_at) VALUES ${sql.join(values)}`.execute(db);
  }
}
