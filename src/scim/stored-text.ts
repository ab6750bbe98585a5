/**
 * A person on a page, spliced from the JSON text the store holds (SQLite) instead of parsed and
 * written out again: parsing, rendering and writing each person was over a fifth of a page's CPU
 * (issue 16; bench/RESULTS.md, "A page sent as bytes, and a page spliced from stored text").
 *
 * The splice sends what ScimService.render sends for the parsed document when the request names
 * no `attributes` or `excludedAttributes`: `{schemas, id, ...withoutUnassigned(rest), groups,
 * meta}` with the attributes that are not returned by default left out (RFC 7643 §7). So it takes
 * only text that rendering would send as it is; for any other (undefined) the caller renders the
 * parsed document. Text is taken when:
 * - it starts with `schemas`, an array of plain strings (every writer stores it first: prepareResource),
 *   or a person's code for one of the usual arrays (schemas-code.ts), which the splice writes out;
 * - it holds no empty array or object: an empty multi-valued attribute, or an extension left
 *   empty, is unassigned and left out on the wire (withoutUnassigned, RFC 7643 §2.5);
 * - it has no key `id`, `meta` or `groups`, in any letter case: rendering sets those (stored
 *   documents never hold them);
 * - it has no key `__proto__`: rendering drops one from the top and from an extension (documents
 *   stored before such keys were refused may hold one);
 * - it has no `\u` escape, with which a key could spell any of these;
 * - it has no key naming an attribute that is not returned by default (`password`, returned
 *   "never"), in any letter case (attribute names are matched regardless of case).
 * - it has no number that JSON.stringify would write otherwise and that parses otherwise (an
 *   exponent of three digits, which may overflow to null; `-0`).
 * These are tests on characters: they may turn away text that was fine (a value holding "[]"),
 * which costs only the time of rendering it the long way.
 *
 * The splice trusts the text to be JSON as the store wrote it: `users.data` is written only with
 * JSON.stringify (storedUserText). So, for a row edited by hand:
 * - text that is not JSON (a raw control character in a string, a stray comma) makes a page that
 *   is not JSON (the long way, it was a 500);
 * - a key written twice is sent twice (the long way keeps the last, as JSON parsers do);
 * - an integer of more digits than a double holds is sent with its digits (the long way rounds them).
 */
import { COMMON_ATTRIBUTES } from './schemas/common-attributes.js';
import type { ResourceTypeId, SchemaRegistry } from './schemas/index.js';
import { project, type Projection, type ProjectionMemo } from './projection.js';
import { withoutUnassigned, type Doc } from './resource.js';
import { SCHEMAS_TEXT } from './schemas-code.js';

/**
 * A stored resource as it is sent: `schemas`, `id`, its stored attributes without unassigned ones,
 * then `groups` (a person's) or `members` (a group's) when they have any, and `meta`, projected by `p`.
 * An empty multi-valued attribute is unassigned (RFC 7643 §2.5: unassigned, null and [] are one
 * state) and is left out, never rendered as [] (RFC 7644 §3.5.2.2: removing the last value leaves
 * the attribute unassigned). Resources stored before this rule may hold [].
 */
export function renderStored(registry: SchemaRegistry, rt: ResourceTypeId, data: Doc, id: string, refs: { readonly groups?: Doc[]; readonly members?: Doc[] }, meta: Doc, p: Projection, memo?: ProjectionMemo): Doc {
  // What the server sets is never taken from the stored document: its `id`, `meta` and a person's
  // `groups` (readOnly, RFC 7643 §4.1.2). Writers never store them; a row written by hand (or by an
  // early version) that did would otherwise send another id, or groups the person has left.
  // Attribute names are matched regardless of case (RFC 7643 §2.1), so `ID` or `Meta` go too.
  const { schemas, ...rest } = data;
  for (const k of Object.keys(rest)) {
    const name = k.toLowerCase();
    if (name === 'id' || name === 'meta' || (name === 'groups' && rt === 'User')) delete rest[k];
  }
  const out: Doc = { schemas, id, ...withoutUnassigned(rest) };
  if (refs.groups?.length) out.groups = refs.groups;
  if (refs.members?.length) out.members = refs.members;
  out.meta = meta;
  return project(registry, rt, out, p, memo);
}

