/**
 * Deriving a person's roster fields from the SCIM resource their IdP wrote, through a list's
 * mapping: read the SCIM path, transform, validate against the field's type. A value that does
 * not fit is kept as a sync problem on the person (with the value), never silently dropped and
 * never a reason to refuse the provisioning request.
 */
import { invalidPath } from '../scim/errors.js';
import { isObject } from '../scim/json.js';
import { evaluateFilter, parsePatchPath, type Filter, type PatchPath } from '../scim/filter/index.js';
import type { MappingEntry, RosterField } from './fields.js';

export type FieldValue = string | number | boolean | null;

export interface SyncProblem {
  readonly field: string;
  readonly value: unknown;
  readonly problem: string;
}

export interface Derived {
  readonly values: Readonly<Record<string, FieldValue>>;
  readonly problems: readonly SyncProblem[];
}

type Doc = Readonly<Record<string, unknown>>;

function getCI(o: Doc, key: string): unknown {
  if (Object.hasOwn(o, key)) return o[key];
  const k = Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : o[k];
}

/** Booleans written as strings inside a filter (`primary eq "True"`) compare as booleans. */
function loosen(f: Filter): Filter {
  switch (f.kind) {
    case 'and': case 'or': return { ...f, left: loosen(f.left), right: loosen(f.right) };
    case 'not': return { ...f, filter: loosen(f.filter) };
    case 'compare':
      return typeof f.value === 'string' && /^(true|false)$/i.test(f.value) ? { ...f, value: f.value.toLowerCase() === 'true' } : f;
    default: return f;
  }
}

const pathCache = new Map<string, PatchPath>();

/** Parses a mapping source once; throws 400 invalidPath for one that is no SCIM path. */
export function parseSource(source: string): PatchPath {
  let p = pathCache.get(source);
  if (!p) {
    // A mapping source always names an attribute, so the URN is whatever precedes its last colon
    // (before any value filter): `urn:scim:schemas:extension:acme:2.0:costCode` works although its
    // URN has no resource-type segment for the usual heuristic.
    if (/^urn:.*:\d+(\.\d+)*:(User|Group)$/i.test(source)) {
      throw invalidPath(`"${source}" names a whole extension; map one of its attributes, e.g. "${source}:department"`);
    }
    const head = source.split('[')[0]!;
    const prefix = head.slice(0, head.lastIndexOf(':')).toLowerCase();
    p = parsePatchPath(source, (uri) => uri.toLowerCase() === prefix);
    if (p.extension !== undefined) throw invalidPath(`"${source}" names a whole extension; map one of its attributes, e.g. "${source}:department"`);
    if (pathCache.size > 10_000) pathCache.clear();
    pathCache.set(source, p);
  }
  return p;
}

/**
 * The value at a SCIM path in a resource. A multi-valued attribute gives the first value its filter
 * matches (`emails[type eq "work"].value`); without a filter, the primary value or else the first.
 */
export function readPath(doc: Doc, source: string): unknown {
  const p = parseSource(source);
  if (p.extension !== undefined) return undefined;
  let container: unknown = doc;
  if (p.attr.uri) {
    const ext = getCI(doc, p.attr.uri);
    // Core attributes may be written with the core URN: urn:…:core:2.0:User:userName.
    container = isObject(ext) ? ext : /:core:2\.0:(User|Group)$/i.test(p.attr.uri) ? doc : undefined;
  }
  if (!isObject(container)) return undefined;
  let v = getCI(container, p.attr.attr);
  const sub = p.attr.sub ?? p.sub;
  if (Array.isArray(v)) {
    const els = v.filter(isObject);
    const filter = p.filter ? loosen(p.filter) : undefined;
    const hit = filter ? els.find((el) => evaluateFilter(filter, el)) : (els.find((el) => el.primary === true) ?? els[0] ?? v[0]);
    v = hit;
  } else if (p.filter) {
    v = isObject(v) && evaluateFilter(loosen(p.filter), v) ? v : undefined;
  }
  if (sub !== undefined) v = isObject(v) ? getCI(v, sub) : undefined;
  return v;
}

const TEMPLATE_PART = /\{([^{}]+)\}/g;

