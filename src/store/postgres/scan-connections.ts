/**
 * PostgreSQL's executor for the lane of whole-list queries (../scan-pool.ts): a connection of
 * its own, beside the node's pool (open.ts), so that a dozen slow filters from one token cannot
 * take every connection the node's other organisations need. Read-only
 * (`default_transaction_read_only`), and PostgreSQL itself stops a statement at the deadline
 * (`statement_timeout`; it then fails with SQLSTATE 57014, query_canceled).
 */
import pg from 'pg';
import { ScanTimeoutError, type ScanExecutor } from '../scan-pool.js';
import { connectTo, survivingLostConnections } from './open.js';

/**
 * Whole-list statements one node runs at once on PostgreSQL: one, as on SQLite. Measured with
 * PostgreSQL on the node's two cores (bench/RESULTS.md, "The lane on PostgreSQL, a cap per list
 * and a deadline"), twelve clients filtering back to back left another client's lookups at p50
 * 6.1–7.9 ms with one connection and 22.6 ms with two (each scan holds a core of the server).
 */
export const SCAN_CONNECTIONS = 1;

export class PostgresScanConnections implements ScanExecutor {
  readonly engine = 'postgres' as const;
  readonly slots = SCAN_CONNECTIONS;
  private readonly pool: pg.Pool;
  /** Connections whose session settings are in place (`run`). */
  private readonly ready = new WeakSet<pg.PoolClient>();

  constructor(url: string, private readonly deadlineMs: number) {
    this.pool = new pg.Pool({ connectionString: url, max: SCAN_CONNECTIONS, application_name: 'muster-scan' });
    survivingLostConnections(this.pool);
  }

  pauseAfter(): number {
    return 0;
  }

  async run(sqlText: string, parameters: readonly unknown[]): Promise<unknown[]> {
    const client = await connectTo(this.pool);
    let broken: Error | undefined;
    try {
      // Set on each new connection before its first statement, and awaited: if they fail, nothing
      // runs without them. Given as connection options they would give way to the same names in
      // MUSTER_DATABASE_URL (pg lets the URL's win).
      if (!this.ready.has(client)) {
        await client.query(`SET default_transaction_read_only = on; SET statement_timeout = ${Math.floor(this.deadlineMs)}`);
        this.ready.add(client);
      }
      return (await client.query(sqlText, parameters as unknown[])).rows as unknown[];
    } catch (err) {
      // A statement stopped at its deadline leaves its connection as it was. After any other error
      // the connection is not lent again: the server may have ended it (57P01, a reset), and pg
      // reports that a moment after the statement's error.
      if ((err as { code?: string }).code === '57014') throw new ScanTimeoutError(this.deadlineMs);
      broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
