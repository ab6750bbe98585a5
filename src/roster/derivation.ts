/**
 * The pure rules behind each person's roster row: the columns derived from a SCIM document by the
 * list's schema and mapping (roster/mapping.ts), the search text, and the roster field changes
 * between two derivations that the audit trail records. No storage: services call these.
 */
import type { FieldChange } from './audit.js';
import type { MappingEntry, RosterField } from './fields.js';
import { deriveFields, type Derived, type FieldValue } from './mapping.js';
import { USER_SCHEMA } from '../scim/schemas/index.js';

export interface ListSchema {
  readonly version: number;
  readonly fields: readonly RosterField[];
  readonly mapping: readonly MappingEntry[];
}

export interface DerivedColumns {
  readonly fields: string;
  readonly problems: string;
  readonly problemCount: number;
  readonly search: string;
  readonly mappingVersion: number;
  readonly derived: Derived;
}

/**
 * What roster search matches: the userName and every field value, lower-cased, each kept once.
 * Search finds a person when every word of the query is somewhere in this text, and a word holds
 * no space: so a value already inside the text ("ada" in "ada lovelace", the username that is the
 * userName, an external ID that is also the manager) finds nobody the text does not, and is left
 * out. Chosen longest first, so that the short values fall inside the long ones. 60 of 294 bytes on the
 * benchmark's people, in every row of the roster, for a few microseconds a write.
 */
export function searchText(userName: string, values: Readonly<Record<string, FieldValue | unknown>>): string {
  const texts = [userName.toLowerCase()];
  for (const v of Object.values(values)) if (v !== null && v !== undefined && v !== '') texts.push(String(v).toLowerCase());
  const longestFirst = texts.map((t, i) => i).sort((a, b) => texts[b]!.length - texts[a]!.length);
  const kept = new Set<number>();
  let all = '';
  for (const i of longestFirst) {
    const t = texts[i]!;
    if (t === '' || all.includes(t)) continue;
    kept.add(i);
    all = all === '' ? t : `${all} ${t}`;
  }
  // Written out in their own order, the userName first: past 4,000 characters the end is cut.
  return texts.filter((_, i) => kept.has(i)).join(' ').slice(0, 4000);
}

/**
 * The roster fields as stored: the fields with a value, as JSON. A field with none is left out
 * (every reader takes a missing key as null: the web app, CSV export, cards, passes, and SQL's
 * JSON functions), which saves about 110 bytes on each of the benchmark's people, a field in
 * three being empty (issue 16, compact storage).
 */
export function storedFields(values: Readonly<Record<string, unknown>>): string {
  const kept: Record<string, unknown> = {};
  for (const k in values) if (values[k] !== null && values[k] !== undefined) kept[k] = values[k];
  return JSON.stringify(kept);
}

export function derivedColumns(schema: ListSchema, doc: Readonly<Record<string, unknown>>): DerivedColumns {
  const derived = deriveFields(doc, schema.fields, schema.mapping);
  return {
    fields: storedFields(derived.values), problems: JSON.stringify(derived.problems), problemCount: derived.problems.length,
    search: searchText(typeof doc.userName === 'string' ? doc.userName : '', derived.values), mappingVersion: schema.version, derived,
  };
}

/**
 * The SCIM document a CSV import gives a person (import-service.ts): their userName and whether
 * they are active. Their roster fields are what the file said, not values derived from it.
 */
export function importedDocument(userName: string, active: boolean): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], userName, active };
}

/**
 * Whether a person's document is the one a CSV import gave them (importedDocument), so that their
 * roster fields are their own: a mapping change fits them to the list's fields without deriving
 * them (job-runner.ts), and a write that leaves their document in this shape (an IdP's
 * deactivation or rename, Entra ID's sweep of people it did not create) changes only the fields
 * fed by what it changed (heldColumns). Deriving them from this document would empty every field
 * but those fed by userName and active.
 *
 * A person an IdP created with nothing but userName (and active) has the same document, and is
 * taken for imported: their fields stay as the mapping made them until the IdP sends more.
 */
export function heldByImport(doc: Readonly<Record<string, unknown>>): boolean {
  let n = 0;
  for (const k in doc) {
    if (k !== 'schemas' && k !== 'userName' && k !== 'active') return false;
    n++;
  }
  const schemas = doc.schemas;
  return n === 3 && Array.isArray(schemas) && schemas.length === 1 && schemas[0] === USER_SCHEMA
    && typeof doc.userName === 'string' && typeof doc.active === 'boolean';
}

/**
 * The derived columns of a person whose fields are their own (heldByImport), written with a
 * document that is still the import's (`doc`, was `before`): their fields as they are, but for
 * those the mapping feeds from what changed (userName, active), which follow it. A rename or a
 * deactivation shows in the roster; the file's other values stay. Only the list's fields are kept
 * (a field since removed goes), and a field left empty has the problem the mapping finds for it
 * (a required field with no value), as a derived person would.
 */
export function heldColumns(schema: ListSchema, before: Readonly<Record<string, unknown>>, doc: Readonly<Record<string, unknown>>, fields: Readonly<Record<string, unknown>>): DerivedColumns {
  const was = deriveFields(before, schema.fields, schema.mapping).values;
  const now = deriveFields(doc, schema.fields, schema.mapping);
  const values: Record<string, FieldValue> = {};
  for (const f of schema.fields) {
    const k = f.key;
    values[k] = (was[k] ?? null) !== (now.values[k] ?? null) ? (now.values[k] ?? null) : ((fields[k] ?? null) as FieldValue);
  }
  const problems = now.problems.filter((p) => values[p.field] === null);
  return {
    fields: storedFields(values), problems: JSON.stringify(problems), problemCount: problems.length,
    search: searchText(typeof doc.userName === 'string' ? doc.userName : '', values), mappingVersion: schema.version, derived: { values, problems },
  };
}

/** Roster field changes between two derivations, named `roster:<key>` beside the SCIM attributes. */
export function rosterChanges(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): FieldChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.filter((k) => {
    const a = before[k] ?? null, b = after[k] ?? null;
    // The same value writes the same JSON: most fields of a write are unchanged, and not written out.
    return a !== b && JSON.stringify(a) !== JSON.stringify(b);
  })
    .map((k) => ({ field: `roster:${k}`, before: before[k] ?? null, after: after[k] ?? null }));
}
