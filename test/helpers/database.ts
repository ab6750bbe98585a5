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
