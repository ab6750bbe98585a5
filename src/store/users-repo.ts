import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import { rethrowUnique } from './unique-violation.js';
import { userNameKey } from '../scim/user-name.js';
import { storedUserText, userDocOf } from '../scim/schemas-code.js';
import { chunked } from './chunks.js';
import { keysetClauses, type KeysetPosition, type KeysetQuery } from './paging-repo.js';
import { rowsOf, type CallerGone, type ScanPool } from './scan-pool.js';
import { Prepared } from './prepared.js';
import { countRows, pageRows } from './page-rows.js';
import { externalIdIndex } from './filter-sql.js';
import { merged } from '../runtime/objects.js';

/** What the SCIM layer hands the store for one user: the document plus its indexed columns. */
export interface UserWrite {
  readonly id: string;
  readonly listId: string;
  readonly userName: string;
  readonly externalId: string | null;
  /** True when the list enforces externalId uniqueness. */
  readonly externalIdUnique: boolean;
  readonly displayName: string | null;
  readonly employeeNumber: string | null;
  readonly active: boolean;
  readonly emails: readonly { readonly value: string; readonly type: string | null; readonly primary: boolean }[];
  readonly data: Readonly<Record<string, unknown>>;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  /** Roster fields derived through the list's mapping, and what did not fit. */
  readonly derived: { readonly fields: string; readonly problems: string; readonly problemCount: number; readonly mappingVersion: number };
}

