/**
 * Compiles a SCIM filter AST (RFC 7644 §3.4.2.2) into a parameterised SQL condition.
 * Attributes that IdPs look people up by map to indexed columns (or the indexed user_emails and
 * group_members tables); every other attribute is read from the JSON document with the engine's
 * JSON functions. Nothing is ever evaluated in memory, and nothing the client wrote is spliced
 * into SQL text: values and JSON keys are always bound parameters.
 */
import { sql, type RawBuilder } from 'kysely';
import type { AttrPath, CompValue, CompareOp, Filter } from '../scim/filter/ast.js';
import type { SchemaRegistry, AttributeDef, AttrType } from '../scim/schemas/index.js';
import { ENTERPRISE_USER_SCHEMA } from '../scim/schemas/index.js';
import type { SqlFlavor } from './sql-flavor.js';
import { userNameKey } from '../scim/user-name.js';
import { filterNames } from '../scim/filter/walk.js';

type Expr = RawBuilder<unknown>;
/** A compiled WHERE or ORDER BY expression, opaque above store/ (services pass it back, never build SQL). */
export type SqlExpression = Expr;
export type ResourceKind = 'User' | 'Group';

/**
 * A filter or sortBy the compiler cannot turn into SQL (an unknown attribute, a value of the wrong
 * type), in words for the client. Storage never builds wire errors: src/lists/store-errors.ts maps
 * this to SCIM's 400 `invalidFilter` (RFC 7644 §3.4.2.2, §3.12).
 */
export class FilterProblem extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'FilterProblem';
  }
}
const invalidFilter = (detail: string): FilterProblem => new FilterProblem(detail);

/** How one scalar is reached: a column, or a JSON location inside a document expression. */
type Scalar =
  | { readonly kind: 'column'; readonly expr: Expr; readonly type: AttrType; readonly caseExact: boolean; readonly lowered: boolean; readonly key?: (s: string) => string }
  | { readonly kind: 'json'; readonly doc: Expr; readonly keys: readonly string[]; readonly type: AttrType; readonly caseExact: boolean }
  | { readonly kind: 'const'; readonly value: string };

/** A multi-valued attribute whose elements live in a side table, each element being a row. */
interface ElementTable {
  /** `owner IN (SELECT key FROM … WHERE listScope AND <inner>)` */
  readonly select: (where: Expr) => Expr;
  /** Maps a sub-attribute name (lower case) of the element to a scalar over the row. */
  readonly sub: (name: string) => Scalar | undefined;
  /** The sub-attribute compared when a filter names the attribute alone (RFC: `value`). */
  readonly defaultSub: string;
}

export interface FilterContext {
  readonly flavor: SqlFlavor;
  readonly registry: SchemaRegistry;
  readonly resource: ResourceKind;
  readonly listId: string;
  /** Whether the list keeps externalIds unique (MasterList.externalIdUnique, fixed when the list is created). */
  readonly externalIdUnique: boolean;
}

const col = (expr: Expr, type: AttrType, caseExact: boolean, lowered = !caseExact): Scalar => ({ kind: 'column', expr, type, caseExact, lowered });

/**
 * Where a list's externalIds are indexed. A list that keeps them unique (the default) stores each
 * one in external_id_key too, whose unique index (…_list_external_id_key) finds them; the index on
 * external_id holds only the rows without that key (`WHERE external_id_key IS NULL`, migration
 * 038), so that a person is written into one of the two, not both (issue 16). A query on it
 * carries that condition (`guard`), true of every row of a list that allows repeats, beside its
 * whole condition, for the engine to use the partial index: compileFilter, and
 * UsersRepo.byExternalIds. Neither index gives the order of a list (SORT_INDEXED): the unique one
 * lacks the people without an externalId, and a sort carries no condition for the other.
 */
export function externalIdIndex(table: 'users' | 'groups', unique: boolean): { readonly column: 'external_id_key' | 'external_id'; readonly guard: RawBuilder<boolean> | undefined } {
  return unique ? { column: 'external_id_key', guard: undefined } : { column: 'external_id', guard: sql<boolean>`${sql.ref(`${table}.external_id_key`)} IS NULL` };
}

/** externalId's column in a filter (externalIdIndex). */
function externalIdColumn(table: 'users' | 'groups', unique: boolean): Scalar {
  return col(sql.ref(`${table}.${externalIdIndex(table, unique).column}`), 'string', true);
}