function transform(entry: MappingEntry, doc: Doc): unknown {
  if (entry.transform === 'template') {
    let any = false;
    const text = (entry.template ?? '').replace(TEMPLATE_PART, (_m, path: string) => {
      const v = readPath(doc, path.trim());
      if (v === undefined || v === null || typeof v === 'object') return '';
      any = true;
      return String(v);
    }).replace(/\s+/g, ' ').trim();
    return any && text !== '' ? text : undefined;
  }
  const v = readPath(doc, entry.source);
  if (typeof v !== 'string') return v;
  switch (entry.transform) {
    case 'trim': return v.trim();
    case 'lower': return v.toLowerCase();
    case 'upper': return v.toUpperCase();
    default: return v;
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ().\-/]{3,}(\s*(x|ext\.?)\s*[0-9]+)?$/i;

/** Checks one value against its field's type: the stored value, or the problem. */
export function checkValue(field: RosterField, raw: unknown): { value: FieldValue } | { problem: string } {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return { value: null };
  if (typeof raw === 'object') return { problem: `expected a single ${field.type} value, got ${Array.isArray(raw) ? 'a list' : 'an object'}` };
  const s = String(raw);
  switch (field.type) {
    case 'text':
    case 'reference':
      return { value: s };
    case 'number': {
      // Decimal notation only: Number() would also read "0x1f", "0b1" and "0o7".
      const ok = typeof raw === 'number' ? Number.isFinite(raw) : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim());
      const n = typeof raw === 'number' ? raw : Number(s.trim());
      return ok && Number.isFinite(n) ? { value: n } : { problem: `"${s}" is not a number` };
    }
    case 'email':
      return EMAIL.test(s.trim()) ? { value: s.trim() } : { problem: `"${s}" is not an email address` };
    case 'phone':
      return PHONE.test(s.trim()) && /\d{3}/.test(s.replace(/\D/g, '')) ? { value: s.trim() } : { problem: `"${s}" is not a phone number` };
    case 'date': {
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s.trim());
      const t = Date.parse(s.trim());
      // Date.parse rolls 2024-02-30 over to March: check the calendar date really exists.
      const real = m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      if (!m || !real || Number.isNaN(t) || real.getUTCMonth() !== Number(m[2]) - 1 || real.getUTCDate() !== Number(m[3])) {
        return { problem: `"${s}" is not a date (YYYY-MM-DD)` };
      }
      return { value: `${m[1]}-${m[2]}-${m[3]}` };
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      return /^(true|false)$/i.test(s.trim()) ? { value: s.trim().toLowerCase() === 'true' } : { problem: `"${s}" is not true or false` };
    case 'dropdown': {
      const opt = field.options?.find((o) => o.toLowerCase() === s.trim().toLowerCase());
      return opt !== undefined ? { value: opt } : { problem: `"${s}" is not one of the options (${(field.options ?? []).join(', ')})` };
    }
  }
}

/** A person's roster fields from their SCIM resource, with every value that did not fit. */
export function deriveFields(doc: Doc, fields: readonly RosterField[], mapping: readonly MappingEntry[]): Derived {
  // Keyed by the list's field keys (admin input): a null-prototype dictionary (CONVENTIONS 14).
  const values = Object.create(null) as Record<string, FieldValue>;
  const problems: SyncProblem[] = [];
  for (const f of fields) values[f.key] = null;
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const entry of mapping) {
    const field = byKey.get(entry.field);
    if (!field || values[field.key] !== null) continue; // first mapping with a value wins
    let raw: unknown;
    try {
      raw = transform(entry, doc);
    } catch (err) {
      // A mapping is validated when saved; should one still fail, it is a problem, never a refused request.
      problems.push({ field: field.key, value: null, problem: `mapping "${entry.source || entry.template}" failed: ${(err as Error).message}` });
      continue;
    }
    const checked = checkValue(field, raw);
    if ('problem' in checked) problems.push({ field: field.key, value: raw, problem: checked.problem });
    else values[field.key] = checked.value;
  }
  // A later entry that filled the field makes an earlier entry's problem moot.
  for (let i = problems.length - 1; i >= 0; i--) if (values[problems[i]!.field] !== null) problems.splice(i, 1);
  for (const f of fields) {
    if (f.required && values[f.key] === null && !problems.some((p) => p.field === f.key)) {
      problems.push({ field: f.key, value: null, problem: `${f.label} is required but the IdP sent no value for it` });
    }
  }
  return { values, problems };
}
