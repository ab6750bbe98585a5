/**
 * Bound parameters per statement. SQLite refuses more than 32,766 variables in one statement
 * (SQLITE_MAX_VARIABLE_NUMBER, https://www.sqlite.org/limits.html#max_variable_number) and
 * PostgreSQL's wire protocol carries at most 65,535 parameters per message
 * (https://www.postgresql.org/docs/current/protocol-message-formats.html, Bind: Int16 count).
 * Every query that binds a list taken from input (IN lists, multi-row INSERTs) is cut into
 * statements of at most this many parameters, far below both, so a request's size never turns
 * into "too many SQL variables" (issue 12).
 */
export const MAX_BOUND_PARAMETERS = 2000;

/** `items` in consecutive slices small enough for one statement binding `perItem` parameters per item. */
export function chunked<T>(items: readonly T[], perItem = 1): T[][] {
  const size = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / perItem));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
