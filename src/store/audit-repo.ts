import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Engine } from './engine.js';
import type { Database } from './schema.js';
import { Prepared } from './prepared.js';
import { PACK_BODY_FROM, pack, packOrNull, unpack } from './sqlite/packed-text.js';
import { rosterWordMatch, searchWords } from './roster-search.js';
import type { ScanPool } from './scan-pool.js';
import { merged } from '../runtime/objects.js';
import { eventRows, payloadFromAudit } from './events-repo.js';

/** An audit event as read: its JSON columns as text, packed or not on disk. */
export type AuditEventRow = Omit<Selectable<Database['audit_events']>, 'changes' | 'detail' | 'hash'> & { changes: string; detail: string | null; hash: string };
export type NewAuditRow = Omit<Insertable<Database['audit_events']>, 'id' | 'changes' | 'detail' | 'hash'> & { changes: string; detail?: string | null; hash: string };
export type RequestLogRow = Omit<Selectable<Database['request_log']>, 'request_body' | 'response_body'> & { request_body: string | null; response_body: string | null };
export type NewRequestLogRow = Omit<Insertable<Database['request_log']>, 'id' | 'request_body' | 'response_body'> & { request_body?: string | null; response_body?: string | null };

export interface AuditQuery {
  readonly listId: string;
  readonly actions?: readonly string[];
  /** Events about this person (targeting them, their credentials, their card prints) or targeting this id (a group). */
  readonly targetId?: string;
  /**
   * Events about anyone the text finds on the list: by id, by name, email or identifier (every
   * word in their userName or a roster field value, as the People page searches: roster-search.ts),
   * or a removed person's id.
   */
  readonly personText?: string;
  /** Matched case-insensitively. */
  readonly idp?: string;
  /** One event, by its sequence number in the chain. */
  readonly seq?: number;
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
  /** The list's organisation (read with the chain: the outbox files the change's events under it). */
  readonly orgId: string;
  /**
   * The list's mapping version, read with the chain: under the list's lock a mapping change (which
   * takes the same lock, roster-service.ts) cannot move it before the transaction ends, so a write
   * derives its roster fields by it without reading the list again (issue 16: a statement a write).
   * Not kept in step with a mapping change made in the same transaction: that one has its own.
   */
  readonly mappingVersion: number;
}

/** How many outbox rows AuditRepo.dropThrough writes payloads into per query: a settings object so that a test can lower it. */
export const PAYLOAD_COPY = { chunk: 500 };

/** The hot statements of every audited write, compiled once (src/store/prepared.ts). */
const chainQuery = (lock: boolean) => new Prepared<{ listId: string }, Pick<Selectable<Database['lists']>, 'audit_seq' | 'audit_head' | 'audit_anchor_seq' | 'audit_anchor_hash' | 'org_id' | 'mapping_version'>>(['listId'], (db, p) => {
  const q = db.selectFrom('lists').select(['audit_seq', 'audit_head', 'audit_anchor_seq', 'audit_anchor_hash', 'org_id', 'mapping_version']).where('id', '=', p.listId);
  return lock ? q.forUpdate() : q;
});
const CHAIN = chainQuery(false);
const CHAIN_FOR_UPDATE = chainQuery(true);
const INSERT_EVENT = new Prepared<Omit<Insertable<Database['audit_events']>, 'id'> & Record<string, unknown>, never>(
  ['list_id', 'seq', 'time', 'action', 'target_type', 'target_id', 'target_name', 'changes', 'detail', 'request_id', 'actor', 'token_id', 'token_label', 'idp', 'idp_evidence', 'normalisations', 'prev_hash', 'hash'],
  (db, p) => db.insertInto('audit_events').values({
    list_id: p.list_id, seq: p.seq, time: p.time, action: p.action, target_type: p.target_type, target_id: p.target_id, target_name: p.target_name,
    changes: p.changes, detail: p.detail, request_id: p.request_id, actor: p.actor, token_id: p.token_id, token_label: p.token_label, idp: p.idp,
    idp_evidence: p.idp_evidence, normalisations: p.normalisations, prev_hash: p.prev_hash, hash: p.hash,
  }),
);
const INSERT_REQUEST = new Prepared<Omit<Insertable<Database['request_log']>, 'id'> & Record<string, unknown>, never>(
  ['time', 'list_id', 'request_id', 'method', 'path', 'status', 'duration_ms', 'user_agent', 'token_label', 'idp', 'request_body', 'response_body'],
  (db, p) => db.insertInto('request_log').values({
    time: p.time, list_id: p.list_id, request_id: p.request_id, method: p.method, path: p.path, status: p.status, duration_ms: p.duration_ms,
    user_agent: p.user_agent, token_label: p.token_label, idp: p.idp, request_body: p.request_body, response_body: p.response_body,
  }),
);
const MOVE_HEAD = new Prepared<{ listId: string; seq: number; hash: string }, never>(['listId', 'seq', 'hash'], (db, p) => db.updateTable('lists')
  .set({ audit_seq: p.seq, audit_head: p.hash }).where('id', '=', p.listId));

