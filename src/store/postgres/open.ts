import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../schema.js';

import type { PoolStats } from '../connect.js';
import { DatabaseUnreachable } from '../unavailable.js';

const POOL_MAX = 10;

/** A pooled PostgreSQL connection; several stateless Muster nodes may share one database. */
export function openPostgres(url: string): { db: Kysely<Database>; pool: () => PoolStats } {
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX });
  survivingLostConnections(pool);
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: { connect: () => connectTo(pool), end: () => pool.end() } }) }),
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: POOL_MAX }),
  };
}

/**
 * A connection the server ends (a restart, a failover, `pg_terminate_backend`, a reset) must not
 * crash the process, nor be lent again.
 * - pg reports the end on the pool while the connection is idle, and on the connection itself while
 *   it is lent out: unheard there, Node throws it as an uncaught exception. The statement running
 *   on it fails with the error anyway.
 * - The server says why first, in the statement's error (severity FATAL or PANIC, as 57P01 from
 *   `pg_terminate_backend`), and closes the socket a moment later. pg-pool would lend the
 *   connection again in between, and the next statement would fail too. Ending it at the error
 *   marks it as ending, which pg-pool checks when it is given back (`_release`, pg-pool 3.x).
 */
export function survivingLostConnections(pool: pg.Pool): void {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]): unknown => {
      const result = query(...args);
      // Only the promise form (Kysely's, the lane's); a callback or cursor query returns no promise.
      if (result instanceof Promise) {
        result.catch((err: { severity?: string }) => {
          if (err?.severity === 'FATAL' || err?.severity === 'PANIC') client.end().catch(() => undefined);
        });
      }
      return result;
    };
  });
}

/** A connection from `pool`; failing to get one is DatabaseUnreachable (unavailable.ts). */
export function connectTo(pool: pg.Pool): Promise<pg.PoolClient> {
  return pool.connect().catch((err: unknown) => {
    throw new DatabaseUnreachable(err);
  });
}
