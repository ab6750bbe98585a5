/**
 * The pure rules behind each person's roster row: the columns derived from a SCIM document by the
 * list's schema and mapping (roster/mapping.ts), their stored form, and the roster field changes
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
  /** The slots of the list's fields, and of any key it had before (read with the version: they change only with it). */
  readonly slots: FieldSlots;
}

export interface DerivedColumns {
  readonly fields: string;
  readonly problems: string;
  readonly problemCount: number;
  readonly mappingVersion: number;
  readonly derived: Derived;
}

/**
 * Each of a list's field keys by its slot in stored people (field_slots, migration 043): `keys[n]`
 * is slot n's key (a hole where no key has it), `slotOf` the reverse. Slots are given once and
 * never taken back, so a row reads the same whatever became of the list's fields since.
 */
export interface FieldSlots {
  readonly keys: readonly (string | undefined)[];
  readonly slotOf: ReadonlyMap<string, number>;
}

export function fieldSlots(rows: Iterable<readonly [key: string, slot: number]>): FieldSlots {
  const keys: (string | undefined)[] = [];
  const slotOf = new Map<string, number>();
  for (const [key, slot] of rows) {
    keys[slot] = key;
    slotOf.set(key, slot);
  }
  return { keys, slotOf };
}

/**
 * The roster fields as stored: a JSON array by slot, the value of the field in slot n at item n,
 * `""` where a field has no value and nothing after the last value (a stored value is never `""`:
 * mapping.ts's checkValue makes a blank null). Against the keyed object it replaced, 247 of 571
 * bytes on the benchmark's people, and no key text for roster search to find (roster-search.ts).
 * A key without a slot is a fault of the caller (slots come with the list's fields: RosterRepo).
 */
export function storedFields(values: Readonly<Record<string, unknown>>, slots: FieldSlots): string {
  const items: unknown[] = [];
  for (const k in values) {
    const v = values[k];
    if (isEmpty(v)) continue;
    const n = slots.slotOf.get(k);
    if (n === undefined) throw new Error(`roster field "${k}" has no slot`);
    items[n] = v;
  }
  for (let i = 0; i < items.length; i++) if (items[i] === undefined) items[i] = '';
  return JSON.stringify(items);
}

/** The keys of `values` that storedFields would write and that have no slot yet. */
export const keysWithoutSlot = (values: Readonly<Record<string, unknown>>, slots: FieldSlots): string[] =>
  Object.keys(values).filter((k) => !isEmpty(values[k]) && !slots.slotOf.has(k));

const isEmpty = (v: unknown): boolean => v === null || v === undefined || v === '';

/**
 * A person's stored fields (storedFields), or a row written before migration 043 (a JSON object by
 * key), as an object of the fields that have a value. A slot the given slots do not name (never
 * the case when they were read after the row) is left out.
 */
export function readStoredFields(text: string | null | undefined, slots: FieldSlots): Record<string, unknown> {
  if (!text) return {};
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) return parsed as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < parsed.length; i++) {
    const v: unknown = parsed[i];
    const k = slots.keys[i];
    if (v !== '' && v !== null && k !== undefined) out[k] = v;
  }
  return out;
}

/** Whether a row's fields are still in the form written before migration 043 (or it still holds a search text). */
export const legacyRow = (fields: string | null, search: string | null): boolean => search !== null || (fields !== null && fields.startsWith('{'));

export function derivedColumns(schema: ListSchema, doc: Readonly<Record<string, unknown>>): DerivedColumns {
  const derived = deriveFields(doc, schema.fields, schema.mapping);
  return {
    fields: storedFields(derived.values, schema.slots), problems: JSON.stringify(derived.problems), problemCount: derived.problems.length,
    mappingVersion: schema.version, derived,
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
    fields: storedFields(values, schema.slots), problems: JSON.stringify(problems), problemCount: problems.length,
    mappingVersion: schema.version, derived: { values, problems },
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