function userColumns(key: string, externalIdUnique: boolean): Scalar | undefined {
  switch (key) {
    case 'id': return col(sql.ref('users.id'), 'string', true);
    // Stored as userNameKey (lower case, NFC): the filter value is keyed the same way.
    case 'username': return { kind: 'column', expr: sql.ref('users.user_name_lc'), type: 'string', caseExact: false, lowered: true, key: userNameKey };
    case 'externalid': return externalIdColumn('users', externalIdUnique);
    case 'displayname': return col(sql.ref('users.display_name_lc'), 'string', false);
    case 'active': return col(sql.ref('users.active'), 'boolean', true, false);
    case 'meta.created': return col(sql.ref('users.created'), 'dateTime', true, false);
    case 'meta.lastmodified': return col(sql.ref('users.last_modified'), 'dateTime', true, false);
    case 'meta.resourcetype': return { kind: 'const', value: 'User' };
    case `${ENTERPRISE_USER_SCHEMA.toLowerCase()}:employeenumber`: return col(sql.ref('users.employee_number_lc'), 'string', false);
    default: return undefined;
  }
}

function groupColumns(key: string, externalIdUnique: boolean): Scalar | undefined {
  switch (key) {
    case 'id': return col(sql.ref('groups.id'), 'string', true);
    case 'displayname': return col(sql.ref('groups.display_name_lc'), 'string', false);
    case 'externalid': return externalIdColumn('groups', externalIdUnique);
    case 'meta.created': return col(sql.ref('groups.created'), 'dateTime', true, false);
    case 'meta.lastmodified': return col(sql.ref('groups.last_modified'), 'dateTime', true, false);
    case 'meta.resourcetype': return { kind: 'const', value: 'Group' };
    default: return undefined;
  }
}

function elementTable(ctx: FilterContext, attrKey: string): ElementTable | undefined {
  const { resource, listId } = ctx;
  if (resource === 'User' && attrKey === 'emails') {
    return {
      defaultSub: 'value',
      // Matched on users.seq (the rowid), so that SQLite drives the lookup from the indexed side
      // table instead of walking the list's users: `users.id IN (…)` loses to the list_id index
      // in SQLite's planner when it has no statistics (bench/RESULTS.md, 100,000 users).
      select: (where) => sql`users.seq IN (SELECT u2.seq FROM user_emails ue JOIN users u2 ON u2.id = ue.user_id WHERE ue.list_id = ${listId} AND ${where})`,
      sub: (n) =>
        n === 'value' ? col(sql.ref('ue.value_lc'), 'string', false)
        : n === 'type' ? col(sql.ref('ue.type_lc'), 'string', false)
        : n === 'primary' ? col(sql.ref('ue.is_primary'), 'boolean', true, false)
        : undefined,
    };
  }
  if (resource === 'User' && attrKey === 'groups') {
    return {
      defaultSub: 'value',
      select: (where) =>
        sql`users.seq IN (SELECT u2.seq FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN users u2 ON u2.id = gm.member_id WHERE gm.list_id = ${listId} AND ${where})`,
      sub: (n) =>
        n === 'value' ? col(sql.ref('gm.group_id'), 'string', true)
        : n === 'display' ? col(sql.ref('g.display_name_lc'), 'string', false)
        : n === 'type' ? { kind: 'const', value: 'direct' }
        : undefined,
    };
  }
  if (resource === 'Group' && attrKey === 'members') {
    return {
      defaultSub: 'value',
      select: (where) =>
        sql`groups.seq IN (SELECT g2.seq FROM group_members gm JOIN groups g2 ON g2.id = gm.group_id LEFT JOIN users mu ON mu.id = gm.member_id WHERE gm.list_id = ${listId} AND ${where})`,
      sub: (n) =>
        n === 'value' ? col(sql.ref('gm.member_id'), 'string', true)
        : n === 'type' ? col(sql.ref('gm.member_type'), 'string', true, false)
        : n === 'display' ? col(sql.ref('mu.display_name_lc'), 'string', false)
        : undefined,
    };
  }
  return undefined;
}

interface Resolved {
  /** JSON keys of the top-level attribute inside `data`, e.g. ['name'] or [urn, 'manager']. */
  readonly keys: readonly string[];
  readonly def: AttributeDef | undefined;
  readonly subDef: AttributeDef | undefined;
  /** Lower-case lookup key: 'username', 'name.givenname', 'urn:…:employeenumber'. */
  readonly key: string;
  readonly attrKey: string;
}