export interface UserRecord {
  readonly id: string;
  readonly listId: string;
  readonly data: Record<string, unknown>;
  /**
   * `data` as the store holds it, when that is JSON text (SQLite): a page of people is spliced from
   * it without parsing (ScimService.render). Absent on PostgreSQL (jsonb) and for records not read.
   */
  readonly dataText?: string;
  /**
   * The roster fields as stored (null before the first derivation), which derivation.ts's
   * readStoredFields reads with the list's slots. Read by `get` only, which a write reads the
   * person with; undefined from lookups and pages, which answer with the SCIM document alone.
   */
  readonly storedFields: string | null | undefined;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export interface PageQuery {
  readonly listId: string;
  readonly where?: RawBuilder<unknown>;
  readonly orderBy?: RawBuilder<unknown>;
  readonly descending?: boolean;
  readonly offset: number;
  readonly limit: number;
  /** The filter or order reads the whole list (no index answers it): it runs in the lane of such reads (scan-pool.ts). */
  readonly scan?: boolean;
  /** Whether the client has left: a statement in the lane is then not run (ScanPool.rows). */
  readonly gone?: CallerGone | undefined;
  /**
   * The first page of a single equality an index finds (filter-sql.ts, singleSeek): its rows are
   * read straight through that index, without the window of the deferred join (page-rows.ts).
   */
  readonly seek?: boolean;
}

/**
 * A person's userName as given, in SQL over `table`'s row: `user_name` holds it only where it is
 * not its own key (`user_name_lc`, userNameKey: lower case, NFC), and '' where it is (a userName is
 * never empty), which saves its bytes in most rows (issue 16, compact storage; migration 043).
 */
export const userNameOf = (table: 'users' | 'u') =>
  sql<string>`(CASE WHEN ${sql.ref(`${table}.user_name`)} = '' THEN ${sql.ref(`${table}.user_name_lc`)} ELSE ${sql.ref(`${table}.user_name`)} END)`;

export const parseJson = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;

/** The columns a UserRecord is made of (toRecord). */
const USER_COLUMNS = sql.raw('users.id, users.list_id, users.data, users.version, users.created, users.last_modified');

type Row = Pick<Database['users'], 'id' | 'list_id' | 'version' | 'created' | 'last_modified'> & { data: unknown; fields?: string | null };
/**
 * `data` (when it is text) is parsed when first read: a page sends most people from `dataText`,
 * and SCIM reads never read `fields` (issue 16).
 */
const toRecord = (r: Row): UserRecord => {
  let data: Record<string, unknown> | undefined;
  return {
    id: r.id, listId: r.list_id, dataText: typeof r.data === 'string' ? r.data : undefined,
    get data() {
      return (data ??= userDocOf(r.data));
    },
    storedFields: r.fields,
    version: Number(r.version), created: r.created, lastModified: r.last_modified,
  };
};

/**
 * The indexed columns an update may leave as they are. An UPDATE that names an indexed column
 * rewrites its index entry even when the value is the same (SQLite: about 170 µs of CPU a write
 * for the eight indexes of `users`, issue 16), so `update` names only those whose value changed,
 * compared with what `get` read (kept beside the record, not in it).
 */
const INDEXED = ['user_name_lc', 'external_id', 'external_id_key', 'display_name_lc', 'employee_number_lc', 'active', 'problem_count'] as const;
type Indexed = Record<(typeof INDEXED)[number], unknown>;
const storedIndexed = new WeakMap<UserRecord, Indexed>();

const lc = (s: string | null): string | null => (s === null ? null : s.toLowerCase());

/** The statements of every SCIM read and write of a person, compiled once (src/store/prepared.ts). */
const GET = new Prepared<{ listId: string; id: string }, Row & Indexed>(['listId', 'id'], (db, p) => db.selectFrom('users')
  .select(['id', 'list_id', 'data', 'fields', 'version', 'created', 'last_modified', ...INDEXED]).where('list_id', '=', p.listId).where('id', '=', p.id));
/** A list's person by a unique key (its id, its userName key, its externalId where the list keeps them unique): an IdP's lookup (byKey). */
const byColumn = (column: 'id' | 'user_name_lc' | 'external_id_key') => new Prepared<{ listId: string; key: string }, Row>(['listId', 'key'], (db, p) => db.selectFrom('users')
  .select(['id', 'list_id', 'data', 'version', 'created', 'last_modified']).where('list_id', '=', p.listId).where(column, '=', p.key));
const BY_KEY = { id: byColumn('id'), userName: byColumn('user_name_lc'), externalId: byColumn('external_id_key') };
const COLUMNS = ['user_name', 'user_name_lc', 'external_id', 'external_id_key', 'display_name', 'display_name_lc', 'employee_number_lc', 'active', 'data',
  'version', 'last_modified', 'fields', 'problems', 'problem_count', 'search', 'mapping_version', 'last_op'] as const;
type Columns = Record<(typeof COLUMNS)[number], unknown>;
type UpdateParams = Columns & { id: string; listId: string; expected: number };
/** One compiled UPDATE per set of columns written (at most 2^7 of them: which indexed columns changed). */
const updates = new Map<string, Prepared<UpdateParams, never>>();
function updateOf(columns: readonly (keyof Columns)[]): Prepared<UpdateParams, never> {
  const key = columns.join(',');
  let p = updates.get(key);
  if (!p) {
    p = new Prepared<UpdateParams, never>([...columns, 'id', 'listId', 'expected'], (db, v) => db.updateTable('users')
      .set(Object.fromEntries(columns.map((c) => [c, v[c]])) as never).where('id', '=', v.id).where('list_id', '=', v.listId).where('version', '=', v.expected));
    updates.set(key, p);
  }
  return p;
}
const same = (a: unknown, b: unknown): boolean => a === b || (a !== null && b !== null && a !== undefined && b !== undefined && String(a) === String(b));
const INSERT = new Prepared<Columns & { id: string; list_id: string; created: string }, never>([...COLUMNS, 'id', 'list_id', 'created'], (db, p) => db.insertInto('users')
  .values({ id: p.id, list_id: p.list_id, created: p.created, ...Object.fromEntries(COLUMNS.map((c) => [c, p[c]])) } as never));
const INSERT_EMAIL = new Prepared<{ list_id: string; user_id: string; value_lc: string; type_lc: string | null; is_primary: number }, never>(
  ['list_id', 'user_id', 'value_lc', 'type_lc', 'is_primary'], (db, p) => db.insertInto('user_emails').values({ list_id: p.list_id, user_id: p.user_id, value_lc: p.value_lc, type_lc: p.type_lc, is_primary: p.is_primary } as never),
);
const DELETE_EMAILS = new Prepared<{ id: string }, never>(['id'], (db, p) => db.deleteFrom('user_emails').where('user_id', '=', p.id));
const GROUPS_OF_ONE = new Prepared<{ id: string }, { member_id: string; id: string; display_name: string }>(['id'], (db, p) => db.selectFrom('group_members as gm')
  .innerJoin('groups as g', 'g.id', 'gm.group_id').select(['gm.member_id', 'g.id', 'g.display_name']).where('gm.member_id', '=', p.id).orderBy('g.seq'));

export class UsersRepo {
  constructor(private readonly db: Kysely<Database>, private readonly scans?: ScanPool) {}

