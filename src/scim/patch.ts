/**
 * PATCH (RFC 7644 §3.5.2) applied to a canonical document. Pure: the caller loads the document,
 * applies every operation here, validates the result and writes it in one transaction, so a
 * request applies all of its operations or none. Group members never pass through here as a
 * list: member operations come out as deltas (`MemberOp`) for the store to apply row by row.
 */
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from './errors.js';
import { coerceBoolean, normaliseOp, type Normalisations } from './dialect.js';
import { evaluateFilter, parsePatchPath, type Filter, type PatchPath } from './filter/index.js';
import { canonical, cloneJson, setOwn } from './json.js';
import { guardSchemaUris } from './input-guard.js';
import { MAX_PATCH_OPERATIONS, ValueCounter, checkGrownCounts, tooManyOperations } from './limits.js';
import { checkRequired, coerceValue, isObject, syncSchemas, type Doc } from './resource.js';
import { ENTERPRISE_USER_SCHEMA, PATCH_OP, type AttributeDef, type ResourceTypeId, type SchemaRegistry } from './schemas/index.js';

export type MemberOp =
  | { readonly kind: 'add'; readonly members: readonly MemberRef[] }
  | { readonly kind: 'remove'; readonly ids: readonly string[] }
  | { readonly kind: 'removeWhere'; readonly filter: Filter }
  | { readonly kind: 'removeAll' };

export interface PatchResult {
  readonly doc: Doc;
  readonly memberOps: readonly MemberOp[];
}

type Op = 'add' | 'replace' | 'remove';

interface Target {
  readonly container: Doc;
  readonly key: string;
  readonly def: AttributeDef | undefined;
  readonly filter: Filter | undefined;
  readonly sub: string | undefined;
  readonly label: string;
}


/** A member as the client named it: its id and, when sent, the display name the IdP uses for it. */
export interface MemberRef {
  readonly id: string;
  readonly display?: string;
}

/**
 * Members from `[{value, display}]`, `{value}` or bare strings (member-as-string, OneLogin).
 * `display` is kept as the IdP wrote it; Microsoft's reference suite writes `displayName`.
 */
export function memberRefs(value: unknown, notes: Normalisations): MemberRef[] {
  const arr = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return arr.map((m) => {
    if (typeof m === 'string') {
      notes.note('member-as-string');
      return { id: m };
    }
    if (isObject(m) && typeof m.value === 'string') {
      const display = typeof m.display === 'string' ? m.display : typeof m.displayName === 'string' ? m.displayName : undefined;
      return display === undefined ? { id: m.value } : { id: m.value, display };
    }
    throw invalidValue('each member must be an object with a string "value" (the member\'s id)');
  });
}

/** Member ids from `[{value}]`, `{value}` or bare strings (member-as-string, OneLogin). */
export function memberIds(value: unknown, notes: Normalisations): string[] {
  const arr = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return arr.map((m) => {
    if (typeof m === 'string') {
      notes.note('member-as-string');
      return m;
    }
    if (isObject(m) && typeof m.value === 'string') return m.value;
    throw invalidValue('each member must be an object with a string "value" (the member\'s id)');
  });
}

/** `value eq "a"`, or an `or` of such: the ids named, else undefined. */
function idsFromFilter(f: Filter): string[] | undefined {
  if (f.kind === 'compare' && f.op === 'eq' && f.path.attr.toLowerCase() === 'value' && !f.path.sub && typeof f.value === 'string') return [f.value];
  if (f.kind === 'or') {
    const l = idsFromFilter(f.left), r = idsFromFilter(f.right);
    return l && r ? [...l, ...r] : undefined;
  }
  return undefined;
}