function resolve(ctx: FilterContext, path: AttrPath): Resolved {
  const r = ctx.registry.resolve(ctx.resource, path);
  if (r) {
    const ext = r.schema !== 'common' && r.schema.toLowerCase() !== ctx.registry.coreSchemaFor(ctx.resource).id.toLowerCase();
    const top = r.def.name;
    const attrKey = (ext ? `${r.schema}:${top}` : top).toLowerCase();
    return {
      keys: ext ? [r.schema, top] : [top],
      def: r.def,
      subDef: r.subDef,
      key: r.subDef ? `${attrKey}.${r.subDef.name.toLowerCase()}` : attrKey,
      attrKey,
    };
  }
  // An extension URN Muster has no schema for (Entra's and Okta's custom attributes): its
  // attributes are filterable as strings, read from the document exactly as the IdP sent them.
  if (path.uri && !ctx.registry.isSchemaUri(path.uri)) {
    const attrKey = `${path.uri}:${path.attr}`.toLowerCase();
    return { keys: [path.uri, path.attr], def: undefined, subDef: undefined, key: path.sub ? `${attrKey}.${path.sub.toLowerCase()}` : attrKey, attrKey };
  }
  const name = `${path.uri ? path.uri + ':' : ''}${path.attr}${path.sub ? '.' + path.sub : ''}`;
  throw invalidFilter(`unknown attribute "${name}" for ${ctx.resource}`);
}

export function compileFilter(ctx: FilterContext, filter: Filter): Expr {
  const table = ctx.resource === 'User' ? 'users' : 'groups';
  const where = compileNode(ctx, filter, sql.ref(`${table}.data`));
  // The partial index on external_id is for the engine to use only beside its condition (externalIdIndex).
  const { guard } = externalIdIndex(table, ctx.externalIdUnique);
  return guard && filterNames(filter, 'externalid') ? sql`(${guard} AND ${where})` : where;
}

function compileNode(ctx: FilterContext, f: Filter, doc: Expr): Expr {
  switch (f.kind) {
    case 'and': return sql`(${compileNode(ctx, f.left, doc)} AND ${compileNode(ctx, f.right, doc)})`;
    case 'or': return sql`(${compileNode(ctx, f.left, doc)} OR ${compileNode(ctx, f.right, doc)})`;
    case 'not': return sql`(NOT COALESCE(${compileNode(ctx, f.filter, doc)}, false))`;
    case 'valuePath': return compileValuePath(ctx, f.path, f.filter, doc);
    case 'present':
    case 'compare': {
      const r = resolve(ctx, f.path);
      const multi = r.def?.multiValued ?? false;
      if (multi) {
        // `emails.value eq x` and `emails eq x` mean "some element matches" (RFC 7644 §3.4.2.2).
        const inner: Filter = f.kind === 'present'
          ? { kind: 'present', path: { attr: r.subDef?.name ?? (r.def?.subAttributes ? 'value' : '') } }
          : { kind: 'compare', path: { attr: r.subDef?.name ?? (r.def?.subAttributes ? 'value' : '') }, op: f.op, value: f.value };
        if (f.kind === 'present' && !r.subDef) return presentMulti(ctx, r, doc);
        return compileValuePath(ctx, f.path.sub ? { ...f.path, sub: undefined } : f.path, inner, doc);
      }
      const scalar = scalarFor(ctx, r, doc);
      return f.kind === 'present' ? present(ctx, scalar) : compare(ctx, scalar, f.op, f.value, r.key);
    }
  }
}

function presentMulti(ctx: FilterContext, r: Resolved, doc: Expr): Expr {
  const table = elementTable(ctx, r.attrKey);
  if (table) return table.select(sql`1 = 1`);
  return ctx.flavor.jsonPresent(doc, r.keys);
}

