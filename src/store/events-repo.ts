import { sql, type Kysely } from 'kysely';
import type { DomainEvent, EventType, NewDomainEvent } from '../events/types.js';
import { eventsFor } from '../events/from-audit.js';
import type { AuditAction } from '../roster/audit.js';
import type { Database, PackedText } from './schema.js';
import type { Engine } from './engine.js';
import { chunked } from './chunks.js';
import { Prepared } from './prepared.js';
import { unpack } from './sqlite/packed-text.js';

export interface EventsQuery {
  /** Only this organisation's events (the events API and webhooks always pass it). */
  readonly orgId?: string;
  /** Events with id strictly greater than this (0: from the oldest retained). */
  readonly afterId: number;
  readonly types?: readonly EventType[];
  readonly listId?: string;
  readonly limit: number;
}

/** An event without its payload (EventsRepo.headsAfter). */
export type EventHead = Omit<DomainEvent, 'payload'>;

/** Where a consumer has got to, once claimed. */
export interface ConsumerClaim {
  readonly lastId: number;
}

/** Events queued by one transaction, written as its last statements (see Store.transaction). */
export type OutboxQueue = NewDomainEvent[];

const EVENT_COLUMNS = 9;

/** The outbox statements every write runs before COMMIT, compiled once (src/store/prepared.ts). */
const TAKE_IDS = new Prepared<{ n: number }, { last_id: number }>(['n'], (db, p) => db.updateTable('outbox_head')
  .set({ last_id: sql<number>`last_id + ${p.n}` }).where('id', '=', 1).returning('last_id'));
const TAKE_SEQS = new Prepared<{ orgId: string; k: number; k2: number }, { seq: number }>(['orgId', 'k', 'k2'], (db, p) => db.insertInto('outbox_org_seq')
  .values({ org_id: p.orgId, seq: p.k }).onConflict((oc) => oc.column('org_id').doUpdateSet({ seq: sql<number>`outbox_org_seq.seq + ${p.k2}` })).returning('seq'));
const INSERT_ONE = new Prepared<{ id: number; org_id: string; seq: number; list_id: string | null; type: string; subject: string | null; occurred_at: string; payload: string; audit_seq: number | null }, never>(
  ['id', 'org_id', 'seq', 'list_id', 'type', 'subject', 'occurred_at', 'payload', 'audit_seq'],
  (db, p) => db.insertInto('outbox_events').values({ id: p.id, org_id: p.org_id, seq: p.seq, list_id: p.list_id, type: p.type, subject: p.subject, occurred_at: p.occurred_at, payload: p.payload, audit_seq: p.audit_seq }),
);
/**
 * SQLite: the last id handed out and the organisation's last seq, read where the rows are
 * (migration 040): the highest id, and the seq of the organisation's newest event through
 * `outbox_org_id`, each with the floor retention left in `outbox_head` and `outbox_org_seq` for
 * when every event has gone. Read, these dirty no page: the two counters' UPDATEs were two
 * statements and two 8 KiB pages in the log of every write (issue 16).
 */
const LAST_SQLITE = new Prepared<{ orgId: string; orgId2: string }, { last_id: number; max_id: number | null; floor_seq: number | null; last_seq: number | null }>(
  ['orgId', 'orgId2'],
  (db, p) => db.selectFrom('outbox_head').where('id', '=', 1).select([
    'last_id',
    sql<number | null>`(SELECT max(id) FROM outbox_events)`.as('max_id'),
    sql<number | null>`(SELECT seq FROM outbox_org_seq WHERE org_id = ${p.orgId})`.as('floor_seq'),
    sql<number | null>`(SELECT seq FROM outbox_events WHERE org_id = ${p.orgId2} ORDER BY id DESC LIMIT 1)`.as('last_seq'),
  ]),
);
const HEAD_ID = new Prepared<Record<string, never>, { last_id: number; max_id: number | null }>([], (db) => db.selectFrom('outbox_head').where('id', '=', 1)
  .select(['last_id', sql<number | null>`(SELECT max(id) FROM outbox_events)`.as('max_id')]));

const larger = (a: number | string | null | undefined, b: number | string | null | undefined): number => Math.max(Number(a ?? 0), Number(b ?? 0));

/**
 * Writes `events` to the outbox inside the open transaction `db` and returns them as stored.
 * Ids are handed out in commit order, so "id > after" never skips a row committed later, and each
 * organisation's seq with them (migration 022 says why). On PostgreSQL the UPDATE of `outbox_head`
 * takes the row lock that orders every append, and the seq is allocated under it. On SQLite the
 * transaction already holds the database's one write lock, so the next id and seq are read from
 * the rows (LAST_SQLITE). Callers run this as the last statements of their transaction
 * (Store.transaction does), to hold the lock only until COMMIT.
 */