/** The element an `eq` filter describes (`type eq "work"` → {type:"work"}), to create on a miss. */
function elementFromFilter(f: Filter): Doc | undefined {
  if (f.kind === 'compare' && f.op === 'eq' && !f.path.sub) return { [f.path.attr]: f.value };
  if (f.kind === 'and') {
    const l = elementFromFilter(f.left), r = elementFromFilter(f.right);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

/**
 * What `add` on one multi-valued attribute knows about its current values, kept across the
 * operations of a request so that N `add` operations cost O(N) and not O(N²) (issue 12: 3,000
 * operations took 10 s when every one re-canonicalised the whole list). Valid while only `add`
 * changes the list; any other operation on the attribute drops it.
 */
interface AddIndex {
  /** Canonical JSON of every value present. */
  readonly keys: Set<string>;
  /** The values with `primary: true` (RFC 7643 §2.4 allows one; stored data may hold more). */
  readonly primaries: Set<Doc>;
}

const valueKey = (x: unknown): string => JSON.stringify(canonical(x));

export class PatchEngine {
  private readonly memberOps: MemberOp[] = [];
  private readonly counter = new ValueCounter();
  private readonly addIndex = new WeakMap<unknown[], AddIndex>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly rt: ResourceTypeId,
    private readonly doc: Doc,
    private readonly notes: Normalisations,
  ) {}

  /** Applies a PatchOp body; throws a ScimError and leaves nothing half-applied (the caller discards `doc`). */
  static apply(registry: SchemaRegistry, rt: ResourceTypeId, doc: Doc, body: unknown, notes: Normalisations): PatchResult {
    const engine = new PatchEngine(registry, rt, cloneJson(doc), notes);
    engine.run(body);
    checkGrownCounts(doc, engine.doc);
    return { doc: engine.doc, memberOps: engine.memberOps };
  }

  private run(body: unknown): void {
    if (!isObject(body)) throw invalidSyntax('a PATCH body must be a PatchOp JSON object');
    const schemas = body.schemas;
    guardSchemaUris(schemas);
    if (schemas === undefined) this.notes.note('missing-schemas');
    else if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP.toLowerCase())) {
      throw invalidSyntax(`a PATCH body must list "${PATCH_OP}" in "schemas"`);
    }
    const ops = body.Operations ?? body.operations;
    if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax('"Operations" must be a non-empty array');
    if (ops.length > MAX_PATCH_OPERATIONS) tooManyOperations(ops.length);
    ops.forEach((raw, i) => {
      if (!isObject(raw)) throw invalidSyntax(`Operations[${i}] must be an object`);
      const op = normaliseOp(raw.op, this.notes);
      if (!op) throw invalidSyntax(`Operations[${i}].op must be "add", "replace" or "remove", got ${JSON.stringify(raw.op)}`);
      const path = raw.path;
      if (path !== undefined && path !== null && (typeof path !== 'string' || path.trim() === '')) {
        throw invalidPath(`Operations[${i}].path must be a non-empty string`);
      }
      if (op !== 'remove' && !Object.hasOwn(raw, 'value')) throw invalidSyntax(`Operations[${i}] (${op}) needs a "value"`);
      if (typeof path === 'string') this.applyPath(op, parsePatchPath(path.trim(), (u) => this.registry.isSchemaUri(u)), raw.value, true);
      else this.applyPathless(op, raw.value);
    });
    syncSchemas(this.registry, this.rt, this.doc);
    checkRequired(this.registry, this.rt, this.doc);
  }

  private applyPathless(op: Op, value: unknown): void {
    if (op === 'remove') throw noTarget('a "remove" operation needs a "path" (RFC 7644 §3.5.2.2)');
    if (!isObject(value)) throw invalidValue(`a path-less "${op}" needs an object value`);
    for (const [k, v] of Object.entries(value)) {
      if (k === 'schemas') continue;
      let path: PatchPath;
      try {
        path = parsePatchPath(k, (u) => this.registry.isSchemaUri(u));
      } catch {
        continue; // keys that are no attribute path at all are ignored, as in a PUT body
      }
      if (path.extension === undefined && (k.includes('.') || k.includes(':'))) this.notes.note('pathless-dotted-keys');
      this.applyPath(op, path, v, false);
    }
  }

  private applyPath(op: Op, path: PatchPath, value: unknown, explicit: boolean): void {
    if (path.extension !== undefined) {
      const uri = this.registry.getSchema(path.extension)?.id ?? path.extension;
      if (op === 'remove') {
        const k = Object.keys(this.doc).find((x) => x.toLowerCase() === uri.toLowerCase());
        if (k) delete this.doc[k];
        return;
      }
      if (!isObject(value)) throw invalidValue(`the value for "${uri}" must be an object`);
      if (!this.registry.isSchemaUri(uri)) {
        const k = Object.keys(this.doc).find((x) => x.toLowerCase() === uri.toLowerCase()) ?? uri;
        const current = this.own(k);
        setOwn(this.doc, k, { ...(isObject(current) ? current : {}), ...value });
        return;
      }
      for (const [k, v] of Object.entries(value)) this.applyPath(op, { attr: { uri, attr: k } }, v, false);
      return;
    }
    const attr = path.attr;
    const resolved = this.registry.resolve(this.rt, { uri: attr.uri, attr: attr.attr });
    const label = `${attr.uri ? attr.uri + ':' : ''}${attr.attr}${attr.sub ? '.' + attr.sub : ''}`;
    if (!resolved) {
      if (attr.uri && !this.registry.isSchemaUri(attr.uri)) {
        // A custom extension attribute (Entra/Okta custom namespace): stored as sent.
        const k = Object.keys(this.doc).find((x) => x.toLowerCase() === attr.uri!.toLowerCase()) ?? attr.uri;
        if (!isObject(this.own(k))) setOwn(this.doc, k, {});
        this.applyTarget(op, { container: this.own(k) as Doc, key: attr.attr, def: undefined, filter: path.filter, sub: attr.sub ?? path.sub, label }, value);
        return;
      }
      if (!explicit) return; // unknown keys in a path-less value are ignored, as in a PUT body
      throw invalidPath(`unknown attribute "${label}" for ${this.rt}`);
    }
    const def = resolved.def;
    if (resolved.schema === 'common' && def.name !== 'externalId') {
      if (explicit) throw mutability(`"${def.name}" is readOnly`);
      this.notes.note('readonly-ignored');
      return;
    }
    if (def.mutability === 'readOnly' || def.mutability === 'writeOnly') {
      if (explicit && def.mutability === 'readOnly') throw mutability(`"${def.name}" is readOnly`);
      if (def.mutability === 'readOnly') this.notes.note('readonly-ignored');
      return; // password (writeOnly) is accepted and never stored
    }
    if (this.rt === 'Group' && def.name === 'members') {
      this.applyMembers(op, path.filter, attr.sub ?? path.sub, value);
      return;
    }
    const core = this.registry.coreSchemaFor(this.rt).id;
    let container = this.doc;
    if (resolved.schema !== 'common' && resolved.schema !== core) {
      if (!isObject(this.doc[resolved.schema])) this.doc[resolved.schema] = {};
      container = this.doc[resolved.schema] as Doc;
    }
    this.applyTarget(op, { container, key: def.name, def, filter: path.filter, sub: attr.sub ?? path.sub, label }, value);
  }

  /**
   * The document's own property `k`, never one inherited from Object.prototype: a key that
   * comes from the request (a custom extension URN) is looked up here (issue 12, defect 1).
   */
  private own(k: string): unknown {
    return Object.hasOwn(this.doc, k) ? this.doc[k] : undefined;
  }

  private coerce(def: AttributeDef | undefined, value: unknown, label: string, asElement = false): unknown {
    if (!def) return value;
    const d = asElement ? { ...def, multiValued: false } : def;
    return coerceValue(d, value, label, this.notes, this.isManager(def));
  }

  /** Entra's bare-string manager (manager-string) applies to the enterprise extension's `manager`, however the path named it. */
  private isManager(def: AttributeDef): boolean {
    return this.registry.getSchema(ENTERPRISE_USER_SCHEMA)?.attributes.find((a) => a.name === 'manager') === def;
  }

  private subDef(t: Target): AttributeDef | undefined {
    if (!t.sub || !t.def) return undefined;
    const sd = t.def.subAttributes?.find((s) => s.name.toLowerCase() === t.sub!.toLowerCase());
    if (!sd) throw invalidPath(`"${t.def.name}" has no sub-attribute "${t.sub}"`);
    if (sd.mutability === 'readOnly') throw mutability(`"${t.def.name}.${sd.name}" is readOnly`);
    return sd;
  }

  /**
   * The filter with each comparison's value in its sub-attribute's type: Entra writes
   * `roles[primary eq "True"]` (boolean-string), which must match the stored boolean `true`.
   */
  private typedFilter(f: Filter, def: AttributeDef | undefined): Filter {
    switch (f.kind) {
      case 'and':
      case 'or':
        return { ...f, left: this.typedFilter(f.left, def), right: this.typedFilter(f.right, def) };
      case 'not':
        return { ...f, filter: this.typedFilter(f.filter, def) };
      case 'compare': {
        const sd = def?.subAttributes?.find((s) => s.name.toLowerCase() === f.path.attr.toLowerCase());
        if (sd?.type === 'boolean' && typeof f.value === 'string') {
          const b = coerceBoolean(f.value, this.notes);
          if (b !== undefined) return { ...f, value: b };
        }
        return f;
      }
      default:
        return f;
    }
  }

  /** RFC 7643 §2.4: at most one value is primary; a value made primary takes it from the others. */
  private keepOnePrimary(list: unknown[], winners: readonly unknown[]): void {
    if (!winners.some((w) => isObject(w) && w.primary === true)) return;
    const won = new Set(winners);
    for (const el of list) if (isObject(el) && !won.has(el) && el.primary === true) delete el.primary;
  }

  private applyTarget(op: Op, t: Target, value: unknown): void {
    const { container, key, def } = t;
    const sd = this.subDef(t);
    const subKey = sd?.name ?? t.sub;
    const multi = def ? def.multiValued : Array.isArray(container[key]);
    if (def?.mutability === 'immutable' && container[key] !== undefined && op !== 'add') throw mutability(`"${t.label}" is immutable`);
    if (multi && !subKey && value !== undefined && value !== null) this.counter.add(t.label, Array.isArray(value) ? value.length : 1);
    // Only `add` of whole values keeps the add index true; anything else may change values in place.
    if (Array.isArray(container[key]) && (op !== 'add' || t.filter || subKey)) this.addIndex.delete(container[key] as unknown[]);

    if (t.filter) {
      if (def && !multi) throw invalidPath(`"${t.label}" is not multi-valued: a value filter does not apply`);
      const list = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
      this.counter.visit(list.length);
      const caseExact = (p: { attr: string }) => def?.subAttributes?.find((s) => s.name.toLowerCase() === p.attr.toLowerCase())?.caseExact ?? false;
      const filter = this.typedFilter(t.filter, def);
      const hits = list.filter((el) => isObject(el) && evaluateFilter(filter, el, { caseExact })) as Doc[];
      if (op === 'remove') {
        const hit = new Set<unknown>(hits);
        if (subKey) for (const el of hits) delete el[subKey];
        else container[key] = list.filter((el) => !hit.has(el));
      } else if (hits.length === 0) {
        const seed = elementFromFilter(filter);
        if (!seed) throw noTarget(`no value of "${t.label}" matches the filter`);
        if (op === 'replace') this.notes.note('replace-creates-value');
        const el = subKey ? { ...seed, [subKey]: value } : { ...seed, ...(isObject(value) ? value : { value }) };
        container[key] = [...list, this.coerce(def, el, t.label, true)].filter((x) => x !== undefined);
      } else {
        for (const el of hits) {
          if (subKey) {
            const v = sd ? coerceValue(sd, value, `${t.label}.${subKey}`, this.notes) : value;
            if (v === undefined) delete el[subKey];
            else el[subKey] = v;
          } else {
            const v = this.coerce(def, value, t.label, true);
            if (isObject(v)) Object.assign(el, v);
          }
        }
        this.keepOnePrimary(list, hits.slice(0, 1));
        for (const el of hits.slice(1)) if (el.primary === true) delete el.primary;
      }
      this.tidy(container, key);
      return;
    }

    if (subKey) {
      // name.givenName, or emails.value (every value of a multi-valued attribute)
      const targets: Doc[] = multi
        ? ((Array.isArray(container[key]) ? container[key] : []) as unknown[]).filter(isObject)
        : [isObject(container[key]) ? (container[key] as Doc) : (container[key] = {}) as Doc];
      this.counter.visit(targets.length);
      if (multi && targets.length === 0 && op !== 'remove') {
        container[key] = [{}];
        targets.push((container[key] as Doc[])[0]!);
      }
      for (const el of targets) {
        if (op === 'remove') delete el[subKey];
        else {
          const v = sd ? coerceValue(sd, value, `${t.label}`, this.notes) : value;
          if (v === undefined) delete el[subKey];
          else el[subKey] = v;
        }
      }
      this.tidy(container, key);
      return;
    }

    if (op === 'remove') {
      if (multi && value !== undefined && value !== null) {
        // remove-by-value: Entra/JumpCloud name the values to remove in "value".
        this.notes.note('remove-by-value');
        const drop = new Set((Array.isArray(value) ? value : [value]).map((v) => JSON.stringify(isObject(v) ? v.value : v)));
        const list = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
        this.counter.visit(list.length);
        container[key] = list.filter((el) => !drop.has(JSON.stringify(isObject(el) ? el.value : el)));
        this.tidy(container, key);
      } else {
        delete container[key];
      }
      return;
    }

    const v = this.coerce(def, value, t.label);
    if (v === undefined) {
      if (op === 'replace') delete container[key];
      return;
    }
    if (multi && op === 'add') {
      this.addValues(container, key, Array.isArray(v) ? v : [v]);
    } else if (!multi && def?.type === 'complex' && isObject(v) && isObject(container[key])) {
      container[key] = { ...(container[key] as Doc), ...v }; // RFC 7644 §3.5.2.1/3: sub-attributes not given are kept
    } else {
      container[key] = v;
    }
    this.tidy(container, key);
  }

  /**
   * `add` to a multi-valued attribute (RFC 7644 §3.5.2.1): a value already present is no change
   * (key order does not make it new), and a value added as primary takes primary from the others
   * (RFC 7643 §2.4). Linear in the values added: the attribute's index is built once per request.
   */
  private addValues(container: Doc, key: string, values: readonly unknown[]): void {
    const current = container[key];
    let list = Array.isArray(current) ? current : undefined;
    let index = list ? this.addIndex.get(list) : undefined;
    if (!list || !index) {
      // A copy the engine owns (the current array may be a client's value, kept by reference).
      list = list ? [...list] : [];
      this.counter.visit(list.length);
      index = { keys: new Set(list.map(valueKey)), primaries: new Set(list.filter((x): x is Doc => isObject(x) && x.primary === true)) };
    }
    const incoming: unknown[] = [];
    for (const x of values) {
      const k = valueKey(x);
      if (!index.keys.has(k)) {
        index.keys.add(k);
        incoming.push(x);
      }
    }
    if (incoming.some((w) => isObject(w) && w.primary === true)) {
      for (const el of index.primaries) {
        index.keys.delete(valueKey(el));
        delete el.primary;
        index.keys.add(valueKey(el));
      }
      index.primaries.clear();
    }
    for (const x of incoming) {
      list.push(x);
      if (isObject(x) && x.primary === true) index.primaries.add(x);
    }
    container[key] = list;
    this.addIndex.set(list, index);
    this.tidy(container, key);
  }

  private tidy(container: Doc, key: string): void {
    const v = container[key];
    if (Array.isArray(v) && v.length === 0) delete container[key];
    else if (isObject(v) && Object.keys(v).length === 0) delete container[key];
  }

  private applyMembers(op: Op, filter: Filter | undefined, sub: string | undefined, value: unknown): void {
    if (sub) throw mutability(`members.${sub} cannot be changed; add or remove the member instead`);
    if (op === 'add') {
      if (filter) throw invalidPath('"add" to members takes no value filter');
      this.memberOps.push({ kind: 'add', members: memberRefs(this.counted(value), this.notes) });
      return;
    }
    if (op === 'replace') {
      if (filter) {
        const ids = idsFromFilter(filter);
        this.memberOps.push(ids ? { kind: 'remove', ids } : { kind: 'removeWhere', filter });
      } else {
        this.memberOps.push({ kind: 'removeAll' });
      }
      this.memberOps.push({ kind: 'add', members: memberRefs(this.counted(value), this.notes) });
      return;
    }
    if (filter) {
      const ids = idsFromFilter(filter);
      this.memberOps.push(ids ? { kind: 'remove', ids } : { kind: 'removeWhere', filter });
    } else if (value !== undefined && value !== null) {
      this.notes.note('remove-by-value');
      this.memberOps.push({ kind: 'remove', ids: memberIds(this.counted(value), this.notes) });
    } else {
      this.memberOps.push({ kind: 'removeAll' });
    }
  }

  /** Counts the members a value names (before reading them) against the per-request limit. */
  private counted(value: unknown): unknown {
    this.counter.addMembers(Array.isArray(value) ? value.length : 1);
    return value;
  }
}