/** A stored hash as hex: SQLite's rows since issue 16 hold its 32 bytes (a Buffer, or a Uint8Array from the scan lane). */
const hexOf = (h: string | Uint8Array): string => (typeof h === 'string' ? h : Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex'));
/** As read, but for `prev_hash`: the empty text there still means "the previous event's hash" (AuditRepo.withPrevious puts it back). */
const normaliseRow = (r: Selectable<Database['audit_events']>): AuditEventRow => ({
  ...r, id: Number(r.id), seq: Number(r.seq), changes: unpack(r.changes), detail: unpack(r.detail), hash: hexOf(r.hash),
});
const requestRow = (r: Selectable<Database['request_log']>): RequestLogRow => ({
  ...r, id: Number(r.id), status: Number(r.status), duration_ms: Number(r.duration_ms), request_body: unpack(r.request_body), response_body: unpack(r.response_body),
});

/** The audit trail's rows, and the request log's. Hashing policy lives above, in src/audit/. */
export class AuditRepo {
  /**
   * In a transaction: the chain head of each list this transaction has locked, kept as this
   * repository moves it. A write locks its list before anything else and reads the head again to
   * append (issue 16: one statement fewer per write); nothing else in the transaction moves it.
   */
  private readonly held: Map<string, ChainState> | undefined;

  /** `scans`: the lane of whole-list reads (scan-pool.ts), for the audit search by name (`personText`; outside a transaction only). */
  constructor(private readonly db: Kysely<Database>, private readonly engine: Engine, inTransaction = false, private readonly scans?: ScanPool) {
    this.held = inTransaction ? new Map() : undefined;
  }

  /** Keeps the held chain state of a list in step with what this repository just wrote. */
  private moveHeld(listId: string, moved: Partial<ChainState>): void {
    const held = this.held?.get(listId);
    if (held) this.held!.set(listId, merged(held, moved) as ChainState);
  }

  /**
   * The chain's head. With `lock`, the list row stays locked until the transaction ends, so that
   * concurrent writers on several PostgreSQL nodes append one after another (SQLite transactions
   * are already serialised).
   */
  async chain(listId: string, lock: boolean): Promise<ChainState | undefined> {
    const held = this.held?.get(listId);
    if (held) return held;
    const r = await (lock && this.engine === 'postgres' ? CHAIN_FOR_UPDATE : CHAIN).first(this.db, { listId });
    const state = r && {
      // hexOf: an older SQLite process still running after the upgrade would write a hash it read as bytes here.
      headSeq: Number(r.audit_seq), headHash: hexOf(r.audit_head), anchorSeq: Number(r.audit_anchor_seq), anchorHash: hexOf(r.audit_anchor_hash), orgId: r.org_id, mappingVersion: Number(r.mapping_version),
    };
    if (lock && state) this.held?.set(listId, state);
    return state;
  }

  /**
   * Appends an event, filed under `people` (`audit_people`, the history index): the people it is
   * about other than its target, whose events `audit_list_target` finds (src/roster/audit.ts,
   * `filedPeople`; events recorded before also filed the target, which the queries allow for).
   */
  async append(row: NewAuditRow, people: readonly string[] = []): Promise<void> {
    // What the hash covers is the row as the caller made it; what is stored is smaller (issue 16,
    // compact storage: 1,000,000 people's initial sync is 1,000,000 events):
    // - `prev_hash` is stored as the empty text. It is always the hash of the event before this
    //   one in the chain (or of the anchor, for the first after it), so a read puts it back from
    //   there (withPrevious) and it need not be kept twice: 64 bytes an event. The chain is as
    //   tamper-evident as before: each hash still covers the previous one, so editing an event
    //   breaks the next event's hash, as it broke its stored prev_hash.
    // - On SQLite, the hash is stored as its 32 bytes, not 64 hex characters, and the JSON
    //   columns are packed (PostgreSQL compresses long values itself).
    const stored = this.engine === 'sqlite'
      ? merged(row, { changes: pack(row.changes), detail: packOrNull(row.detail ?? null), prev_hash: '', hash: Buffer.from(row.hash, 'hex') })
      : merged(row, { prev_hash: '' });
    await INSERT_EVENT.execute(this.db, stored as Omit<Insertable<Database['audit_events']>, 'id'> & Record<string, unknown>);
    for (let i = 0; i < people.length; i += 500) {
      await this.db.insertInto('audit_people').values(people.slice(i, i + 500).map((person_id) => ({ list_id: row.list_id, person_id, seq: row.seq }))).execute();
    }
    await MOVE_HEAD.execute(this.db, { listId: row.list_id, seq: Number(row.seq), hash: row.hash });
    this.moveHeld(row.list_id, { headSeq: Number(row.seq), headHash: row.hash });
  }

  async query(q: AuditQuery): Promise<AuditEventRow[]> {
    let b = this.db.selectFrom('audit_events').selectAll().where('list_id', '=', q.listId);
    // Actions are checked against the known ones, but a query may repeat one: bind each once.
    if (q.actions?.length) b = b.where('action', 'in', [...new Set(q.actions)]);
    if (q.seq !== undefined) b = b.where('seq', '=', q.seq);
    if (q.targetId) {
      const id = q.targetId;
      b = b.where((eb) => eb.or([
        eb('target_id', '=', id),
        eb('seq', 'in', eb.selectFrom('audit_people').select('audit_people.seq').where('audit_people.list_id', '=', q.listId).where('audit_people.person_id', '=', id)),
      ]));
    }
    if (q.personText) {
      const text = q.personText.trim();
      const found = this.peopleFound(q.listId, text);
      b = b.where((eb) => eb.or([
        eb('target_id', '=', text),
        eb('target_id', 'in', found),
        eb('seq', 'in', eb.selectFrom('audit_people').select('audit_people.seq').where('audit_people.list_id', '=', q.listId)
          .where((e2) => e2.or([e2('audit_people.person_id', '=', text), e2('audit_people.person_id', 'in', found)]))),
      ]));
    }
    // lower(idp) is what index audit_list_idp_lc covers (migration 017).
    if (q.idp) b = b.where(sql`lower(idp)`, '=', q.idp.toLowerCase());
    if (q.since) b = b.where('time', '>=', q.since);
    if (q.until) b = b.where('time', '<', q.until);
    if (q.cursor !== undefined) b = b.where('seq', q.order === 'desc' ? '<' : '>', q.cursor);
    const page = b.orderBy('seq', q.order).limit(q.limit);
    // A search by name reads the list's people and may walk its whole trail: in the lane of such
    // reads (scan-pool.ts), so that it never holds other lists' and organisations' requests.
    const rows = q.personText && this.scans ? await this.scans.rows(q.listId, page.compile()) : await page.execute();
    return this.withPrevious(q.listId, rows.map(normaliseRow));
  }

  /**
   * Puts back each event's `prev_hash` that is stored as the empty text (append says why): the
   * hash of the event before it, from the page when it is there, otherwise read (one statement,
   * by `audit_list_seq`), or the anchor's for the first event after it. An event whose previous
   * event is not there (removed by hand: `verify` names the gap) keeps the empty text. Events
   * written before hold their prev_hash, and keep it.
   */
  private async withPrevious(listId: string, rows: AuditEventRow[]): Promise<AuditEventRow[]> {
    const hashes = new Map<number, string>();
    for (const r of rows) hashes.set(r.seq, r.hash);
    const wanted: number[] = [];
    for (const r of rows) if (r.prev_hash === '' && r.seq > 1 && !hashes.has(r.seq - 1)) wanted.push(r.seq - 1);
    if (wanted.length) {
      const found = await this.db.selectFrom('audit_events').select(['seq', 'hash']).where('list_id', '=', listId).where('seq', 'in', wanted).execute();
      for (const f of found) hashes.set(Number(f.seq), hexOf(f.hash));
      if (found.length < wanted.length) {
        const anchor = await this.db.selectFrom('lists').select(['audit_anchor_seq', 'audit_anchor_hash']).where('id', '=', listId).executeTakeFirst();
        if (anchor) hashes.set(Number(anchor.audit_anchor_seq), hexOf(anchor.audit_anchor_hash));
      }
    }
    for (const r of rows) if (r.prev_hash === '') r.prev_hash = hashes.get(r.seq - 1) ?? '';
    return rows;
  }

  /** People of the list a search text finds: the id, the username, or every word as the roster's search finds it (roster-search.ts). */
  private peopleFound(listId: string, text: string) {
    const words = searchWords(text);
    return this.db.selectFrom('users').select('users.id').where('users.list_id', '=', listId).where((eb) => eb.or([
      eb('users.id', '=', text),
      eb('users.user_name_lc', '=', text.toLowerCase()),
      ...(words.length ? [eb.and(words.map((w) => rosterWordMatch(this.engine, w)))] : []),
    ]));
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
    // Its prev_hash is left as stored: retention needs only its seq and hash.
    return r && normaliseRow(r);
  }

  /**
   * Drops every event up to `seq` and re-anchors the chain there, in the caller's transaction.
   * Outbox events still kept that read their payload from one of them get it written in first
   * (migration 039). Such an event occurred at its audit event's time (audit-trail.ts), so the
   * outbox's time index finds them all at or before the latest time among the events dropped.
   */
  async dropThrough(listId: string, seq: number, hash: string): Promise<number> {
    const latest = await this.db.selectFrom('audit_events').select((eb) => eb.fn.max('time').as('t')).where('list_id', '=', listId).where('seq', '<=', seq).executeTakeFirst();
    // In chunks, so that memory stays bounded when the audit trail is kept for less time than the
    // outbox (MUSTER_AUDIT_RETENTION_DAYS below MUSTER_EVENTS_RETENTION_DAYS): a row written in
    // leaves the query.
    for (let more = Boolean(latest?.t); more;) {
      const readers = await eventRows(this.db).where('o.occurred_at', '<=', latest!.t).where('o.list_id', '=', listId).where('o.audit_seq', '<=', seq).limit(PAYLOAD_COPY.chunk).execute();
      for (const r of readers) {
        await this.db.updateTable('outbox_events').set({ payload: JSON.stringify(payloadFromAudit(r)), audit_seq: null }).where('id', '=', r.id).execute();
      }
      more = readers.length === PAYLOAD_COPY.chunk;
    }
    const res = await this.db.deleteFrom('audit_events').where('list_id', '=', listId).where('seq', '<=', seq).executeTakeFirst();
    await this.db.deleteFrom('audit_people').where('list_id', '=', listId).where('seq', '<=', seq).execute();
    await this.db.updateTable('lists').set({ audit_anchor_seq: seq, audit_anchor_hash: hash }).where('id', '=', listId).execute();
    this.moveHeld(listId, { anchorSeq: seq, anchorHash: hash });
    return Number(res.numDeletedRows);
  }

  // ------------------------------------------------------------ request log

  /**
   * A batch of the request log (up to 100 rows). On PostgreSQL one multi-row INSERT: one round
   * trip. On SQLite, where a statement is a call and not a round trip, one prepared single-row
   * INSERT per row in one transaction: a 100-row INSERT is built and compiled afresh for every
   * batch, which cost more than inserting the rows (issue 16). Long bodies are packed there
   * (src/store/sqlite/packed-text.ts): a Bulk request of 500 people is 65 KB of JSON, 5 KB packed.
   */
  async logRequests(rows: readonly NewRequestLogRow[]): Promise<void> {
    if (!rows.length) return;
    if (this.engine === 'postgres') {
      await this.db.insertInto('request_log').values(rows as NewRequestLogRow[]).execute();
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (const r of rows) {
        await INSERT_REQUEST.execute(trx, merged(r, {
          user_agent: r.user_agent ?? null, token_label: r.token_label ?? null, idp: r.idp ?? null,
          request_body: packOrNull(r.request_body ?? null, PACK_BODY_FROM), response_body: packOrNull(r.response_body ?? null, PACK_BODY_FROM),
        }));
      }
    });
  }

  async requests(q: { listId: string; failedOnly: boolean; requestId?: string; cursor?: number; limit: number }): Promise<RequestLogRow[]> {
    let b = this.db.selectFrom('request_log').selectAll().where('list_id', '=', q.listId);
    if (q.failedOnly) b = b.where('status', '>=', 400);
    if (q.requestId) b = b.where('request_id', '=', q.requestId);
    if (q.cursor !== undefined) b = b.where('id', '<', q.cursor);
    const rows = await b.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(requestRow);
  }

  /**
   * For the set-up guide's live check: how many events of each action a SCIM token caused after
   * `afterSeq` (a range of the `audit_list_seq` index, grouped in SQL), and where the request log
   * stands (its newest id for the list, on the `request_log_list` index).
   */
  async scimActionCounts(listId: string, afterSeq: number): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('audit_events').select(['action', sql<number>`count(*)`.as('n')])
      .where('list_id', '=', listId).where('seq', '>', afterSeq).where('token_id', 'is not', null)
      .groupBy('action').execute();
    return new Map(rows.map((r) => [r.action, Number(r.n)]));
  }

  async lastRequestId(listId: string): Promise<number> {
    const r = await this.db.selectFrom('request_log').select('id').where('list_id', '=', listId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return r ? Number(r.id) : 0;
  }

  /**
   * Requests logged for a list after `afterId` (the `request_log_list` range) made at or after
   * `since`: how many, how many failed, and the latest failures.
   */
  async requestsAfter(listId: string, afterId: number, since: string, failuresLimit: number): Promise<{ total: number; failed: number; failures: RequestLogRow[] }> {
    const c = await this.db.selectFrom('request_log').select([
      sql<number>`count(*)`.as('total'), sql<number>`coalesce(sum(case when status >= 400 then 1 else 0 end), 0)`.as('failed'),
    ]).where('list_id', '=', listId).where('id', '>', afterId).where('time', '>=', since).executeTakeFirstOrThrow();
    const rows = Number(c.failed) === 0 ? [] : await this.db.selectFrom('request_log').selectAll()
      .where('list_id', '=', listId).where('id', '>', afterId).where('time', '>=', since).where('status', '>=', 400).orderBy('id', 'desc').limit(failuresLimit).execute();
    return { total: Number(c.total), failed: Number(c.failed), failures: rows.map(requestRow) };
  }

  async purgeRequests(before: string): Promise<number> {
    const res = await this.db.deleteFrom('request_log').where('time', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /**
   * What the request log's size cap (MUSTER_REQUEST_LOG_MAX_ENTRIES) removes when it holds more
   * than `keep` entries: for each list over its share, the newest of its entries that goes (it and
   * every older one of that list). The share is what an equal split of `keep` gives each list once
   * the lists under it keep all theirs, so one list's burst of traffic (an IdP's initial sync at
   * the rate limit fills a million entries in hours) takes its own oldest entries, not every other
   * organisation's. Ids grow with time, so "newest" is by id. Reads the log once, from its
   * (list, id) index. No list is cut below its newest `floor` entries, whatever the cap: with more
   * lists than the cap can share out, each keeps its latest requests, and the log holds more than
   * the cap by at most `floor` a list.
   */
  async requestCapPlan(keep: number, floor = 0): Promise<{ listId: string; upTo: number }[]> {
    const counts = (await this.db.selectFrom('request_log').select((eb) => ['list_id', eb.fn.countAll<number>().as('n')]).groupBy('list_id').execute())
      .map((r) => ({ listId: r.list_id, n: Number(r.n) })).sort((a, b) => a.n - b.n);
    let left = keep;
    let share = Number.POSITIVE_INFINITY;
    for (const [i, c] of counts.entries()) {
      const even = Math.floor(left / (counts.length - i));
      if (c.n > even) {
        share = even;
        break;
      }
      left -= c.n;
    }
    share = Math.max(share, floor);
    const plan: { listId: string; upTo: number }[] = [];
    for (const c of counts) {
      if (c.n <= share) continue;
      const cut = await this.db.selectFrom('request_log').select('id').where('list_id', '=', c.listId).orderBy('id', 'desc').offset(share).limit(1).executeTakeFirst();
      if (cut) plan.push({ listId: c.listId, upTo: Number(cut.id) });
    }
    return plan;
  }

  /** Removes at most `chunk` of a list's request log entries with ids up to `upTo`, oldest first; answers how many, and whether more remain. */
  async removeRequests(listId: string, upTo: number, chunk: number): Promise<{ removed: number; more: boolean }> {
    const res = await this.db.deleteFrom('request_log').where('id', 'in', (eb) => eb.selectFrom('request_log').select('id')
      .where('list_id', '=', listId).where('id', '<=', upTo).orderBy('id').limit(chunk)).executeTakeFirst();
    const removed = Number(res.numDeletedRows);
    return { removed, more: removed === chunk };
  }
}