export async function writeOutbox(db: Kysely<Database>, engine: Engine, events: readonly NewDomainEvent[], now: string): Promise<DomainEvent[]> {
  const n = events.length;
  if (n === 0) return [];
  const perOrg = new Map<string, number>();
  for (const e of events) perOrg.set(e.orgId, (perOrg.get(e.orgId) ?? 0) + 1);
  const nextSeq = new Map<string, number>();
  // Organisations in id order, as pruneBatch takes them: on PostgreSQL each one's counter row stays
  // locked to the end, and one order among every transaction that locks several means no deadlock.
  const orgs = [...perOrg.keys()].sort();
  let nextId = 0;
  if (engine === 'sqlite') {
    for (const orgId of orgs) {
      const r = (await LAST_SQLITE.first(db, { orgId, orgId2: orgId }))!;
      nextId ||= larger(r.last_id, r.max_id) + 1;
      nextSeq.set(orgId, larger(r.floor_seq, r.last_seq) + 1);
    }
  } else {
    const head = (await TAKE_IDS.first(db, { n }))!;
    nextId = Number(head.last_id) - n + 1;
    for (const orgId of orgs) {
      const k = perOrg.get(orgId)!;
      const r = (await TAKE_SEQS.first(db, { orgId, k, k2: k }))!;
      nextSeq.set(orgId, Number(r.seq) - k + 1);
    }
  }
  const stored: DomainEvent[] = [];
  const rows = events.map((e) => {
    const seq = nextSeq.get(e.orgId)!;
    nextSeq.set(e.orgId, seq + 1);
    // An event that names its audit event stores no copy of the payload (migration 039).
    const row = {
      id: nextId++, org_id: e.orgId, seq, list_id: e.listId, type: e.type, subject: e.subject, occurred_at: e.occurredAt ?? now,
      payload: e.auditSeq === undefined ? JSON.stringify(e.payload) : '', audit_seq: e.auditSeq ?? null,
    };
    stored.push({ id: row.id, orgId: row.org_id, seq, listId: row.list_id, type: e.type, subject: row.subject, occurredAt: row.occurred_at, payload: e.payload } as DomainEvent);
    return row;
  });
  if (rows.length === 1) await INSERT_ONE.execute(db, rows[0]!);
  else for (const part of chunked(rows, EVENT_COLUMNS)) await db.insertInto('outbox_events').values(part).execute();
  return stored;
}

/** An outbox row as read, with the columns of the audit event it names (null when it names none). */
export type EventRow = {
  id: number | string; org_id: string; seq: number | string; list_id: string | null; type: string;
  subject: string | null; occurred_at: string; payload: string; audit_seq: number | string | null;
  action: string | null; target_type: string | null; target_id: string | null; target_name: string | null;
  changes: PackedText | null; detail: PackedText | null; actor: string | null;
};

/** Outbox rows with the audit event each may name (found by `audit_list_seq`, list and seq). */
export function eventRows(db: Kysely<Database>) {
  return db.selectFrom('outbox_events as o')
    .leftJoin('audit_events as a', (j) => j.onRef('a.list_id', '=', 'o.list_id').onRef('a.seq', '=', 'o.audit_seq'))
    .select(['o.id', 'o.org_id', 'o.seq', 'o.list_id', 'o.type', 'o.subject', 'o.occurred_at', 'o.payload', 'o.audit_seq',
      'a.action', 'a.target_type', 'a.target_id', 'a.target_name', 'a.changes', 'a.detail', 'a.actor']);
}

/**
 * The payload of a row that names its audit event: the event of the row's type among those the
 * audit event makes, by eventsFor (the function that made it at the write, as this version has
 * it). Its JSON is the written payload's, key order aside (the audit trail stores values with
 * sorted keys). An audit event that is gone or does not read (an edited trail: `muster audit
 * verify` names it) gives `{unavailable: "…"}` saying so, rather than an error that would stop
 * every reader behind it: a webhook batch, a consumer's cursor, a page of the events API.
 */
export function payloadFromAudit(r: EventRow): unknown {
  const unavailable = (why: string) => ({ unavailable: `outbox event ${r.id}: the audit event its payload is read from (list ${r.list_id}, #${r.audit_seq}) ${why}` });
  if (r.action === null || r.changes === null || r.list_id === null) return unavailable('is not in the audit trail');
  try {
    const target = r.target_id === null ? undefined : { type: r.target_type ?? '', id: r.target_id, name: r.target_name };
    const detail = r.detail === null ? undefined : (JSON.parse(unpack(r.detail)) as Record<string, unknown>);
    const made = eventsFor(r.org_id, r.list_id, { action: r.action as AuditAction, target, changes: JSON.parse(unpack(r.changes)), detail }, r.actor ?? '')
      .find((e) => e.type === r.type);
    return made ? made.payload : unavailable(`makes no ${r.type} event`);
  } catch {
    return unavailable('does not read as JSON');
  }
}

