/**
 * Turns a client's User or Group body into the canonical document Muster stores (RFC 7643):
 * attribute names in the RFC's casing, values of the schema's types, readOnly and writeOnly
 * attributes dropped, required attributes checked. Unknown extension URNs (custom attributes
 * from Entra, Okta, …) are kept verbatim so they round-trip and can be mapped later.
 */
import { invalidSyntax, invalidValue } from './errors.js';
import { guardSchemaUris } from './input-guard.js';
import { canonicalUrn, coerceBoolean, type Normalisations } from './dialect.js';
import type { AttributeDef, SchemaRegistry, ResourceTypeId } from './schemas/index.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
import { isObject, type Doc } from './json.js';
import { checkBodyCounts } from './limits.js';

export { isObject, type Doc };

/** Looks a key up case-insensitively (RFC 7643 §2.1: attribute names are case-insensitive). */
export function findKey(o: Doc, name: string): string | undefined {
  if (Object.hasOwn(o, name)) return name;
  const n = name.toLowerCase();
  return Object.keys(o).find((k) => k.toLowerCase() === n);
}

/**
 * Coerces one value to an attribute's type. `null` means "no value" and returns undefined.
 * Throws 400 invalidValue for a value that cannot be the attribute's type.
 */
export function coerceValue(def: AttributeDef, v: unknown, name: string, notes: Normalisations, isManager = false): unknown {
  if (v === null || v === undefined) return undefined;
  if (def.multiValued) {
    let arr: unknown[];
    if (Array.isArray(v)) arr = v;
    else {
      notes.note('single-as-array');
      arr = [v];
    }
    const single: AttributeDef = { ...def, multiValued: false };
    const out = arr.map((x) => coerceValue(single, x, name, notes)).filter((x) => x !== undefined);
    if (def.type === 'complex') {
      let primarySeen = false;
      for (const el of out as Doc[]) {
        if (el.primary === true) {
          if (primarySeen) {
            notes.note('multiple-primary');
            el.primary = false;
          }
          primarySeen = true;
        }
      }
    }
    return out;
  }
  switch (def.type) {
    case 'complex': {
      if (typeof v === 'string' && isManager) {
        notes.note('manager-string');
        return v === '' ? undefined : { value: v };
      }
      if (!isObject(v)) throw invalidValue(`"${name}" must be an object with sub-attributes`);
      const out: Doc = {};
      for (const [k, raw] of Object.entries(v)) {
        const sd = def.subAttributes?.find((s) => s.name.toLowerCase() === k.toLowerCase());
        if (!sd) continue; // unknown sub-attributes are ignored, like unknown attributes
        if (sd.mutability === 'readOnly') continue;
        const val = coerceValue(sd, raw, `${name}.${sd.name}`, notes);
        if (val !== undefined) out[sd.name] = val;
      }
      return Object.keys(out).length ? out : undefined;
    }
    case 'boolean': {
      const b = coerceBoolean(v, notes);
      if (b === undefined) throw invalidValue(`"${name}" must be true or false`);
      return b;
    }
    case 'integer':
    case 'decimal': {
      let n = v;
      if (typeof n === 'string' && n.trim() !== '' && Number.isFinite(Number(n))) {
        notes.note('number-as-string');
        n = Number(n);
      }
      if (typeof n !== 'number' || !Number.isFinite(n) || (def.type === 'integer' && !Number.isInteger(n))) {
        throw invalidValue(`"${name}" must be ${def.type === 'integer' ? 'an integer' : 'a number'}`);
      }
      return n;
    }
    case 'dateTime': {
      if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw invalidValue(`"${name}" must be a dateTime such as "2025-01-31T12:00:00Z"`);
      return v;
    }
    default: {
      if (typeof v === 'number') {
        notes.note('number-as-string');
        return String(v);
      }
      if (typeof v !== 'string') throw invalidValue(`"${name}" must be a string`);
      return v;
    }
  }
}

/**
 * A stored resource's attributes without unassigned multi-valued ones: RFC 7643 §2.5 makes
 * "unassigned", null and an empty array one state, so an empty array is left out on the wire
 * (in the core schema and in extensions; an extension left with nothing is left out too).
 */
