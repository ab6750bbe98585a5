import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../schema.js';

import type { PoolStats } from '../connect.js';

const POOL_MAX = 10;

/** A pooled PostgreSQL connection; several stateless Muster nodes may share one database. */
export function openPostgres(url: string): { db: Kysely<Database>; pool: () => PoolStats } {
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: POOL_MAX }),
  };
}