function scalarFor(ctx: FilterContext, r: Resolved, doc: Expr): Scalar {
  const mapped = ctx.resource === 'User' ? userColumns(r.key, ctx.externalIdUnique) : groupColumns(r.key, ctx.externalIdUnique);
  if (mapped) return mapped;
  if (r.def?.type === 'complex' && !r.subDef) {
    throw invalidFilter(`"${r.key}" is a complex attribute: compare one of its sub-attributes, e.g. "${r.def.name}.${r.def.subAttributes?.[0]?.name ?? 'value'}"`);
  }
  const leaf = r.subDef ?? r.def;
  const keys = r.subDef ? [...r.keys, r.subDef.name] : r.keys;
  return { kind: 'json', doc, keys, type: leaf?.type ?? 'string', caseExact: leaf?.caseExact ?? false };
}

/**
 * A filter over the members of a group (`members[type eq "User"]` in a PATCH path), as a
 * condition on `group_members gm LEFT JOIN users mu`, for deleting matching rows in SQL.
 */
export function compileMemberFilter(ctx: FilterContext, inner: Filter): Expr {
  return compileValuePath(ctx, { attr: 'members' }, inner, sql.ref('groups.data'), true);
}

function compileValuePath(ctx: FilterContext, path: AttrPath, inner: Filter, doc: Expr, bare = false): Expr {
  const r = resolve(ctx, { ...path, sub: undefined });
  const def = r.def;
  if (def && def.type !== 'complex') throw invalidFilter(`"${r.key}" has no sub-attributes to filter on`);
  const subDef = (name: string): AttributeDef | undefined => def?.subAttributes?.find((s) => s.name.toLowerCase() === name.toLowerCase());
  const table = elementTable(ctx, r.attrKey);
  const elementScalar = (p: AttrPath, elementDoc: Expr | undefined): Scalar => {
    if (p.uri || p.sub) throw invalidFilter(`"${p.attr}" inside "${r.key}[…]" must be a plain sub-attribute name`);
    const name = p.attr.toLowerCase();
    const sd = subDef(name);
    if (def && !sd) throw invalidFilter(`"${r.key}" has no sub-attribute "${p.attr}"`);
    if (table) {
      const s = table.sub(name);
      if (!s) throw invalidFilter(`"${r.key}.${p.attr}" cannot be used in a filter`);
      return s;
    }
    const target = elementDoc ?? doc;
    const keys = elementDoc ? [sd?.name ?? p.attr] : [...r.keys, sd?.name ?? p.attr];
    return { kind: 'json', doc: target, keys, type: sd?.type ?? 'string', caseExact: sd?.caseExact ?? false };
  };
  const walk = (f: Filter, elementDoc: Expr | undefined): Expr => {
    switch (f.kind) {
      case 'and': return sql`(${walk(f.left, elementDoc)} AND ${walk(f.right, elementDoc)})`;
      case 'or': return sql`(${walk(f.left, elementDoc)} OR ${walk(f.right, elementDoc)})`;
      case 'not': return sql`(NOT COALESCE(${walk(f.filter, elementDoc)}, false))`;
      case 'valuePath': throw invalidFilter('value paths cannot be nested');
      case 'present': return present(ctx, elementScalar(f.path, elementDoc));
      case 'compare': return compare(ctx, elementScalar(f.path, elementDoc), f.op, f.value, `${r.key}.${f.path.attr.toLowerCase()}`);
    }
  };
  if (table) return bare ? walk(inner, undefined) : table.select(walk(inner, undefined));
  if (def && !def.multiValued) return walk(inner, undefined); // a complex single value: name[givenName eq "x"]
  return ctx.flavor.jsonAnyElement(doc, r.keys, (el) => walk(inner, el));
}

function present(ctx: FilterContext, s: Scalar): Expr {
  if (s.kind === 'const') return sql`1 = 1`;
  if (s.kind === 'column') return s.type === 'string' ? sql`(${s.expr} IS NOT NULL AND ${s.expr} <> '')` : sql`(${s.expr} IS NOT NULL)`;
  return ctx.flavor.jsonPresent(s.doc, s.keys);
}

/** Normalises a dateTime filter value so it compares as text with the stored ISO-8601 UTC form. */
function isoInstant(v: CompValue, key: string): string {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw invalidFilter(`"${key}" is a dateTime: compare it with a date such as "2025-01-31T12:00:00Z"`);
  return new Date(t).toISOString();
}

function coerceBoolean(v: CompValue, key: string): boolean {
  if (typeof v === 'boolean') return v;
  // Entra writes booleans as "True"/"False" strings, also inside filters such as roles[primary eq "True"]
  // (Microsoft Learn, "Customize application attributes").
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw invalidFilter(`"${key}" is a boolean: compare it with true or false`);
}