  private columns(u: UserWrite): Columns {
    const key = userNameKey(u.userName);
    return {
      // '' when the userName is its own key (userNameOf): most are, and then it is held once (issue 16).
      user_name: key === u.userName ? '' : u.userName, user_name_lc: key, external_id: u.externalId,
      external_id_key: u.externalIdUnique ? u.externalId : null,
      display_name: u.displayName, display_name_lc: lc(u.displayName), employee_number_lc: lc(u.employeeNumber),
      active: u.active ? 1 : 0, data: storedUserText(u.data), version: u.version, last_modified: u.lastModified,
      // search: written before migration 043 only; cleared, so that search reads the fields (roster-search.ts).
      fields: u.derived.fields, problems: u.derived.problems, problem_count: u.derived.problemCount, search: null,
      // No longer kept in the row (the audit trail holds it: schema.ts); cleared, so that a node of the
      // earlier version during a rolling upgrade shows no last change rather than an old one.
      mapping_version: u.derived.mappingVersion, last_op: null,
    };
  }

  /**
   * `pause` runs between statements: the caller's chance to let the event loop turn (with SQLite
   * every statement is synchronous, and a person may have up to a thousand emails).
   */
  private async writeEmails(u: UserWrite, replace: boolean, pause?: () => Promise<void>): Promise<void> {
    if (replace) await DELETE_EMAILS.execute(this.db, { id: u.id });
    if (u.emails.length === 1 && !pause) {
      // The usual person: one work email, one compiled statement.
      const e = u.emails[0]!;
      await INSERT_EMAIL.execute(this.db, { list_id: u.listId, user_id: u.id, value_lc: e.value.toLowerCase(), type_lc: lc(e.type), is_primary: e.primary ? 1 : 0 });
      return;
    }
    for (const part of chunked(u.emails, 5)) {
      await pause?.();
      await this.db.insertInto('user_emails').values(part.map((e) => ({
        list_id: u.listId, user_id: u.id, value_lc: e.value.toLowerCase(), type_lc: lc(e.type), is_primary: e.primary ? 1 : 0,
      }))).execute();
    }
  }

  async insert(u: UserWrite, pause?: () => Promise<void>): Promise<void> {
    try {
      await INSERT.execute(this.db, { id: u.id, list_id: u.listId, created: u.created, ...this.columns(u) });
    } catch (err) {
      rethrowUnique(err);
    }
    await this.writeEmails(u, false, pause);
  }

  /**
   * Writes a new version; false when the stored version is not `expectedVersion` (a concurrent write won).
   * `before`: the record this version replaces, as `get` read it: indexed columns whose value it
   * already holds are not written (the version check makes sure it is still what is stored).
   */
  async update(u: UserWrite, expectedVersion: number, emailsChanged: boolean, pause?: () => Promise<void>, before?: UserRecord): Promise<boolean> {
    let n: bigint;
    try {
      const cols = this.columns(u);
      const old = before ? storedIndexed.get(before) : undefined;
      const skip = new Set<string>();
      if (old && Number(before!.version) === expectedVersion) {
        for (const c of INDEXED) {
          if (same(old[c], cols[c])) skip.add(c);
        }
      }
      const res = await updateOf(COLUMNS.filter((c) => !skip.has(c))).execute(this.db, merged(cols, { id: u.id, listId: u.listId, expected: expectedVersion }));
      n = res.numAffectedRows ?? 0n;
    } catch (err) {
      rethrowUnique(err);
    }
    if (Number(n) === 0) return false;
    if (emailsChanged) await this.writeEmails(u, true, pause);
    return true;
  }

  async delete(listId: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('users').where('list_id', '=', listId).where('id', '=', id).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) return false;
    await this.db.deleteFrom('user_emails').where('user_id', '=', id).execute();
    await this.db.deleteFrom('group_members').where('member_id', '=', id).execute();
    return true;
  }

  async get(listId: string, id: string): Promise<UserRecord | undefined> {
    const r = await GET.first(this.db, { listId, id });
    if (!r) return undefined;
    const rec = toRecord(r);
    storedIndexed.set(rec, Object.fromEntries(INDEXED.map((c) => [c, r[c]])) as Indexed);
    return rec;
  }

  /**
   * The person with this id, whose userName has this key (userNameKey), or whose externalId this is
   * in a list that keeps them unique, if the list has one: `id eq`, `userName eq`, `externalId eq`
   * (filter-sql.ts, uniqueUserKey). Read only: unlike `get`, nothing is kept for a later update.
   */
  async byKey(listId: string, by: keyof typeof BY_KEY, key: string): Promise<UserRecord | undefined> {
    const r = await BY_KEY[by].first(this.db, { listId, key });
    return r && toRecord(r);
  }

