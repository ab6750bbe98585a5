import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import { COUNT_LIMITS, countIn, rowsOf, type ScanPool } from './scan-pool.js';
import type { PageQuery } from './users-repo.js';

/**
 * One `startIndex` page of a list's users or groups (RFC 7644 §3.4.2.4), as rows of `columns`.
 *
 * - Usually a deferred join: the window of `seq`s is chosen on an index first and only its rows
 *   are read, so OFFSET skips index entries, not whole JSON documents.
 * - A window that reads the whole list (`scan`) runs in the lane of such reads (scan-pool.ts) on
 *   SQLite; its rows are then read here by `seq` (the rowid).
 * - The first page of a single indexed equality (`seek`: an IdP's lookup) is read straight
 *   through its index: nothing is skipped and (on SQLite) the index gives creation order, so the
 *   window would cost a second pass for nothing (bench/RESULTS.md, "A lookup's page read straight").
 */
export async function pageRows<R>(db: Kysely<Database>, scans: ScanPool | undefined, table: 'users' | 'groups', columns: RawBuilder<unknown>, q: PageQuery): Promise<R[]> {
  const t = sql.raw(table);
  const dir = q.descending ? sql`DESC` : sql`ASC`;
  const seqDir = q.descending && q.orderBy === undefined ? sql`DESC` : sql`ASC`;
  const order = q.orderBy ? sql`${q.orderBy} ${dir}, ${t}.seq ${seqDir}` : sql`${t}.seq ${seqDir}`;
  const where = q.where ? sql`AND ${q.where}` : sql``;
  if (q.seek && !q.scan && q.offset === 0 && !q.orderBy) {
    return (await sql<R>`SELECT ${columns} FROM ${t} WHERE ${t}.list_id = ${q.listId} ${where} ORDER BY ${order} LIMIT ${q.limit}`.execute(db)).rows;
  }
  const window = sql`SELECT ${t}.seq FROM ${t} WHERE ${t}.list_id = ${q.listId} ${where} ORDER BY ${order} LIMIT ${q.limit} OFFSET ${q.offset}`;
  if (q.scan && scans?.engine === 'sqlite') {
    const seqs = (await rowsOf(db, window as RawBuilder<{ seq: number }>, scans, q.listId, q.gone)).map((r) => r.seq);
    if (!seqs.length) return [];
    // `+` keeps the list test off every index, which would walk the list again.
    return (await sql<R>`SELECT ${columns} FROM ${t} WHERE ${t}.seq IN (SELECT value FROM json_each(${JSON.stringify(seqs)})) AND +${t}.list_id = ${q.listId} ORDER BY ${order}`.execute(db)).rows;
  }
  return rowsOf(db, sql<R>`SELECT ${columns} FROM ${t} WHERE ${t}.seq IN (${window}) ORDER BY ${order}`, q.scan ? scans : undefined, q.listId, q.gone);
}

/** totalResults of a list's users or groups matching `q.where` (countIn: here, or in the lane past a size). */
export async function countRows(db: Kysely<Database>, scans: ScanPool | undefined, table: 'users' | 'groups', q: Pick<PageQuery, 'listId' | 'where' | 'scan' | 'gone'>): Promise<number> {
  let m = db.selectFrom(table).where(sql.ref(`${table}.list_id`), '=', q.listId);
  if (q.where) m = m.where(q.where as RawBuilder<boolean>);
  const all = m.select(sql<number>`count(*)`.as('n'));
  return countIn(scans, q, all, () => db.selectFrom(m.select(sql<number>`1`.as('one')).limit(COUNT_LIMITS.hereUpTo + 1).as('m')).select(sql<number>`count(*)`.as('n')));
}
