export type Engine = 'sqlite' | 'postgres';

/** `postgres://` or `postgresql://` URLs select PostgreSQL; anything else is a SQLite file path. */
export function engineOf(databaseUrl: string): Engine {
  return /^postgres(ql)?:\/\//i.test(databaseUrl) ? 'postgres' : 'sqlite';
}