  async count(q: Pick<PageQuery, 'listId' | 'where' | 'scan' | 'gone'>): Promise<number> {
    return countRows(this.db, this.scans, 'users', q);
  }

  /** One page (page-rows.ts). */
  async page(q: PageQuery): Promise<UserRecord[]> {
    return (await pageRows<Row>(this.db, this.scans, 'users', USER_COLUMNS, q)).map(toRecord);
  }

  /**
   * People of a list by externalId (Entra sync keys people by their Graph object id), read from the
   * index that holds the list's externalIds: the unique one where the list keeps them unique, else
   * the partial one with its condition (filter-sql.ts, externalIdIndex).
   */
  async byExternalIds(list: { readonly id: string; readonly externalIdUnique: boolean }, externalIds: readonly string[]): Promise<Map<string, { id: string; active: boolean }>> {
    const out = new Map<string, { id: string; active: boolean }>();
    const { column, guard } = externalIdIndex('users', list.externalIdUnique);
    for (let i = 0; i < externalIds.length; i += 500) {
      const q = this.db.selectFrom('users').select(['id', 'external_id', 'active']).where('list_id', '=', list.id).where(column, 'in', externalIds.slice(i, i + 500));
      const rows = await (guard ? q.where(guard) : q).execute();
      for (const r of rows) if (r.external_id) out.set(r.external_id, { id: r.id, active: Number(r.active) === 1 });
    }
    return out;
  }

  /** Active people of a list in seq order after `afterSeq`, with their externalId (for sweeps). */
  async activeAfter(listId: string, afterSeq: number, limit: number): Promise<{ id: string; seq: number; externalId: string | null }[]> {
    const rows = await this.db.selectFrom('users').select(['id', 'seq', 'external_id']).where('list_id', '=', listId).where('active', '=', 1)
      .where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, seq: Number(r.seq), externalId: r.external_id }));
  }

  /**
   * Which of `ids` are users of this list. Looked up by id alone (the unique index) and checked
   * against the list here: with `list_id = ?` in the WHERE, SQLite's planner walks the whole list
   * instead (bench/RESULTS.md: 196 ms per 100-member add at 100,000 users).
   */
  async existing(listId: string, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('users').select(['id', 'list_id']).where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const r of rows) if (r.list_id === listId) out.add(r.id);
    }
    return out;
  }

  /** The SCIM resources of those of `ids` on this list (by id alone, for the reason `existing` gives). */
  async dataOf(listId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('users').select(['id', 'list_id', 'data']).where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const r of rows) if (r.list_id === listId) out.set(r.id, userDocOf(r.data));
    }
    return out;
  }

  /** The groups each user belongs to, for the readOnly `groups` attribute (RFC 7643 §4.1.2). */
  async groupsOf(ids: readonly string[]): Promise<Map<string, { id: string; displayName: string }[]>> {
    const out = new Map<string, { id: string; displayName: string }[]>();
    for (const part of chunked(ids)) {
      const rows = part.length === 1 ? await GROUPS_OF_ONE.rows(this.db, { id: part[0]! }) : await this.db.selectFrom('group_members as gm').innerJoin('groups as g', 'g.id', 'gm.group_id')
        .select(['gm.member_id', 'g.id', 'g.display_name']).where('gm.member_id', 'in', part).orderBy('g.seq').execute();
      for (const r of rows) {
        const list = out.get(r.member_id) ?? [];
        list.push({ id: r.id, displayName: r.display_name });
        out.set(r.member_id, list);
      }
    }
    return out;
  }

  /** One keyset page (RFC 9865 cursor paging; see keysetClauses): the records and where each sits in the order. */
  async keyset(q: KeysetQuery): Promise<{ record: UserRecord; position: KeysetPosition }[]> {
    const c = keysetClauses('users', q);
    const query = sql<Row & { seq: number | string; sort_key: string | number | null }>`SELECT users.id, users.list_id, users.data, users.version,
      users.created, users.last_modified, users.seq, ${c.key} AS sort_key FROM users WHERE ${c.where} ORDER BY ${c.order} LIMIT ${q.limit}`;
    const rows = await rowsOf(this.db, query, q.scan ? this.scans : undefined, q.listId, q.gone);
    return rows.map((r) => ({ record: toRecord(r), position: q.orderBy ? { key: r.sort_key, seq: Number(r.seq) } : { seq: Number(r.seq) } }));
  }
}