/** An event's columns other than its payload, as read (the fan-out's whole read, and the start of every event's). */
const toHead = (r: Pick<EventRow, 'id' | 'org_id' | 'seq' | 'list_id' | 'type' | 'subject' | 'occurred_at'>): EventHead => ({
  id: Number(r.id), orgId: r.org_id, seq: Number(r.seq), listId: r.list_id, type: r.type as EventType, subject: r.subject, occurredAt: r.occurred_at,
});

/**
 * An event as read. A payload read from the audit trail is derived when first used: the consumers
 * of person.created and person.updated decide by list and person before they look at it.
 */
function toEvent(r: EventRow): DomainEvent {
  const e = toHead(r) as Record<string, unknown>;
  if (r.audit_seq === null) e.payload = JSON.parse(r.payload);
  else {
    Object.defineProperty(e, 'payload', {
      enumerable: true, configurable: true,
      get: () => {
        const payload = payloadFromAudit(r);
        Object.defineProperty(e, 'payload', { value: payload, enumerable: true });
        return payload;
      },
    });
  }
  return e as DomainEvent;
}

/**
 * The outbox of domain events (migration 022). Bound to a transaction (`tx.events`), `append`
 * queues events that Store.transaction writes just before COMMIT; bound to the database
 * (`store.events`), it writes them at once in a transaction of their own.
 */