export function withoutUnassigned(doc: Doc): Doc {
  const assigned = (o: Doc): Doc => {
    const out: Doc = {};
    for (const [k, v] of Object.entries(o)) if (!(Array.isArray(v) && v.length === 0)) out[k] = v;
    return out;
  };
  const out = assigned(doc);
  for (const [k, v] of Object.entries(out)) {
    if (!k.includes(':') || !isObject(v)) continue;
    const ext = assigned(v);
    if (Object.keys(ext).length) out[k] = ext;
    else delete out[k];
  }
  return out;
}

export interface PreparedResource {
  /** The canonical document, `schemas` first; for Groups without `members`. */
  readonly doc: Doc;
  /** Group members as given (`members` of a Group body), undefined when the body had none. */
  readonly members: readonly unknown[] | undefined;
}

const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager';

/** Processes the attributes of one schema (core or a known extension) into `target`. */
function takeAttributes(
  registry: SchemaRegistry, rt: ResourceTypeId, schemaId: string, src: Doc, target: Doc, notes: Normalisations,
  members: { value?: unknown[] },
): void {
  const schema = registry.getSchema(schemaId);
  if (!schema) return;
  const isCore = schema.id === registry.coreSchemaFor(rt).id;
  for (const [key, raw] of Object.entries(src)) {
    if (isCore && (key === 'schemas' || key.toLowerCase().startsWith('urn:') || key.includes(':'))) continue;
    const r = registry.resolve(rt, isCore ? { attr: key } : { uri: schema.id, attr: key });
    if (!r) continue; // unknown attributes are ignored (a misspelt attribute is not an error: RFC 7644 §3.5.1 leaves it open)
    if (r.schema === 'common') {
      if (r.def.name === 'externalId') {
        const v = coerceValue(r.def, raw, 'externalId', notes);
        if (v !== undefined) target.externalId = v;
      } else if (raw !== undefined) {
        notes.note('readonly-ignored');
      }
      continue;
    }
    if (rt === 'Group' && r.def.name === 'members') {
      if (raw === null) members.value = [];
      else members.value = Array.isArray(raw) ? raw : [raw];
      continue;
    }
    if (r.def.mutability === 'readOnly' || r.def.mutability === 'writeOnly') {
      // groups (readOnly) is computed; password (writeOnly) is accepted and never stored.
      if (r.def.mutability === 'readOnly') notes.note('readonly-ignored');
      continue;
    }
    const full = isCore ? r.def.name : `${schema.id}:${r.def.name}`;
    const v = coerceValue(r.def, raw, full, notes, full.toLowerCase() === MANAGER);
    // `[]` is unassigned, like null (RFC 7643 §2.5): not stored, so never rendered as [].
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) target[r.def.name] = v;
  }
}

/**
 * Validates and canonicalises a POST or PUT body (RFC 7644 §3.3, §3.5.1).
 * Throws invalidSyntax for a body that is not a resource and invalidValue for schema violations.
 */
