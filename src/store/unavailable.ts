/**
 * Whether an error means the database could not be reached or could not take the statement now,
 * rather than that the statement was wrong. The node answers 503 with Retry-After: a passing
 * overload or outage, to be retried (RFC 9110 §15.6.4), where a 500 would read as Muster's defect.
 * Whether a write whose connection was lost while it committed was applied is not known, so the
 * answer claims neither.
 */
export function databaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnreachable) return true;
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  // PostgreSQL's SQLSTATE classes (PostgreSQL manual, appendix A): 08 connection exception, but
  // not 08P01 (a protocol violation, such as too many parameters: Muster's fault, which no retry
  // mends); 53 insufficient resources (disk full, out of memory, too many connections), but not
  // 53400 (a configuration limit a statement broke); 57P01–57P03 the server shutting down,
  // crashed or starting.
  if (/^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[1-3])$/.test(code) && code !== '08P01' && code !== '53400') return true;
  // A socket to PostgreSQL that failed (Node's system error codes).
  if (socketFailed(err)) return true;
  // SQLite: another process holds the write lock past busy_timeout, or the disk is full.
  // (SQLITE_LOCKED, a conflict inside one connection, is Muster's fault.)
  if (/^SQLITE_(BUSY|FULL)(_|$)/.test(code)) return true;
  // pg's own errors for a connection that ended or never came, which carry no code (pg 8, pg-pool
  // 3): among them the ROLLBACK Kysely sends after a transaction's statement found its connection
  // ended, which it throws in place of the statement's error.
  const message = typeof e?.message === 'string' ? e.message : '';
  return code === '' && /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)/.test(message);
}

/**
 * A socket that failed (Node's system error codes), which databaseUnavailable counts as the
 * database's: true of a socket to any other server as well, so a caller that also talks to other
 * servers (a job handler calling Graph or APNs) asks the database before taking it for an outage.
 */
export function socketFailed(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND)$/.test(code);
}

/** Seconds a client is asked to wait when the database is unavailable. */
export const DATABASE_RETRY_AFTER_S = 5;

/**
 * No connection to the database could be made, whatever the server said (it refuses connections
 * for now, is starting, has too many, is not there): a connection's failure, never a statement's.
 */
export class DatabaseUnreachable extends Error {
  constructor(cause: unknown) {
    super(`could not connect to the database: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnreachable';
  }
}
