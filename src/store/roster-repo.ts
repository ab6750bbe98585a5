import { sql, type CompiledQuery, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { FieldType, MappingEntry, RosterField, Transform } from '../roster/fields.js';
import type { AuditAction } from '../roster/audit.js';
import type { Database } from './schema.js';
import type { Engine } from './engine.js';
import { userNameKey } from '../scim/user-name.js';
import { chunked } from './chunks.js';
import { Prepared } from './prepared.js';
import type { CallerGone, ScanPool } from './scan-pool.js';
import { unpack } from './sqlite/packed-text.js';
import { fieldSlots, keysWithoutSlot, legacyRow, readStoredFields, storedFields, type FieldSlots } from '../roster/derivation.js';
import { compactedData } from './compact-rows.js';
import { rosterFieldText, rosterWordMatch, searchWords } from './roster-search.js';
import { userNameOf } from './users-repo.js';
import { userDocOf } from '../scim/schemas-code.js';

/** Read by every SCIM write (src/store/prepared.ts). */
const MAPPING_VERSION = new Prepared<{ listId: string }, { mapping_version: number }>(['listId'], (db, p) => db.selectFrom('lists').select('mapping_version').where('id', '=', p.listId));

export type JobRow = Selectable<Database['jobs']>;

export interface PersonRow {
  readonly id: string;
  readonly seq: number;
  readonly userName: string;
  readonly active: boolean;
  readonly fields: Record<string, unknown>;
  readonly problems: unknown[];
  /** The newest write of the person the audit trail holds (null once retention dropped it). */
  readonly lastOperation: LastOperation | null;
  readonly created: string;
  readonly lastModified: string;
  /** What an ID office asks first: is there a photo, and is there a valid credential. */
  readonly photoStatus: PhotoSummary;
  readonly credentialStatus: CredentialSummary;
}

/** A write of a person: its audit event's action, time, identity provider and request; `source` for a CSV import. */
export interface LastOperation {
  readonly action: string;
  readonly time: string;
  readonly idp: string | null;
  readonly requestId: string | null;
  readonly source?: string;
}

/** The audit actions that write a person's row (SCIM, Entra sync and CSV import): what "last change" means. */
const PERSON_WRITES: readonly AuditAction[] = ['person.created', 'person.updated', 'person.deactivated', 'person.reactivated'];

/** `pending`: a photo waits for review (even when an older one is approved); `rejected`: the last ones were refused, none approved. */
export type PhotoSummary = 'none' | 'pending' | 'approved' | 'rejected';
/** The best status among the person's credentials (any kind): valid, else suspended, else revoked; `none` before the first one. */
export type CredentialSummary = 'none' | 'valid' | 'suspended' | 'revoked';

export interface PeopleQuery {
  readonly listId: string;
  readonly personId?: string;
  readonly search?: string;
  readonly status?: 'active' | 'deactivated';
  readonly problems?: boolean;
  /** `none`: neither an approved photo nor one waiting for review; `pending`: a photo waits for review. */
  readonly photo?: 'none' | 'pending';
  /** `none`: no card issued yet (printing issues one); `revoked`: credentials, none valid or suspended. */
  readonly credential?: 'none' | 'revoked';
  readonly sort?: PeopleSort;
  readonly descending?: boolean;
  readonly offset: number;
  readonly limit: number;
  /** Whether the caller has left: a whole-list read not yet run is then dropped (ScanCallerGoneError). */
  readonly gone?: CallerGone;
}

/** The people page's order: a column, or the text of one roster field (a key the caller checked). */
export type PeopleSort = { readonly column: 'created' | 'lastModified' } | { readonly field: string };

/*
 * Photo and credential status are correlated subqueries answered by the photos_person and
 * credentials_person indexes (person_id, status; migrations 006 and 007): each probe is an index
 * seek for one person, so a filter walks the list's users index once and never loads the list
 * into memory, and the page's columns cost two probes per row shown.
 */
const hasPhoto = (statuses: readonly string[]) => sql<boolean>`EXISTS (SELECT 1 FROM photos p WHERE p.person_id = users.id AND p.status IN (${sql.join(statuses)}))`;
const hasCredential = (statuses: readonly string[], kind?: string) =>
  sql<boolean>`EXISTS (SELECT 1 FROM credentials c WHERE c.person_id = users.id AND c.status IN (${sql.join(statuses)})${kind ? sql` AND c.kind = ${kind}` : sql``})`;
const ALL_CREDENTIAL_STATUSES = ['valid', 'suspended', 'revoked'];
const photoSummary = sql<string>`CASE WHEN ${hasPhoto(['pending'])} THEN 'pending' WHEN ${hasPhoto(['approved'])} THEN 'approved' WHEN ${hasPhoto(['rejected'])} THEN 'rejected' ELSE 'none' END`;
const credentialSummary = sql<string>`CASE WHEN ${hasCredential(['valid'])} THEN 'valid' WHEN ${hasCredential(['suspended'])} THEN 'suspended' WHEN ${hasCredential(['revoked'])} THEN 'revoked' ELSE 'none' END`;

const parse = <T>(s: string | null, dflt: T): T => (s ? (JSON.parse(s) as T) : dflt);
const NO_SLOTS = fieldSlots([]);

/**
 * The stored fields with the list's other fields as null, in the list's order (a key no longer on
 * the list kept after them). Own keys only, though field keys never name Object.prototype's (fields.ts).
 */
function everyField(keys: readonly string[], stored: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = Object.hasOwn(stored, k) ? (stored[k] ?? null) : null;
  for (const k of Object.keys(stored)) if (!Object.hasOwn(out, k)) out[k] = stored[k];
  return out;
}

/** A write's `source` (a CSV import's "csv import"), from its audit event's detail; none when it has none or does not read. */
function sourceOf(detail: string | Uint8Array | null): string | undefined {
  try {
    const d = parse<{ source?: unknown } | null>(unpack(detail), null);
    return typeof d?.source === 'string' ? d.source : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The people with sync problems: "> 0" as a constant, because the partial index users_list_problems
 * (migration 042) is used only for a query whose condition implies its own, which a bound
 * parameter does not.
 */
export const WITH_PROBLEMS = sql<boolean>`users.problem_count > 0`;

/** The deactivated people: a constant, for the partial index users_list_deactivated (migration 044), as WITH_PROBLEMS. */
export const DEACTIVATED = sql<boolean>`users.active = 0`;

/** Roster schema, mapping, derived people, received attributes and jobs. */
export class RosterRepo {
  /** `onEnqueue` tells the store a job row was written (so a runner can start it without waiting for its next poll). */
  /** `scans`: the lane of whole-list reads (scan-pool.ts), for the reads below (outside a transaction only). */
  constructor(private readonly db: Kysely<Database>, private readonly onEnqueue?: () => void, private readonly engine: Engine = 'sqlite', private readonly scans?: ScanPool) {}

  /**
   * A read over a whole list (the roster page's search, filters, sort and counts: every person of
   * the list, about a second at a million people) in the lane of such reads when there is one, so
   * that an administrator browsing a large roster never holds the requests of other lists and
   * organisations (scan-pool.ts); here otherwise.
   */
  private async wholeList<R>(listId: string, q: { compile(): CompiledQuery<R>; execute(): Promise<R[]> }, gone?: CallerGone): Promise<R[]> {
    return this.scans ? this.scans.rows(listId, q.compile(), gone) : q.execute();
  }

  /** A field's value to sort by (rosterFieldText), or a column. */
  private async sortExpression(listId: string, sort: PeopleSort): Promise<RawBuilder<unknown>> {
    if ('column' in sort) return sql.ref(sort.column === 'created' ? 'users.created' : 'users.last_modified');
    return rosterFieldText(this.engine, sort.field, (await this.slots(listId)).slotOf.get(sort.field));
  }

  /** The slots of the list's field keys in its stored people (FieldSlots). Read after the people they decode: slots are only ever added. */
  async slots(listId: string): Promise<FieldSlots> {
    const rows = await this.db.selectFrom('field_slots').select(['key', 'slot']).where('list_id', '=', listId).execute();
    return fieldSlots(rows.map((r) => [r.key, Number(r.slot)] as const));
  }

  /**
   * Gives each of `keys` without a slot the next free one, under the list's lock (the caller's),
   * and then moves the list's mapping version on: the slots a write decodes and encodes with are
   * read with that version and kept until it moves (RosterService.schema), so a slot never sits
   * in a row that a cached schema does not name. True when it gave any.
   */
  async ensureSlots(listId: string, keys: readonly string[]): Promise<boolean> {
    const have = await this.slots(listId);
    const missing = [...new Set(keys)].filter((k) => !have.slotOf.has(k));
    if (!missing.length) return false;
    let next = have.keys.length;
    for (const part of chunked(missing, 100)) {
      await this.db.insertInto('field_slots').values(part.map((key) => ({ list_id: listId, key, slot: next++ }))).execute();
    }
    await this.bumpMappingVersion(listId);
    return true;
  }

  /**
   * `slots` (the list's), with a slot given to each key of `values` that storedFields would write
   * and that has none: a value kept under a key the list no longer has, removed before slots were
   * kept (migration 043). Under the list's lock, the caller's.
   */
  async slotsFor(listId: string, values: Readonly<Record<string, unknown>>, slots: FieldSlots): Promise<FieldSlots> {
    const missing = keysWithoutSlot(values, slots);
    return missing.length && (await this.ensureSlots(listId, missing)) ? this.slots(listId) : slots;
  }

  async fields(listId: string): Promise<RosterField[]> {
    const rows = await this.db.selectFrom('roster_fields').selectAll().where('list_id', '=', listId).orderBy('position').execute();
    return rows.map((r) => ({
      key: r.key, label: r.label, type: r.type as FieldType, required: Number(r.required) === 1, unique: Number(r.is_unique) === 1,
      ...(r.options ? { options: JSON.parse(r.options) as string[] } : {}),
    }));
  }

  async replaceFields(listId: string, fields: readonly RosterField[]): Promise<void> {
    await this.db.deleteFrom('roster_fields').where('list_id', '=', listId).execute();
    let position = 0;
    for (const part of chunked(fields, 8)) {
      await this.db.insertInto('roster_fields').values(part.map((f) => ({
        list_id: listId, key: f.key, label: f.label, type: f.type, options: f.options ? JSON.stringify(f.options) : null,
        required: f.required ? 1 : 0, is_unique: f.unique ? 1 : 0, position: position++,
      }))).execute();
    }
    await this.ensureSlots(listId, fields.map((f) => f.key));
  }

  async mapping(listId: string): Promise<MappingEntry[]> {
    const rows = await this.db.selectFrom('field_mappings').selectAll().where('list_id', '=', listId).orderBy('position').execute();
    return rows.map((r) => ({ source: r.source, field: r.field_key, transform: r.transform as Transform, ...(r.template !== null ? { template: r.template } : {}) }));
  }

  async replaceMapping(listId: string, entries: readonly MappingEntry[]): Promise<void> {
    await this.db.deleteFrom('field_mappings').where('list_id', '=', listId).execute();
    let position = 0;
    for (const part of chunked(entries, 6)) {
      await this.db.insertInto('field_mappings').values(part.map((e) => ({
        list_id: listId, position: position++, source: e.source, field_key: e.field, transform: e.transform, template: e.template ?? null,
      }))).execute();
    }
  }

  async bumpMappingVersion(listId: string): Promise<number> {
    await this.db.updateTable('lists').set((eb) => ({ mapping_version: eb('mapping_version', '+', 1) })).where('id', '=', listId).execute();
    const r = await this.db.selectFrom('lists').select('mapping_version').where('id', '=', listId).executeTakeFirstOrThrow();
    return Number(r.mapping_version);
  }

  async mappingVersion(listId: string): Promise<number> {
    const r = await MAPPING_VERSION.first(this.db, { listId });
    return Number(r?.mapping_version ?? 0);
  }

  // -------------------------------------------------------------- people

  private peopleWhere(q: PeopleQuery) {
    let b = this.db.selectFrom('users').where('users.list_id', '=', q.listId);
    if (q.personId) b = b.where('users.id', '=', q.personId);
    if (q.status) b = b.where(q.status === 'active' ? sql<boolean>`users.active = 1` : DEACTIVATED);
    if (q.problems !== undefined) b = q.problems ? b.where(WITH_PROBLEMS) : b.where('users.problem_count', '=', 0);
    if (q.photo === 'none') b = b.where(sql<boolean>`NOT ${hasPhoto(['approved', 'pending'])}`);
    if (q.photo === 'pending') b = b.where(hasPhoto(['pending']));
    if (q.credential === 'none') b = b.where(sql<boolean>`NOT ${hasCredential(ALL_CREDENTIAL_STATUSES, 'card')}`);
    if (q.credential === 'revoked') b = b.where(hasCredential(['revoked'])).where(sql<boolean>`NOT ${hasCredential(['valid', 'suspended'])}`);
    if (q.search) for (const word of searchWords(q.search)) b = b.where(rosterWordMatch(this.engine, word));
    return b;
  }

  async countPeople(q: PeopleQuery): Promise<number> {
    const [r] = await this.wholeList(q.listId, this.peopleWhere(q).select(sql<number>`count(*)`.as('n')), q.gone);
    return Number(r?.n ?? 0);
  }

  async people(q: PeopleQuery): Promise<PersonRow[]> {
    let b = this.peopleWhere(q).select([userNameOf('users').as('user_name'), 'users.id', 'users.seq', 'users.active', 'users.fields', 'users.problems', 'users.created', 'users.last_modified',
      photoSummary.as('photo_status'), credentialSummary.as('credential_status')]);
    const sortExpr = q.sort ? await this.sortExpression(q.listId, q.sort) : undefined;
    if (sortExpr) b = b.orderBy(sql`${sortExpr} ${q.descending ? sql`DESC` : sql`ASC`}`);
    b = b.orderBy('users.seq', q.descending && !sortExpr ? 'desc' : 'asc');
    b = b.limit(q.limit).offset(q.offset);
    // One person by id is an index read; any other page may read the whole list.
    const rows = q.personId ? await b.execute() : await this.wholeList(q.listId, b, q.gone);
    const last = await this.lastOperations(q.listId, rows.map((r) => r.id));
    // Stored without their empty fields (derivation.ts, storedFields): a person comes out with every field of the list, null when empty.
    const keys = rows.length ? (await this.fields(q.listId)).map((f) => f.key) : [];
    const slots = rows.length ? await this.slots(q.listId) : NO_SLOTS;
    return rows.map((r) => ({
      id: r.id, seq: Number(r.seq), userName: r.user_name, active: Number(r.active) === 1,
      fields: everyField(keys, readStoredFields(r.fields, slots)), problems: parse(r.problems, []), lastOperation: last.get(r.id) ?? null, created: r.created, lastModified: r.last_modified,
      photoStatus: r.photo_status as PhotoSummary, credentialStatus: r.credential_status as CredentialSummary,
    }));
  }

  /**
   * Each person's newest write, from the audit trail (the row keeps no copy of it: issue 16). One
   * statement for a page: for each person, index audit_list_target read from their newest event
   * back to the first that is a write (a photo's or a card's events are about them too).
   */
  private async lastOperations(listId: string, ids: readonly string[]): Promise<Map<string, LastOperation>> {
    const out = new Map<string, LastOperation>();
    for (const part of chunked(ids)) {
      // By id alone (ids are unique): with the list's id as well, SQLite walked the list's index instead.
      const newest = this.db.selectFrom('users as u').where('u.id', 'in', part)
        .select((eb) => eb.selectFrom('audit_events as b').select('b.seq').where('b.list_id', '=', listId).whereRef('b.target_id', '=', 'u.id')
          .where('b.action', 'in', PERSON_WRITES).orderBy('b.seq', 'desc').limit(1).as('seq'));
      const rows = await this.db.selectFrom('audit_events').select(['target_id', 'action', 'time', 'idp', 'request_id', 'detail'])
        .where('list_id', '=', listId).where('seq', 'in', newest).execute();
      for (const r of rows) {
        const source = sourceOf(r.detail);
        out.set(r.target_id!, { action: r.action, time: r.time, idp: r.idp, requestId: r.request_id, ...(source ? { source } : {}) });
      }
    }
    return out;
  }

  /** A list's Total, Active and Synced counts (`gone`: as PeopleQuery's). */
  async counts(listId: string, gone?: CallerGone): Promise<{ total: number; active: number; synced: number; withProblems: number }> {
    const [r] = await this.wholeList(listId, this.db.selectFrom('users').where('list_id', '=', listId).select([
      sql<number>`count(*)`.as('total'),
      sql<number>`coalesce(sum(case when active = 1 then 1 else 0 end), 0)`.as('active'),
      sql<number>`coalesce(sum(case when problem_count = 0 then 1 else 0 end), 0)`.as('synced'),
    ]), gone);
    if (!r) return { total: 0, active: 0, synced: 0, withProblems: 0 };
    const total = Number(r.total), synced = Number(r.synced);
    return { total, active: Number(r.active), synced, withProblems: total - synced };
  }

  /**
   * Users after `afterSeq` (keyset), for re-deriving fields in batches; `legacy` when the row's
   * fields are still in the form written before migration 043 (derivation.ts, legacyRow).
   */
  async usersAfter(listId: string, afterSeq: number, limit: number) {
    const rows = await this.db.selectFrom('users').select(['id', 'seq', 'data', 'fields', 'search', 'problems', userNameOf('users').as('user_name'), 'version'])
      .where('list_id', '=', listId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    const slots = rows.length ? await this.slots(listId) : NO_SLOTS;
    return rows.map((r) => ({
      id: r.id, seq: Number(r.seq), userName: r.user_name, version: Number(r.version),
      data: userDocOf(r.data),
      fields: readStoredFields(r.fields, slots), legacy: legacyRow(r.fields, r.search), problems: parse<unknown[]>(r.problems, []),
    }));
  }

  /**
   * Rewrites the list's people after `afterSeq` (keyset, `limit` of them) that are still stored as
   * before migration 043 in the form a write makes now, values unchanged (the `storage.compact`
   * job, src/jobs/compact-job.ts; under the list's lock, the caller's):
   * - fields by key, or a search text → fields by slot (a key without a slot, as a field removed
   *   before 043 left it, is given one, as an import does), no search text;
   * - a userName that is its own key (lower case, NFC) → '' (read from `user_name_lc`);
   * - the usual `schemas` arrays → their code (compact-rows.ts).
   * A person is written only if still at the version read, and keeps it: nothing a reader sees changed.
   */
  async compactAfter(listId: string, afterSeq: number, limit: number): Promise<{ read: number; converted: number; last: number }> {
    const rows = await this.db.selectFrom('users').select(['id', 'seq', 'data', 'fields', 'search', 'user_name', 'user_name_lc', 'version'])
      .where('list_id', '=', listId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    let slots = rows.length ? await this.slots(listId) : NO_SLOTS;
    const updates: { id: string; version: number; data: string | undefined; fields: string | null | undefined; ownKey: boolean }[] = [];
    for (const r of rows) {
      let fields: string | null | undefined;
      if (legacyRow(r.fields, r.search)) {
        const values = readStoredFields(r.fields, slots);
        slots = await this.slotsFor(listId, values, slots);
        fields = r.fields === null ? null : storedFields(values, slots);
      }
      const data = compactedData(r.data);
      const ownKey = r.user_name !== '' && r.user_name === r.user_name_lc;
      if (data !== undefined || fields !== undefined || ownKey) updates.push({ id: r.id, version: Number(r.version), data, fields, ownKey });
    }
    let converted = 0;
    if (this.engine === 'postgres' && updates.length) {
      // One statement for the batch: a round trip a row made PostgreSQL's batches five times SQLite's.
      const values = updates.map((u) => sql`(${u.id}::text, ${u.version}::integer, ${u.data ?? null}::jsonb, ${u.fields !== undefined}::boolean, ${u.fields ?? null}::text, ${u.ownKey}::boolean)`);
      const res = await sql`UPDATE users AS u SET data = COALESCE(v.data, u.data),
          fields = CASE WHEN v.set_fields THEN v.fields ELSE u.fields END, search = CASE WHEN v.set_fields THEN NULL ELSE u.search END,
          user_name = CASE WHEN v.own_key THEN '' ELSE u.user_name END
        FROM (VALUES ${sql.join(values)}) AS v(id, version, data, set_fields, fields, own_key)
        WHERE u.id = v.id AND u.list_id = ${listId} AND u.version = v.version`.execute(this.db);
      converted = Number(res.numAffectedRows ?? 0);
    } else {
      for (const u of updates) {
        const res = await this.db.updateTable('users').set({
          ...(u.data !== undefined ? { data: u.data } : {}),
          ...(u.fields !== undefined ? { fields: u.fields, search: null } : {}),
          ...(u.ownKey ? { user_name: '' } : {}),
        }).where('id', '=', u.id).where('version', '=', u.version).executeTakeFirst();
        if (Number(res.numUpdatedRows) > 0) converted++;
      }
    }
    return { read: rows.length, converted, last: rows.length ? Number(rows[rows.length - 1]!.seq) : afterSeq };
  }

  /** People of a list by userName (case-insensitive, NFC: userNameKey), for imports; keyed by userNameKey. */
  async peopleByUserName(listId: string, names: readonly string[]) {
    const out = new Map<string, { id: string; version: number; created: string; fields: Record<string, unknown> }>();
    for (let i = 0; i < names.length; i += 500) {
      const rows = await this.db.selectFrom('users').select(['id', 'version', 'created', 'fields', 'user_name_lc']).where('list_id', '=', listId)
        .where('user_name_lc', 'in', names.slice(i, i + 500).map(userNameKey)).execute();
      const slots = rows.length ? await this.slots(listId) : NO_SLOTS;
      for (const r of rows) out.set(r.user_name_lc, { id: r.id, version: Number(r.version), created: r.created, fields: readStoredFields(r.fields, slots) });
    }
    return out;
  }

  /** Writes derived fields if the person is still at `version`; false when a concurrent write moved it on. */
  async setDerived(id: string, d: { fields: string; problems: string; problemCount: number; mappingVersion: number }, version: number): Promise<boolean> {
    const res = await this.db.updateTable('users').set({
      // search: written before migration 043 only, and cleared so that search reads the fields (roster-search.ts).
      fields: d.fields, problems: d.problems, problem_count: d.problemCount, search: null, mapping_version: d.mappingVersion,
    }).where('id', '=', id).where('version', '=', version).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  // -------------------------------------------------------------- received attributes

  /** Adds `count` sightings of each path (batched by the caller), keeping the first sample seen. */
  async sawAttributes(listId: string, seen: ReadonlyMap<string, { count: number; sample: string }>, now: string): Promise<void> {
    const rows = [...seen].map(([path, v]) => ({ list_id: listId, path, count: v.count, sample: v.sample, first_seen: now, last_seen: now }));
    for (let i = 0; i < rows.length; i += 200) {
      await this.db.insertInto('seen_attributes').values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(['list_id', 'path']).doUpdateSet((eb) => ({
          count: eb('seen_attributes.count', '+', eb.ref('excluded.count')),
          last_seen: eb.ref('excluded.last_seen'),
        })))
        .execute();
    }
  }

  async seenAttributes(listId: string) {
    const rows = await this.db.selectFrom('seen_attributes').selectAll().where('list_id', '=', listId).orderBy('path').execute();
    return rows.map((r) => ({ path: r.path, count: Number(r.count), sample: r.sample, firstSeen: r.first_seen, lastSeen: r.last_seen }));
  }

  // -------------------------------------------------------------- jobs

  async enqueue(job: { id: string; listId: string; kind: string; params: unknown; total: number; now: string }): Promise<void> {
    await this.db.insertInto('jobs').values({
      id: job.id, list_id: job.listId, kind: job.kind, status: 'queued', params: JSON.stringify(job.params), total: job.total,
      done: 0, cursor: 0, attempts: 0, created_at: job.now,
    }).execute();
    this.onEnqueue?.();
  }

  async job(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async jobs(listId: string, limit: number): Promise<JobRow[]> {
    return this.db.selectFrom('jobs').selectAll().where('list_id', '=', listId).orderBy('created_at', 'desc').limit(limit).execute();
  }

  /**
   * Claims the oldest runnable job for `worker`: a queued one (not deferred to a later time), or a
   * running one whose lock expired (its node died); only of `kinds` when given. The conditional
   * UPDATE makes the claim atomic on every engine.
   */
  async claim(worker: string, now: string, lockUntil: string, kinds?: readonly string[]): Promise<JobRow | undefined> {
    let q = this.db.selectFrom('jobs').select(['id', 'status', 'locked_until'])
      .where((eb) => eb.or([
        // A queued job's locked_until, when set, is the time before which it must not run (a retry's backoff).
        eb.and([eb('status', '=', 'queued'), eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)])]),
        eb.and([eb('status', '=', 'running'), eb('locked_until', '<', now)]),
      ]));
    if (kinds) q = q.where('kind', 'in', kinds.length ? [...kinds] : ['']);
    const candidates = await q.orderBy('created_at').limit(5).execute();
    for (const c of candidates) {
      let u = this.db.updateTable('jobs').set((eb) => ({ status: 'running', locked_by: worker, locked_until: lockUntil, attempts: eb('attempts', '+', 1), started_at: now }))
        .where('id', '=', c.id).where('status', '=', c.status);
      u = c.locked_until === null ? u.where('locked_until', 'is', null) : u.where('locked_until', '=', c.locked_until);
      const res = await u.executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return this.job(c.id);
    }
    return undefined;
  }

  async progress(id: string, worker: string, p: { done: number; cursor: number; total?: number; lockUntil: string }): Promise<boolean> {
    const res = await this.db.updateTable('jobs').set({ done: p.done, cursor: p.cursor, locked_until: p.lockUntil, ...(p.total !== undefined ? { total: p.total } : {}) })
      .where('id', '=', id).where('locked_by', '=', worker).where('status', '=', 'running').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Extends a running job's lock (the runner's heartbeat); false when it is no longer this worker's. */
  async renewLock(id: string, worker: string, lockUntil: string): Promise<boolean> {
    const res = await this.db.updateTable('jobs').set({ locked_until: lockUntil }).where('id', '=', id).where('locked_by', '=', worker).where('status', '=', 'running').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Saves a job's resumable state and progress; false when the job is no longer this worker's. */
  async saveState(id: string, worker: string, p: { params: unknown; done: number; lockUntil: string }): Promise<boolean> {
    const res = await this.db.updateTable('jobs').set({ params: JSON.stringify(p.params), done: p.done, locked_until: p.lockUntil })
      .where('id', '=', id).where('locked_by', '=', worker).where('status', '=', 'running').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async finish(id: string, worker: string, status: 'done' | 'failed' | 'superseded', now: string, result?: unknown, error?: string): Promise<void> {
    await this.db.updateTable('jobs').set({ status, finished_at: now, locked_until: null, result: result === undefined ? null : JSON.stringify(result), error: error ?? null })
      .where('id', '=', id).where('locked_by', '=', worker).execute();
  }

  /** Puts a job back in the queue, to be claimed again at `notBefore` or later, with its new state. */
  async requeue(id: string, worker: string, p: { params: unknown; notBefore: string; error: string }): Promise<void> {
    await this.db.updateTable('jobs').set({ status: 'queued', locked_by: null, locked_until: p.notBefore, params: JSON.stringify(p.params), error: p.error })
      .where('id', '=', id).where('locked_by', '=', worker).execute();
  }

  /**
   * Puts a job back in the queue, not to run before `runAfter` (a retry's backoff), with `error` as
   * its last error. Its attempts are kept, or with `uncounted` the claim that ends here is not
   * counted as one (a run the database's outage cut short: handlers count attempts to give up).
   */
  async defer(id: string, worker: string, runAfter: string, error: string, uncounted = false): Promise<void> {
    await this.db.updateTable('jobs').set((eb) => ({
      status: 'queued', locked_by: null, locked_until: runAfter, error, ...(uncounted ? { attempts: eb('attempts', '-', 1) } : {}),
    })).where('id', '=', id).where('locked_by', '=', worker).execute();
  }

  /** Queued and running jobs by kind, with the oldest's creation time (metrics; the jobs_status index). */
  async queueStats(): Promise<{ kind: string; state: 'queued' | 'running'; count: number; oldest: string | null }[]> {
    const rows = await this.db.selectFrom('jobs').select((eb) => ['kind', 'status', eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('status', 'in', ['queued', 'running']).groupBy(['kind', 'status']).execute();
    return rows.map((r) => ({ kind: r.kind, state: r.status as 'queued' | 'running', count: Number(r.n), oldest: r.oldest ?? null }));
  }

  /**
   * Gives back the jobs `worker` still holds (a node shutting down): queued again, claimable at
   * once by any node, their saved state kept so they resume from their last checkpoint. The claim
   * that is given back does not count as an attempt. Answers the ids given back.
   */
  async release(worker: string): Promise<string[]> {
    const rows = await this.db.updateTable('jobs').set((eb) => ({ status: 'queued', locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1) }))
      .where('locked_by', '=', worker).where('status', '=', 'running').returning('id').execute();
    return rows.map((r) => r.id);
  }

  /** Marks older queued/running jobs of a kind as superseded by a newer one (a newer mapping). */
  async supersede(listId: string, kind: string, exceptId: string, now: string): Promise<void> {
    await this.db.updateTable('jobs').set({ status: 'superseded', finished_at: now, locked_until: null })
      .where('list_id', '=', listId).where('kind', '=', kind).where('id', '<>', exceptId).where('status', 'in', ['queued', 'running']).execute();
  }
}