export function prepareResource(registry: SchemaRegistry, rt: ResourceTypeId, body: unknown, notes: Normalisations): PreparedResource {
  if (!isObject(body)) throw invalidSyntax(`the request body must be a JSON object describing a ${rt}`);
  checkBodyCounts(body);
  const core = registry.coreSchemaFor(rt);
  const extensions = registry.extensionsFor(rt);
  const rawSchemas = body.schemas;
  guardSchemaUris(rawSchemas);
  let declared: string[] = [];
  if (rawSchemas === undefined) notes.note('missing-schemas');
  else if (!Array.isArray(rawSchemas) || rawSchemas.some((s) => typeof s !== 'string')) {
    throw invalidValue('"schemas" must be an array of schema URIs');
  } else declared = (rawSchemas as string[]).map((u) => {
    const c = canonicalUrn(u, notes);
    return c === 'core' ? registry.coreSchemaFor(rt).id : c;
  });

  const doc: Doc = {};
  const members: { value?: unknown[] } = {};
  const coreDoc: Doc = {};
  takeAttributes(registry, rt, core.id, body, coreDoc, notes, members);
  const schemas: string[] = [core.id];
  const extDocs: [string, Doc][] = [];

  for (const [rawKey, raw] of Object.entries(body)) {
    if (!rawKey.includes(':')) continue;
    const canonicalKey = canonicalUrn(rawKey, notes);
    const key = canonicalKey === 'core' ? core.id : canonicalKey;
    const ext = extensions.find((e) => e.schema.id.toLowerCase() === key.toLowerCase());
    if (ext) {
      if (raw === null) continue;
      if (!isObject(raw)) throw invalidValue(`"${key}" must be an object`);
      const out: Doc = {};
      takeAttributes(registry, rt, ext.schema.id, raw, out, notes, members);
      if (Object.keys(out).length) extDocs.push([ext.schema.id, out]);
      if (!declared.some((s) => s.toLowerCase() === key.toLowerCase())) notes.note('extension-not-in-schemas');
    } else if (key.toLowerCase() === core.id.toLowerCase()) {
      // Some clients nest core attributes under the core URN; take them as core attributes.
      if (isObject(raw)) takeAttributes(registry, rt, core.id, raw, coreDoc, notes, members);
    } else if (/^urn:/i.test(key) && isObject(raw)) {
      // A custom extension Muster has no schema for (Entra `urn:ietf:params:scim:schemas:extension:<Name>:2.0:User`,
      // Okta custom namespaces): kept exactly as sent.
      extDocs.push([key, raw]);
      if (!declared.some((s) => s.toLowerCase() === key.toLowerCase())) notes.note('extension-not-in-schemas');
    } else if (/^urn:/i.test(key)) {
      if (raw !== null) throw invalidValue(`extension "${key}" must be an object`);
    }
  }
  for (const s of declared) {
    const known = s.toLowerCase() === core.id.toLowerCase() || extensions.some((e) => e.schema.id.toLowerCase() === s.toLowerCase());
    if (!known && !extDocs.some(([k]) => k.toLowerCase() === s.toLowerCase())) notes.note('unknown-schema-uri');
  }
  // Extensions keep the order the client declared them in `schemas` (object key order is not
  // stable: PostgreSQL's jsonb sorts keys), undeclared ones after.
  const rank = (k: string) => {
    const i = declared.findIndex((s) => s.toLowerCase() === k.toLowerCase());
    return i === -1 ? declared.length : i;
  };
  extDocs.sort((a, b) => rank(a[0]) - rank(b[0]));
  doc.schemas = [...schemas, ...extDocs.map(([k]) => k)];
  Object.assign(doc, coreDoc);
  for (const [k, v] of extDocs) doc[k] = v;
  checkRequired(registry, rt, doc);
  return { doc, members: members.value };
}

/** RFC 7643 §2.2 "required": userName for Users, displayName for Groups, and any required extension attribute. */
export function checkRequired(registry: SchemaRegistry, rt: ResourceTypeId, doc: Doc): void {
  const core = registry.coreSchemaFor(rt);
  for (const a of core.attributes) {
    if (!a.required || a.mutability === 'readOnly') continue;
    const v = doc[a.name];
    if (v === undefined || v === null || v === '') throw invalidValue(`"${a.name}" is required for a ${rt}`);
  }
}

/** Keeps `schemas` in step with the extension objects a document holds. */
export function syncSchemas(registry: SchemaRegistry, rt: ResourceTypeId, doc: Doc): void {
  const core = registry.coreSchemaFor(rt).id;
  const exts = Object.keys(doc).filter((k) => k.includes(':') && isObject(doc[k]) && Object.keys(doc[k] as Doc).length > 0);
  for (const k of Object.keys(doc)) if (k.includes(':') && (!isObject(doc[k]) || Object.keys(doc[k] as Doc).length === 0)) delete doc[k];
  const before = Array.isArray(doc.schemas) ? (doc.schemas as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  const kept = before.filter((u) => exts.includes(u));
  doc.schemas = [core, ...kept, ...exts.filter((u) => !kept.includes(u))];
}
