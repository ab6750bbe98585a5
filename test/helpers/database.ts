/**
 * A fresh, real database per test file, on the engine MUSTER_TEST_ENGINE names:
 * - sqlite (default): a new file in a temp directory;
 * - postgres: a new database on the cluster at MUSTER_TEST_PG_URL (an admin connection URL,
 *   e.g. postgres://postgres@127.0.0.1:54329/postgres), dropped afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';

export const ENGINE = (process.env.MUSTER_TEST_ENGINE ?? 'sqlite') as 'sqlite' | 'postgres';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  if (ENGINE === 'postgres') {
    const admin = process.env.MUSTER_TEST_PG_URL;
    if (!admin) throw new Error('MUSTER_TEST_ENGINE=postgres needs MUSTER_TEST_PG_URL (see .ci/run, which starts a throwaway cluster)');
    const name = `muster_t_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    const u = new URL(admin);
    u.pathname = `/${name}`;
    return {
      url: u.toString(),
      drop: async () => {
        const c = new pg.Client({ connectionString: admin });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-test-'));
  return { url: path.join(dir, 'muster.sqlite'), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Makes the database itself refuse to delete one list's audit events (a trigger that raises
 * "refused by a trigger"): a real failure inside the database for retention to meet.
 */
export async function refuseAuditDeletes(db: Kysely<never>, engine: 'sqlite' | 'postgres', listId: string): Promise<void> {
  if (engine === 'sqlite') {
    await sql.raw(`CREATE TRIGGER refuse_prune BEFORE DELETE ON audit_events WHEN OLD.list_id = '${listId}' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END`).execute(db);
    return;
  }
  await sql.raw(`CREATE FUNCTION refuse_prune() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF OLD.list_id = '${listId}' THEN RAISE EXCEPTION 'refused by a trigger'; END IF; RETURN OLD; END $$`).execute(db);
  await sql`CREATE TRIGGER refuse_prune BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_prune()`.execute(db);
}
