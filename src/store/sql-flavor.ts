/**
 * The few SQL expressions that differ between SQLite and PostgreSQL, for the filter compiler.
 * Everything else in store/ is the same Kysely code for both engines.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Engine } from './engine.js';

type Expr = RawBuilder<unknown>;

export interface SqlFlavor {
  readonly engine: Engine;
  /** The JSON value at `keys` inside `doc`, as text when it is a string (NULL when absent). */
  jsonText(doc: Expr, keys: readonly string[]): Expr;
  /** The JSON value at `keys` as a number, NULL unless it is a JSON number. */
  jsonNumber(doc: Expr, keys: readonly string[]): Expr;
  /** True when the JSON value at `keys` is the JSON boolean `value`. */
  jsonBoolEquals(doc: Expr, keys: readonly string[], value: boolean): Expr;
  /** True when the value at `keys` is present: not null, not "", not [] and not {}. */
  jsonPresent(doc: Expr, keys: readonly string[]): Expr;
  /**
   * `EXISTS` over the elements of the JSON array at `keys` (a lone object counts as one element);
   * `inner` receives the element expression.
   */
  jsonAnyElement(doc: Expr, keys: readonly string[], inner: (element: Expr) => Expr): Expr;
  /** `haystack` contains `needle`, case-sensitively (callers lower-case both for caseExact=false). */
  contains(haystack: Expr, needle: string): Expr;
  endsWith(haystack: Expr, suffix: string): Expr;
}

function sqlitePath(keys: readonly string[]): string {
  // SCIM attribute names start with a letter, so an all-digit key can only be an array index.
  return '$' + keys.map((k) => (/^\d+$/.test(k) ? `[${k}]` : `."${k.replace(/"/g, '""')}"`)).join('');
}

const sqlite: SqlFlavor = {
  engine: 'sqlite',
  jsonText: (doc, keys) => sql`json_extract(${doc}, ${sqlitePath(keys)})`,
  jsonNumber: (doc, keys) =>
    sql`(CASE WHEN json_type(${doc}, ${sqlitePath(keys)}) IN ('integer','real') THEN json_extract(${doc}, ${sqlitePath(keys)}) END)`,
  jsonBoolEquals: (doc, keys, value) => sql`(json_type(${doc}, ${sqlitePath(keys)}) = ${value ? 'true' : 'false'})`,
  jsonPresent: (doc, keys) => {
    const p = sqlitePath(keys);
    return sql`(CASE json_type(${doc}, ${p}) WHEN 'array' THEN json_array_length(${doc}, ${p}) > 0 WHEN 'object' THEN json_extract(${doc}, ${p}) <> '{}' WHEN 'text' THEN json_extract(${doc}, ${p}) <> '' WHEN 'null' THEN 0 WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 1 WHEN 'real' THEN 1 ELSE 0 END)`;
  },
  jsonAnyElement: (doc, keys, inner) => {
    const p = sqlitePath(keys);
    // json_each over an object walks its members; wrap a lone object into an array instead.
    const arr = sql`(CASE json_type(${doc}, ${p}) WHEN 'array' THEN json_extract(${doc}, ${p}) WHEN 'object' THEN json_array(json_extract(${doc}, ${p})) ELSE '[]' END)`;
    return sql`EXISTS (SELECT 1 FROM json_each(${arr}) AS el WHERE ${inner(sql`el.value`)})`;
  },
  contains: (h, n) => sql`(instr(${h}, ${n}) > 0)`,
  endsWith: (h, s) => sql`(substr(${h}, ${-[...s].length}) = ${s})`,
};

function pgKeys(keys: readonly string[]): Expr {
  return sql.join(keys.map((k) => sql`${k}::text`));
}

const postgres: SqlFlavor = {
  engine: 'postgres',
  jsonText: (doc, keys) => sql`jsonb_extract_path_text(${doc}, ${pgKeys(keys)})`,
  jsonNumber: (doc, keys) =>
    sql`(CASE WHEN jsonb_typeof(jsonb_extract_path(${doc}, ${pgKeys(keys)})) = 'number' THEN jsonb_extract_path_text(${doc}, ${pgKeys(keys)})::numeric END)`,
  jsonBoolEquals: (doc, keys, value) => sql`(jsonb_extract_path(${doc}, ${pgKeys(keys)}) = ${value ? 'true' : 'false'}::jsonb)`,
  jsonPresent: (doc, keys) => {
    const v = sql`jsonb_extract_path(${doc}, ${pgKeys(keys)})`;
    return sql`(COALESCE(${v} NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb), false))`;
  },
  jsonAnyElement: (doc, keys, inner) => {
    const v = sql`jsonb_extract_path(${doc}, ${pgKeys(keys)})`;
    const arr = sql`(CASE jsonb_typeof(${v}) WHEN 'array' THEN ${v} WHEN 'object' THEN jsonb_build_array(${v}) ELSE '[]'::jsonb END)`;
    return sql`EXISTS (SELECT 1 FROM jsonb_array_elements(${arr}) AS el(value) WHERE ${inner(sql`el.value`)})`;
  },
  contains: (h, n) => sql`(strpos(${h}, ${n}::text) > 0)`,
  endsWith: (h, s) => sql`(right(${h}, ${[...s].length}::int) = ${s}::text)`,
};

export function flavorFor(engine: Engine): SqlFlavor {
  return engine === 'postgres' ? postgres : sqlite;
}
