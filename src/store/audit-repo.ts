import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Engine } from './engine.js';
import type { Database } from './schema.js';

export type AuditEventRow = Selectable<Database['audit_events']>;
export type NewAuditRow = Omit<Insertable<Database['audit_events']>, 'id'>;
export type RequestLogRow = Selectable<Database['request_log']>;
export type NewRequestLogRow = Omit<Insertable<Database['request_log']>, 'id'>;

export interface AuditQuery {
  readonly listId: string;
  readonly actions?: readonly string[];
  readonly targetId?: string;
  readonly idp?: string;
  readonly since?: string;
  readonly until?: string;
  /** Keyset cursor: events with seq below this (newest first) or above it (oldest first). */
  readonly cursor?: number;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
}

export interface ChainState {
  readonly headSeq: number;
  readonly headHash: string;
  readonly anchorSeq: number;
  readonly anchorHash: string;
}

const normaliseRow = (r: AuditEventRow): AuditEventRow => ({ ...r, id: Number(r.id), seq: Number(r.seq) });

/** The audit trail's rows, and the request log's. Hashing policy lives above, in provisioning/. */
export class AuditRepo {
  constructor(private readonly db: Kysely<Database>, private readonly engine: Engine) {}

  /**
   * The chain's head. With `lock`, the list row stays locked until the transaction ends, so that
   * concurrent writers on several PostgreSQL nodes append one after another (SQLite transactions
   * are already serialised).
   */
  async chain(listId: string, lock: boolean): Promise<ChainState | undefined> {
    let q = this.db.selectFrom('lists').select(['audit_seq', 'audit_head', 'audit_anchor_seq', 'audit_anchor_hash']).where('id', '=', listId);
    if (lock && this.engine === 'postgres') q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && { headSeq: Number(r.audit_seq), headHash: r.audit_head, anchorSeq: Number(r.audit_anchor_seq), anchorHash: r.audit_anchor_hash };
  }

  async append(row: NewAuditRow): Promise<void> {
    await this.db.insertInto('audit_events').values(row).execute();
    await this.db.updateTable('lists').set({ audit_seq: row.seq, audit_head: row.hash }).where('id', '=', row.list_id).execute();
  }

  async query(q: AuditQuery): Promise<AuditEventRow[]> {
    let b = this.db.selectFrom('audit_events').selectAll().where('list_id', '=', q.listId);
    // Actions are checked against the known ones, but a query may repeat one: bind each once.
    if (q.actions?.length) b = b.where('action', 'in', [...new Set(q.actions)]);
    if (q.targetId) b = b.where('target_id', '=', q.targetId);
    if (q.idp) b = b.where('idp', '=', q.idp);
    if (q.since) b = b.where('time', '>=', q.since);
    if (q.until) b = b.where('time', '<', q.until);
    if (q.cursor !== undefined) b = b.where('seq', q.order === 'desc' ? '<' : '>', q.cursor);
    const rows = await b.orderBy('seq', q.order).limit(q.limit).execute();
    return rows.map(normaliseRow);
  }

  /** Events of a list from `afterSeq` on, oldest first, in batches (for verification and export). */
  async *walk(listId: string, afterSeq: number, batch = 1000): AsyncGenerator<AuditEventRow> {
    let cursor = afterSeq;
    for (;;) {
      const rows = await this.query({ listId, cursor, order: 'asc', limit: batch });
      for (const r of rows) yield r;
      if (rows.length < batch) return;
      cursor = rows[rows.length - 1]!.seq;
    }
  }

  /** The last event older than `cutoff` (retention drops up to and including it). */
  async lastBefore(listId: string, cutoff: string): Promise<AuditEventRow | undefined> {
    const r = await this.db.selectFrom('audit_events').selectAll().where('list_id', '=', listId).where('time', '<', cutoff)
      .orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return r && normaliseRow(r);
  }

  /** Drops every event up to `seq` and re-anchors the chain there, in the caller's transaction. */
  async dropThrough(listId: string, seq: number, hash: string): Promise<number> {
    const res = await this.db.deleteFrom('audit_events').where('list_id', '=', listId).where('seq', '<=', seq).executeTakeFirst();
    await this.db.updateTable('lists').set({ audit_anchor_seq: seq, audit_anchor_hash: hash }).where('id', '=', listId).execute();
    return Number(res.numDeletedRows);
  }

  // ------------------------------------------------------------ request log

  async logRequests(rows: readonly NewRequestLogRow[]): Promise<void> {
    if (rows.length) await this.db.insertInto('request_log').values(rows as NewRequestLogRow[]).execute();
  }

  async requests(q: { listId: string; failedOnly: boolean; requestId?: string; cursor?: number; limit: number }): Promise<RequestLogRow[]> {
    let b = this.db.selectFrom('request_log').selectAll().where('list_id', '=', q.listId);
    if (q.failedOnly) b = b.where('status', '>=', 400);
    if (q.requestId) b = b.where('request_id', '=', q.requestId);
    if (q.cursor !== undefined) b = b.where('id', '<', q.cursor);
    const rows = await b.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), status: Number(r.status), duration_ms: Number(r.duration_ms) }));
  }

  async purgeRequests(before: string): Promise<number> {
    const res = await this.db.deleteFrom('request_log').where('time', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
