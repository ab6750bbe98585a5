import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** Runs a compiled statement at once on its engine's one connection, or says (undefined) to go Kysely's way. */
type RunNow = (query: CompiledQuery, inTransaction: boolean) => Promise<QueryResult<unknown>> | undefined;

/** By adapter (one per database, shared by its transactions): SQLite's serving connections (sqlite/open.ts). */
const RUN_NOW = new WeakMap<object, RunNow>();

/** Lets Prepared statements of databases with this adapter run through `run` (sqlite/write-lock.ts, LockWaitingDriver.runNow). */
export function runsNow(adapter: object, run: RunNow): void {
  RUN_NOW.set(adapter, run);
}

/**
 * A query built and compiled once, then run with new parameter values (issue 16, "Find the cost,
 * then remove it"). Building a Kysely query and compiling it to SQL costs tens of microseconds a
 * query, and a SCIM write runs a dozen queries whose text never changes; on SQLite that compile
 * was the largest share of a request's CPU after the database itself (bench/RESULTS.md). The
 * compiled SQL of an engine is the same for the database and for every transaction on it (they
 * share one adapter), so it is kept per adapter.
 *
 * Only for queries whose shape does not depend on the values (no IN lists, no optional clauses):
 * the query is compiled with marker values, and each marker's place among the compiled
 * parameters is where that argument goes.
 */
export class Prepared<P extends Readonly<Record<string, unknown>>, R> {
  private readonly compiled = new WeakMap<object, { sql: string; slots: readonly ({ readonly name: keyof P } | { readonly constant: unknown })[] }>();

  /** `names`: the parameters `build` places in the query; `build` must pass each on as a value. */
  constructor(private readonly names: readonly (keyof P & string)[], private readonly build: (db: Kysely<Database>, p: P) => Compilable<R>) {}

  private shape(db: Kysely<Database>) {
    const key = db.getExecutor().adapter;
    const hit = this.compiled.get(key);
    if (hit) return hit;
    const markers = new Map(this.names.map((n) => [`\u0000muster-prepared:${n}\u0000`, n]));
    const q = this.build(db, Object.fromEntries([...markers].map(([m, n]) => [n, m])) as unknown as P).compile();
    const slots = q.parameters.map((v) => {
      const name = typeof v === 'string' ? markers.get(v) : undefined;
      return name !== undefined ? { name } : { constant: v };
    });
    for (const n of this.names) {
      if (!slots.some((s) => 'name' in s && s.name === n)) throw new Error(`prepared query: "${n}" does not reach the SQL as a parameter (${q.sql})`);
    }
    const shape = { sql: q.sql, slots };
    this.compiled.set(key, shape);
    return shape;
  }

  /**
   * Runs the query on `db` (the database or a transaction) with these values: on SQLite at once
   * when nobody holds the connection, or the caller's transaction does (RUN_NOW), else through
   * Kysely. Only without plugins, whose result transforms running at once would skip.
   */
  async execute(db: Kysely<Database>, p: P): Promise<QueryResult<R>> {
    const executor = db.getExecutor();
    const { sql, slots } = this.shape(db);
    const query = CompiledQuery.raw(sql, slots.map((s) => ('name' in s ? p[s.name] : s.constant)));
    const now = executor.plugins.length === 0 ? RUN_NOW.get(executor.adapter)?.(query, db.isTransaction) : undefined;
    return (now as Promise<QueryResult<R>> | undefined) ?? db.executeQuery<R>(query);
  }

  async rows(db: Kysely<Database>, p: P): Promise<R[]> {
    return (await this.execute(db, p)).rows;
  }

  async first(db: Kysely<Database>, p: P): Promise<R | undefined> {
    return (await this.execute(db, p)).rows[0];
  }
}