export class EventsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly queue?: OutboxQueue,
    private readonly appendAlone?: (events: readonly NewDomainEvent[]) => Promise<void>,
  ) {}

  /** Appends events to the outbox in the caller's transaction (committed with it, or not at all). */
  async append(events: readonly NewDomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.queue) this.queue.push(...events);
    else if (this.appendAlone) await this.appendAlone(events);
    else throw new Error('EventsRepo.append needs a transaction');
  }

  /**
   * What the events after `afterId` are, without their payloads: in id (= commit) order, at most
   * `limit`. For readers that route events rather than send them (the webhook fan-out): no payload
   * parsed, and no audit event read for one (migration 039).
   */
  async headsAfter(afterId: number, limit: number): Promise<EventHead[]> {
    const rows = await this.db.selectFrom('outbox_events').select(['id', 'org_id', 'seq', 'list_id', 'type', 'subject', 'occurred_at'])
      .where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map(toHead);
  }

  /** Events after `afterId` in id (= commit) order, filtered, at most `limit`. */
  async readAfter(q: EventsQuery): Promise<DomainEvent[]> {
    let query = eventRows(this.db).where('o.id', '>', q.afterId);
    if (q.orgId !== undefined) query = query.where('o.org_id', '=', q.orgId);
    if (q.listId !== undefined) query = query.where('o.list_id', '=', q.listId);
    if (q.types && q.types.length > 0) query = query.where('o.type', 'in', q.types);
    const rows = await query.orderBy('o.id').limit(q.limit).execute();
    return rows.map(toEvent);
  }

  /** Events by id (a consumer nudged after a commit reads exactly those). */
  async byIds(ids: readonly number[]): Promise<DomainEvent[]> {
    const out: DomainEvent[] = [];
    for (const part of chunked(ids)) {
      if (part.length === 0) continue;
      const rows = await eventRows(this.db).where('o.id', 'in', part).orderBy('o.id').execute();
      out.push(...rows.map(toEvent));
    }
    return out;
  }

  /** The last id handed out (0 before the first event). */
  async headId(): Promise<number> {
    const r = await HEAD_ID.first(this.db, {});
    return larger(r?.last_id, r?.max_id);
  }

  /** The smallest id still stored (of the organisation, when given); undefined when none is. */
  async oldestRetainedId(orgId?: string): Promise<number | undefined> {
    let q = this.db.selectFrom('outbox_events').select((eb) => eb.fn.min<number>('id').as('m'));
    if (orgId !== undefined) q = q.where('org_id', '=', orgId);
    const r = await q.executeTakeFirst();
    return r?.m == null ? undefined : Number(r.m);
  }

  /**
   * The highest id of the organisation's that retention has removed (0: none). A reader whose
   * cursor is below it has missed events (the events API answers 410).
   */
  async prunedThrough(orgId: string): Promise<number> {
    const r = await this.db.selectFrom('outbox_org_seq').select('pruned_through').where('org_id', '=', orgId).executeTakeFirst();
    return Number(r?.pruned_through ?? 0);
  }

  /**
   * Removes up to `limit` events that occurred before `cutoff`, oldest ids first, and records per
   * organisation the highest id removed. On SQLite it also keeps, as floors, the last seq of each
   * organisation and the last id, which writeOutbox reads from the rows and would otherwise lose
   * with the last of them (an organisation whose events have all gone carries on from its floor).
   * Run it in a transaction (Store.pruneEvents loops it), so the records and the removal commit
   * together. Returns how many were removed.
   */
  async pruneBatch(cutoff: string, limit: number): Promise<number> {
    const victims = await this.db.selectFrom('outbox_events').select(['id', 'org_id', 'seq']).where('occurred_at', '<', cutoff)
      .orderBy('id').limit(limit).execute();
    if (victims.length === 0) return 0;
    const top = new Map<string, { id: number; seq: number }>();
    for (const v of victims) {
      const t = top.get(v.org_id);
      top.set(v.org_id, { id: Math.max(t?.id ?? 0, Number(v.id)), seq: Math.max(t?.seq ?? 0, Number(v.seq)) });
    }
    // In organisation id order, as writeOutbox locks them (no deadlock between the two on PostgreSQL).
    for (const [orgId, t] of [...top].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      // PostgreSQL's writers keep the row's seq themselves (and made the row); SQLite's read it from the rows.
      await this.db.insertInto('outbox_org_seq').values({ org_id: orgId, seq: t.seq, pruned_through: t.id })
        .onConflict((oc) => oc.column('org_id').doUpdateSet({
          pruned_through: sql<number>`CASE WHEN outbox_org_seq.pruned_through < ${t.id} THEN ${t.id} ELSE outbox_org_seq.pruned_through END`,
          seq: sql<number>`CASE WHEN outbox_org_seq.seq < ${t.seq} THEN ${t.seq} ELSE outbox_org_seq.seq END`,
        })).execute();
    }
    if (this.engine === 'sqlite') {
      const last = Math.max(...[...top.values()].map((t) => t.id));
      await this.db.updateTable('outbox_head').set({ last_id: sql<number>`CASE WHEN last_id < ${last} THEN ${last} ELSE last_id END` }).where('id', '=', 1).execute();
    }
    for (const part of chunked(victims.map((v) => Number(v.id)))) await this.db.deleteFrom('outbox_events').where('id', 'in', part).execute();
    return victims.length;
  }

  /**
   * Claims the consumer `name` for `owner` until `until` (an ISO time) when no other node holds
   * an unexpired claim; a consumer seen for the first time starts at the current head, so
   * deploying one does not replay the retained history. Undefined when another node holds it.
   */
  async claimConsumer(name: string, owner: string, now: string, until: string): Promise<ConsumerClaim | undefined> {
    const head = await this.headId();
    await this.db.insertInto('outbox_consumers').values({ name, last_id: head, locked_by: null, locked_until: null, updated_at: now })
      .onConflict((oc) => oc.column('name').doNothing()).execute();
    const r = await this.db.updateTable('outbox_consumers').set({ locked_by: owner, locked_until: until })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('locked_by', 'is', null), eb('locked_by', '=', owner), eb('locked_until', '<', now)]))
      .returning('last_id').executeTakeFirst();
    return r ? { lastId: Number(r.last_id) } : undefined;
  }

  /**
   * Moves the consumer's cursor forward to `lastId`, if `owner` still holds it, and holds it until
   * `until` (a long pass renews its lease as it goes); false when it lost the claim.
   */
  async advanceConsumer(name: string, owner: string, lastId: number, now: string, until: string): Promise<boolean> {
    const r = await this.db.updateTable('outbox_consumers').set({ last_id: sql<number>`CASE WHEN last_id < ${lastId} THEN ${lastId} ELSE last_id END`, updated_at: now, locked_until: until })
      .where('name', '=', name).where('locked_by', '=', owner).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseConsumer(name: string, owner: string): Promise<void> {
    await this.db.updateTable('outbox_consumers').set({ locked_by: null, locked_until: null })
      .where('name', '=', name).where('locked_by', '=', owner).execute();
  }

  /**
   * Records that `consumer` handled event `eventId`; false when it already had (then the caller
   * skips its handler). Run it in the handler's transaction: on PostgreSQL a second node racing
   * for the same event waits on this row's key until the first commits, then conflicts.
   */
  async markProcessed(consumer: string, eventId: number, now: string): Promise<boolean> {
    const r = await this.db.insertInto('outbox_processed').values({ consumer, event_id: eventId, processed_at: now })
      .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Forgets handled-event records older than `cutoff` (their events are gone by then too). */
  async pruneProcessed(cutoff: string): Promise<number> {
    const r = await this.db.deleteFrom('outbox_processed').where('processed_at', '<', cutoff).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async consumerPosition(name: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('outbox_consumers').select('last_id').where('name', '=', name).executeTakeFirst();
    return r ? Number(r.last_id) : undefined;
  }
}
