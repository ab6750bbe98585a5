/**
 * `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) and the `returned`
 * characteristic (RFC 7643 §7): which attributes of a resource go on the wire.
 */
import { invalidValue } from './errors.js';
import { parseAttrPath } from './filter/index.js';
import { isObject, type Doc } from './resource.js';
import { setOwn } from './json.js';
import type { ResourceTypeId, SchemaRegistry } from './schemas/index.js';

/** One requested attribute: `uri` lower-cased, `attr` lower-cased ('' = the whole extension), optional `sub`. */
interface Sel {
  readonly uri: string;
  readonly attr: string;
  readonly sub?: string;
}

export interface Projection {
  readonly include?: readonly Sel[];
  readonly exclude?: readonly Sel[];
}

/** Parses a comma-separated `attributes`/`excludedAttributes` value. A `[filter]` part is ignored. */
export function parseAttributeList(registry: SchemaRegistry, rt: ResourceTypeId, raw: string | undefined): Sel[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const core = registry.coreSchemaFor(rt).id.toLowerCase();
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((text) => {
    // Microsoft's suite sends `attributes=emails[type eq "work"]`: the attribute is `emails`.
    const plain = text.replace(/\[[^\]]*\]/g, '');
    if (registry.isSchemaUri(plain)) return { uri: plain.toLowerCase(), attr: '' };
    const p = parseAttrPath(plain, (d) => invalidValue(`invalid attribute name "${text}": ${d}`));
    const uri = (p.uri ?? core).toLowerCase();
    if (p.uri && registry.isSchemaUri(`${p.uri}:${p.attr}`) && !p.sub) return { uri: `${p.uri}:${p.attr}`.toLowerCase(), attr: '' };
    return p.sub ? { uri, attr: p.attr.toLowerCase(), sub: p.sub.toLowerCase() } : { uri, attr: p.attr.toLowerCase() };
  });
}

/** True when the projection could return `attr` (of the core schema): lets callers skip loading it. */
export function mayReturn(p: Projection, coreUri: string, attr: string): boolean {
  const u = coreUri.toLowerCase(), a = attr.toLowerCase();
  if (p.include) return p.include.some((s) => s.uri === u && (s.attr === a || s.attr === ''));
  return !(p.exclude ?? []).some((s) => s.uri === u && s.attr === a && !s.sub);
}

/** What a projection does to one attribute, whatever its value: drop it, keep it, or keep some sub-attributes. */
type Verdict = 'drop' | 'keep' | { readonly subs: readonly string[]; readonly keep: boolean };
/**
 * Verdicts by schema URI, then attribute name, for one projection over many resources (a page of
 * 100 people asks the same ~20 questions a hundred times: issue 16). Lives as long as the caller's
 * loop: the projection and the registry are the same for every resource in it.
 */
export type ProjectionMemo = Map<string, Map<string, Verdict>>;

export function project(registry: SchemaRegistry, rt: ResourceTypeId, resource: Doc, p: Projection, memo: ProjectionMemo = new Map()): Doc {
  const core = registry.coreSchemaFor(rt).id;
  const out: Doc = {};
  const judge = (uri: string, name: string): Verdict => {
    const r = registry.resolve(rt, uri === core ? { attr: name } : { uri, attr: name });
    const returned = r?.def.returned ?? 'default';
    if (returned === 'never') return 'drop';
    if (returned === 'always') return 'keep';
    const u = uri.toLowerCase(), a = name.toLowerCase();
    const common = r?.schema === 'common';
    const matches = (s: Sel) => (s.uri === u || (common && s.uri === core.toLowerCase())) && (s.attr === a || s.attr === '');
    if (p.include) {
      const hits = p.include.filter(matches);
      if (hits.length === 0) return 'drop';
      if (hits.some((s) => !s.sub)) return 'keep';
      return { subs: hits.map((s) => s.sub!), keep: true };
    }
    if (returned === 'request') return 'drop';
    const ex = (p.exclude ?? []).filter(matches);
    if (ex.some((s) => !s.sub)) return 'drop';
    return ex.length ? { subs: ex.map((s) => s.sub!), keep: false } : 'keep';
  };
  const decide = (uri: string, name: string, value: unknown): unknown => {
    let byName = memo.get(uri);
    if (!byName) memo.set(uri, (byName = new Map()));
    let v = byName.get(name);
    if (v === undefined) byName.set(name, (v = judge(uri, name)));
    return v === 'drop' ? undefined : v === 'keep' ? value : pickSubs(value, v.subs, v.keep);
  };
  for (const [k, v] of Object.entries(resource)) {
    if (k === 'schemas') {
      out.schemas = v;
    } else if (k.includes(':') && isObject(v)) {
      const ext: Doc = {};
      for (const [ek, ev] of Object.entries(v)) {
        const d = decide(k, ek, ev);
        if (d !== undefined) setOwn(ext, ek, d);
      }
      if (Object.keys(ext).length) setOwn(out, k, ext);
    } else {
      const d = decide(core, k, v);
      if (d !== undefined) setOwn(out, k, d);
    }
  }
  return out;
}

function pickSubs(value: unknown, subs: readonly string[], keep: boolean): unknown {
  const one = (o: unknown): unknown => {
    if (!isObject(o)) return o;
    const r: Doc = {};
    for (const [k, v] of Object.entries(o)) if (subs.includes(k.toLowerCase()) === keep) setOwn(r, k, v);
    return r;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}