/**
 * `{"schemas":[...]` at the start of the text, its strings without escapes, or `{"schemas":N`, a
 * person's stored code for one of the usual arrays (schemas-code.ts), which the splice writes out.
 */
const SCHEMAS_FIRST = /^\{"schemas":(?:\[(?:"[^"\\]*"(?:,"[^"\\]*")*)?\]|(\d+))/;

/** Per registry and resource type: what in a stored text sends it the long way. */
const RULES = new WeakMap<SchemaRegistry, Map<ResourceTypeId, RegExp>>();

/** Any letter case of `name`, as a pattern. */
const anyCase = (name: string): string =>
  [...name].map((ch) => (ch.toLowerCase() !== ch.toUpperCase() ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');

/** One pattern for every test on characters above, built once per registry: one pass over each text. */
export function storedTextRule(registry: SchemaRegistry, rt: ResourceTypeId): RegExp {
  let byRt = RULES.get(registry);
  if (!byRt) RULES.set(registry, (byRt = new Map()));
  let rule = byRt.get(rt);
  if (!rule) {
    const attributes = [...COMMON_ATTRIBUTES, ...registry.coreSchemaFor(rt).attributes, ...registry.extensionsFor(rt).flatMap((e) => e.schema.attributes)];
    const hidden = [...new Set(attributes.filter((a) => a.returned === 'never' || a.returned === 'request').map((a) => anyCase(a.name)))];
    // About 0.9 µs for a person of 900 characters (a raw-control-character test would double it:
    // JSON.stringify escapes them, so they are in no text it wrote).
    const parts = [
      '\\[\\s*\\]', '\\{\\s*\\}', // an empty array or object
      `"(?:${['id', 'meta', 'groups'].map(anyCase).join('|')}|__proto__)"\\s*:`, // a key rendering sets or drops
      '\\\\u', // an escape, which could spell any key
      // A number JSON.stringify would write otherwise: 1e400 (null), -0 (0). Where a value starts,
      // so that an id such as "9e123" inside a string does not count.
      '[:,\\[]\\s*-?\\d+(?:\\.\\d+)?[eE][+-]?\\d{3}', '[:,\\[]\\s*-0',
    ];
    if (hidden.length) parts.push(`"(?:${hidden.join('|')})"\\s*:`);
    rule = new RegExp(parts.join('|'));
    byRt.set(rt, rule);
  }
  return rule;
}

/**
 * renderStored's answer as JSON text, made from the stored `text` without parsing it (no
 * projection): `schemas`, then `"id"`, the stored attributes, then `groups` and `meta` as given
 * (each `,"name":value`, or '' for none). Undefined when the text is not one rendering would send
 * as it is (see above).
 */
export function spliceStored(rule: RegExp, text: string, id: string, groups: string, meta: string): string | undefined {
  const head = SCHEMAS_FIRST.exec(text);
  if (!head || text.charCodeAt(text.length - 1) !== 0x7d /* } */ || rule.test(text)) return undefined;
  const after = head[0].length;
  const next = text.charCodeAt(after);
  if (next !== 0x2c /* , */ && !(next === 0x7d && after === text.length - 1)) return undefined;
  const code = head[1];
  const schemas = code === undefined ? head[0] : SCHEMAS_TEXT[Number(code)] !== undefined ? `{"schemas":${SCHEMAS_TEXT[Number(code)]}` : undefined;
  if (schemas === undefined) return undefined;
  return `${schemas},"id":${JSON.stringify(id)}${text.slice(after, -1)}${groups}${meta}}`;
}