function compare(ctx: FilterContext, s: Scalar, op: CompareOp, value: CompValue, key: string): Expr {
  if (value === null) {
    if (op === 'eq') return sql`(NOT ${present(ctx, s)})`;
    if (op === 'ne') return present(ctx, s);
    throw invalidFilter(`"${key}" cannot be compared with null using "${op}"`);
  }
  if (s.kind === 'const') {
    const v = String(value).toLowerCase(), c = s.value.toLowerCase();
    const hit = op === 'eq' ? c === v : op === 'ne' ? c !== v : op === 'co' ? c.includes(v) : op === 'sw' ? c.startsWith(v) : op === 'ew' ? c.endsWith(v) : undefined;
    if (hit === undefined) throw invalidFilter(`"${key}" cannot be ordered with "${op}"`);
    return hit ? sql`1 = 1` : sql`1 = 0`;
  }
  switch (s.type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') throw invalidFilter(`"${key}" is a boolean: only eq, ne and pr apply`);
      const b = coerceBoolean(value, key);
      // A constant, not a parameter: `active eq false` reads users_list_deactivated, which holds
      // only the rows with active = 0 (migration 044). A partial index serves a query whose
      // condition implies its own: PostgreSQL's generic plans do not know a bound value, and
      // SQLite plans for it only by compiling the statement again for each value bound.
      const test = s.kind === 'column' ? sql`(${s.expr} = ${sql.lit(b ? 1 : 0)})` : ctx.flavor.jsonBoolEquals(s.doc, s.keys, b);
      return op === 'eq' ? test : sql`(NOT COALESCE(${test}, false))`;
    }
    case 'integer':
    case 'decimal': {
      const n = typeof value === 'number' ? value : Number(value);
      if (typeof value === 'boolean' || !Number.isFinite(n)) throw invalidFilter(`"${key}" is a number: compare it with a number`);
      if (op === 'co' || op === 'sw' || op === 'ew') throw invalidFilter(`"${key}" is a number: "${op}" applies to strings`);
      const e = s.kind === 'column' ? s.expr : ctx.flavor.jsonNumber(s.doc, s.keys);
      return ordered(e, op, n);
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew') throw invalidFilter(`"${key}" is a dateTime: "${op}" applies to strings`);
      const e = s.kind === 'column' ? s.expr : ctx.flavor.jsonText(s.doc, s.keys);
      return ordered(e, op, isoInstant(value, key));
    }
    case 'binary':
      if (op !== 'eq' && op !== 'ne' && op !== 'co' && op !== 'sw' && op !== 'ew') throw invalidFilter(`"${key}" is binary: it cannot be ordered`);
      break;
    case 'complex':
      throw invalidFilter(`"${key}" is complex: compare one of its sub-attributes`);
    default:
      break;
  }
  if (typeof value === 'boolean') throw invalidFilter(`"${key}" is a string: compare it with a string`);
  const raw = String(value);
  const ci = !s.caseExact;
  let e: Expr;
  if (s.kind === 'column') e = ci && !s.lowered ? sql`lower(${s.expr})` : s.expr;
  else e = ci ? sql`lower(${ctx.flavor.jsonText(s.doc, s.keys)})` : ctx.flavor.jsonText(s.doc, s.keys);
  const v = keyed(s, raw);
  switch (op) {
    case 'co': return ctx.flavor.contains(e, v);
    case 'sw': return sql`(substr(${e}, 1, ${[...v].length}) = ${v})`;
    case 'ew': return ctx.flavor.endsWith(e, v);
    default: return ordered(e, op, v);
  }
}

/** A string compared with `s` as the comparison sees it: keyed as its column stores it (userName), lower case unless caseExact. */
function keyed(s: Scalar, raw: string): string {
  return s.kind === 'column' && s.key ? s.key(raw) : s.kind !== 'const' && !s.caseExact ? raw.toLowerCase() : raw;
}

function ordered(e: Expr, op: CompareOp, v: string | number): Expr {
  switch (op) {
    case 'eq': return sql`(${e} = ${v})`;
    case 'ne': return sql`(${e} IS NULL OR ${e} <> ${v})`;
    case 'gt': return sql`(${e} > ${v})`;
    case 'ge': return sql`(${e} >= ${v})`;
    case 'lt': return sql`(${e} < ${v})`;
    case 'le': return sql`(${e} <= ${v})`;
    default: throw invalidFilter(`operator "${op}" does not apply here`);
  }
}

