/**
 * PostgreSQL's executor for the lane of whole-list queries (../scan-pool.ts): a connection of
 * its own, beside the node's pool (open.ts), so that a dozen slow filters from one token cannot
 * take every connection the node's other organisations need. Read-only
 * (`default_transaction_read_only`), and PostgreSQL itself stops a statement at the deadline
 * (`statement_timeout`; it then fails with SQLSTATE 57014, query_canceled).
 */
import pg from 'pg';
import { ScanTimeoutError, type ScanExecutor } from '../scan-pool.js';

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

  constructor(url: string, private readonly deadlineMs: number) {
    this.pool = new pg.Pool({ connectionString: url, max: SCAN_CONNECTIONS, application_name: 'muster-scan' });
    // Set on each new connection, before its first statement: given as connection options, they
    // would give way to the same names in MUSTER_DATABASE_URL (pg lets the URL's win).
    this.pool.on('connect', (client) => {
      client.query(`SET default_transaction_read_only = on; SET statement_timeout = ${Math.floor(deadlineMs)}`).catch(() => undefined);
    });
    // An idle client that loses its server must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  pauseAfter(): number {
    return 0;
  }

  async run(sqlText: string, parameters: readonly unknown[]): Promise<unknown[]> {
    try {
      return (await this.pool.query(sqlText, parameters as unknown[])).rows as unknown[];
    } catch (err) {
      if ((err as { code?: string }).code === '57014') throw new ScanTimeoutError(this.deadlineMs);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
