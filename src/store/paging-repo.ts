import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import { Prepared } from './prepared.js';
import type { CallerGone } from './scan-pool.js';

/** Every unfiltered page reads it (src/store/prepared.ts). */
const COUNTS = new Prepared<{ listId: string }, { user_count: number; group_count: number }>(['listId'], (db, p) => db.selectFrom('list_counts')
  .select(['user_count', 'group_count']).where('list_id', '=', p.listId));

/** Where a keyset page starts: strictly after (or before) this row of the total order. */
export interface KeysetPosition {
  /** The sort key of the row (absent without sortBy); null when the row has no value for it. */
  readonly key?: string | number | null;
  readonly seq: number;
}

/**
 * One keyset page (RFC 9865 cursor paging). The total order is (sort key, nulls last; seq) when
 * `orderBy` is given, else seq alone; `descending` walks it backwards. Every page is an index
 * range read (list_id, seq) or (list_id, <sort column>) from `after`, so a page deep in a list of
 * a million costs what the first page costs, unlike OFFSET.
 */
export interface KeysetQuery {
  readonly listId: string;
  readonly where?: RawBuilder<unknown> | undefined;
  readonly orderBy?: { readonly expr: RawBuilder<unknown>; readonly nullable: boolean } | undefined;
  readonly descending: boolean;
  readonly after?: KeysetPosition | undefined;
  readonly limit: number;
  /** The filter or order reads the whole list (no index answers it): it runs in the lane (scan-pool.ts). */
  readonly scan?: boolean;
  /** Whether the client has left: a statement in the lane is then not run (ScanPool.rows). */
  readonly gone?: CallerGone | undefined;
}

/** The WHERE and ORDER BY of a keyset page over `table` (users or groups), and the key expression to read back. */
export function keysetClauses(table: 'users' | 'groups', q: KeysetQuery): { where: RawBuilder<unknown>; order: RawBuilder<unknown>; key: RawBuilder<unknown> } {
  const seq = sql.ref(`${table}.seq`);
  const cmp = q.descending ? sql`<` : sql`>`;
  const dir = q.descending ? sql`DESC` : sql`ASC`;
  const parts: RawBuilder<unknown>[] = [sql`${sql.ref(`${table}.list_id`)} = ${q.listId}`];
  if (q.where) parts.push(sql`(${q.where})`);
  const o = q.orderBy;
  let order: RawBuilder<unknown>;
  if (!o) {
    order = sql`${seq} ${dir}`;
    if (q.after) parts.push(sql`${seq} ${cmp} ${q.after.seq}`);
  } else if (!o.nullable) {
    // A NOT NULL column: a row-value comparison, which both engines answer from the (list_id, column) index.
    order = sql`${o.expr} ${dir}, ${seq} ${dir}`;
    if (q.after) parts.push(sql`(${o.expr}, ${seq}) ${cmp} (${q.after.key ?? null}, ${q.after.seq})`);
  } else {
    // Nulls last ascending on both engines (SQLite sorts NULL first, PostgreSQL last, by default).
    const isNull = sql`(CASE WHEN ${o.expr} IS NULL THEN 1 ELSE 0 END)`;
    order = sql`${isNull} ${dir}, ${o.expr} ${dir}, ${seq} ${dir}`;
    const a = q.after;
    if (a) {
      if (a.key === null || a.key === undefined) {
        parts.push(q.descending
          ? sql`(${o.expr} IS NOT NULL OR ${seq} < ${a.seq})`
          : sql`(${o.expr} IS NULL AND ${seq} > ${a.seq})`);
      } else {
        parts.push(q.descending
          ? sql`(${o.expr} IS NOT NULL AND (${o.expr} < ${a.key} OR (${o.expr} = ${a.key} AND ${seq} < ${a.seq})))`
          : sql`(${o.expr} IS NULL OR ${o.expr} > ${a.key} OR (${o.expr} = ${a.key} AND ${seq} > ${a.seq}))`);
      }
    }
  }
  return { where: sql.join(parts, sql` AND `), order, key: o ? o.expr : sql`NULL` };
}

export class PagingRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * How many users or groups the list holds, from the counter the triggers of migration 027 keep
   * in step with every insert and delete; undefined if the list has no counter row.
   */
  async total(listId: string, kind: 'User' | 'Group'): Promise<number | undefined> {
    const r = await COUNTS.first(this.db, { listId });
    if (!r) return undefined;
    return Number(kind === 'User' ? r.user_count : r.group_count);
  }

  /** The installation's cursor HMAC key (base64url), created by migration 027. */
  async cursorKey(): Promise<string> {
    const r = await this.db.selectFrom('paging_keys').select('secret').where('id', '=', 'cursor').executeTakeFirstOrThrow();
    return r.secret;
  }
}