/** The SQL expression to ORDER BY for `sortBy` (RFC 7644 §3.4.2.3). */
export function sortExpression(ctx: FilterContext, path: AttrPath): Expr {
  let r: Resolved;
  try {
    r = resolve(ctx, path);
  } catch {
    throw invalidFilter(`cannot sort by unknown attribute "${path.attr}"`);
  }
  const doc = sql.ref(ctx.resource === 'User' ? 'users.data' : 'groups.data');
  if (r.def?.multiValued) {
    // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value (or its first).
    if (r.attrKey === 'emails') {
      return sql`(SELECT min(ue.value_lc) FROM user_emails ue WHERE ue.user_id = users.id AND ue.is_primary = 1)`;
    }
    return ctx.flavor.jsonText(doc, [...r.keys, '0', r.subDef?.name ?? 'value']);
  }
  const s = scalarFor(ctx, r, doc);
  if (s.kind === 'const') return sql`1`;
  if (s.kind === 'column') return s.expr;
  if (s.type === 'integer' || s.type === 'decimal') return ctx.flavor.jsonNumber(s.doc, s.keys);
  return s.caseExact ? ctx.flavor.jsonText(s.doc, s.keys) : sql`lower(${ctx.flavor.jsonText(s.doc, s.keys)})`;
}

/** People's attributes an index finds by equality (users_list_user_name, …_external_id_key or …_external_id (externalIdColumn), …_display_name, …_employee_number, …_modified; the primary key). */
const SEEK_EQ: ReadonlySet<string> = new Set(['id', 'username', 'externalid', 'displayname', 'meta.lastmodified', `${ENTERPRISE_USER_SCHEMA.toLowerCase()}:employeenumber`]);
/** People's attributes whose index also gives the list's order (sortBy, index paging). */
const SORT_INDEXED: ReadonlySet<string> = new Set(['username', 'displayname', 'meta.lastmodified', `${ENTERPRISE_USER_SCHEMA.toLowerCase()}:employeenumber`]);
/**
 * …and with cursor paging, which orders nulls last (paging-repo.ts, keysetClauses): only the
 * attributes every person has keep the index's order; the others sort the whole list.
 */
const SORT_INDEXED_CURSOR: ReadonlySet<string> = new Set(['username', 'meta.lastmodified']);

/** Groups' attributes an index finds by equality (groups_list_display_name, …_external_id_key or …_external_id; the primary key). */
const GROUP_SEEK_EQ: ReadonlySet<string> = new Set(['id', 'displayname', 'externalid']);
/** Groups' attributes whose index gives the order. */
const GROUP_SORT_INDEXED: ReadonlySet<string> = new Set(['displayname']);

/**
 * Inside emails[…], groups[…] or members[…]: an equality on the value, which user_emails_value or
 * group_members finds. Anything else reads every element (every member of a group).
 */
export function elementSeeks(f: Filter): boolean {
  switch (f.kind) {
    case 'and': return elementSeeks(f.left) || elementSeeks(f.right);
    case 'or': return elementSeeks(f.left) && elementSeeks(f.right);
    case 'compare': return f.op === 'eq' && f.value !== null && f.path.attr.toLowerCase() === 'value' && !f.path.sub;
    default: return false;
  }
}

/** Whether an index narrows the filter to the people it matches (every branch of an `or`, some branch of an `and`). */
function seeks(ctx: FilterContext, f: Filter): boolean {
  switch (f.kind) {
    case 'and': return seeks(ctx, f.left) || seeks(ctx, f.right);
    // In a list that allows repeated externalIds their index is partial (externalIdColumn), and
    // SQLite reads a partial index for one branch of an `or` only as a whole (the list's rows).
    case 'or': return seeks(ctx, f.left) && seeks(ctx, f.right) && (ctx.externalIdUnique || !filterNames(f, 'externalid'));
    case 'not':
    case 'present': return false;
    case 'valuePath': {
      const key = resolve(ctx, { ...f.path, sub: undefined }).attrKey;
      return (ctx.resource === 'User' ? key === 'emails' || key === 'groups' : key === 'members') && elementSeeks(f.filter);
    }
    case 'compare': {
      // `eq null` asks for the people without a value: no index finds those.
      if (f.op !== 'eq' || f.value === null) return false;
      const r = resolve(ctx, f.path);
      const byValue = !r.subDef || r.subDef.name.toLowerCase() === 'value';
      if (r.def?.multiValued) return (ctx.resource === 'User' ? r.attrKey === 'emails' || r.attrKey === 'groups' : r.attrKey === 'members') && byValue;
      // A range (meta.lastModified gt …) is an index range that may hold the whole list.
      return (ctx.resource === 'User' ? SEEK_EQ : GROUP_SEEK_EQ).has(r.key);
    }
  }
}

