import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../schema.js';

import type { PoolStats } from '../connect.js';

const POOL_MAX = 10;

/** A pooled PostgreSQL connection; several stateless Muster nodes may share one database. */
export function openPostgres(url: string): { db: Kysely<Database>; pool: () => PoolStats } {
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX });
  survivingLostConnections(pool);
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: POOL_MAX }),
  };
}

/**
 * A connection the server ends (a restart, a failover, `pg_terminate_backend`, a reset) must not
 * crash the process. pg reports it on the pool while the connection is idle, and on the connection
 * itself while it is lent out: unheard there, Node throws it as an uncaught exception. The
 * statement running on it fails with the error anyway, and pg-pool never lends an ended connection
 * again: the next statement gets a new one.
 */
export function survivingLostConnections(pool: pg.Pool): void {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
}