/** People's attributes a unique index holds, by their lookup key (UsersRepo.byKey). */
const UNIQUE_KEYS = { username: 'userName', id: 'id', externalid: 'externalId' } as const;

/**
 * The one person a filter can name by a key unique in the list: `userName eq "…"`
 * (users_list_user_name), `id eq "…"` (the primary key), or `externalId eq "…"` in a list that
 * keeps externalIds unique (users_list_external_id_key, externalIdColumn): an IdP's lookup
 * before each create or update. The value comes keyed as compare() keys it, so the page is one
 * prepared statement and holds 0 or 1 person, its total that number (ScimService.query; issue 16:
 * the filter, its SQL and Kysely's compile were about 30 µs of a 250 µs lookup). Undefined for
 * anything else, which compiles as usual: its errors (an unknown attribute, a boolean for a
 * string) are that path's.
 */
export function uniqueUserKey(ctx: FilterContext, f: Filter): { readonly by: 'userName' | 'id' | 'externalId'; readonly value: string } | undefined {
  if (ctx.resource !== 'User' || f.kind !== 'compare' || f.op !== 'eq' || typeof f.value !== 'string') return undefined;
  let key: string;
  try {
    key = resolve(ctx, f.path).key;
  } catch {
    return undefined;
  }
  const by = Object.hasOwn(UNIQUE_KEYS, key) ? UNIQUE_KEYS[key as keyof typeof UNIQUE_KEYS] : undefined;
  const column = by && userColumns(key, ctx.externalIdUnique);
  if (!column || (by === 'externalId' && !ctx.externalIdUnique)) return undefined;
  return { by, value: keyed(column, f.value) };
}

/**
 * Whether the filter is a single equality an index finds (`userName eq`, `externalId eq`,
 * `emails[…].value eq`, `id eq`, …: an IdP's lookup), so that its first page needs no window of
 * its own (page-rows.ts, `seek`). On SQLite its matches come out of that index in creation order
 * (equal keys are kept in rowid order) and the page stops at its LIMIT; PostgreSQL sorts the
 * matches either way, the same rows as the window's. A filter of several terms (`and`, `or`,
 * `not`) may need a sort of many rows, and is left out (a value path's own `or` is one term).
 */
export function singleSeek(ctx: FilterContext, filter: Filter | undefined, sortBy: AttrPath | undefined): boolean {
  return filter !== undefined && sortBy === undefined && (filter.kind === 'compare' || filter.kind === 'valuePath') && seeks(ctx, filter);
}

/**
 * Whether a query reads the whole list: a filter no index narrows (`co`, `ew`, `ne`, `not`,
 * `eq null`, a range, `active eq true`, an attribute read from the JSON document, a group's
 * members by display name or type), an order no index gives, or any order of a filter's matches
 * (an equality most of the list shares, `displayName eq "Staff"`, would sort most of the list).
 * IdPs' lookups (userName, externalId, emails.value, id by equality; a group by displayName,
 * externalId, id or a member's value), which never ask for an order, do not. The ones that do run
 * in a lane of their own (scan-pool.ts). Call after compileFilter (which reports unknown
 * attributes). How many an equality matches is bounded separately: see the repositories' count.
 */
export function readsWholeList(ctx: FilterContext, filter: Filter | undefined, sortBy: AttrPath | undefined, cursor = false): boolean {
  if (filter) return !seeks(ctx, filter) || sortBy !== undefined;
  if (!sortBy) return false;
  try {
    const r = resolve(ctx, sortBy);
    const indexed = ctx.resource === 'Group' ? GROUP_SORT_INDEXED : cursor ? SORT_INDEXED_CURSOR : SORT_INDEXED;
    return r.def?.multiValued === true || !indexed.has(r.key);
  } catch {
    return true;
  }
}
