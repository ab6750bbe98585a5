/**
 * The one input boundary for JSON and text (issue 12, defects 1, 3 and 6). Every request body the
 * SCIM API and the admin API parse passes through here once, right after JSON.parse, so nothing
 * further in can meet:
 * - nesting deeper than MAX_JSON_DEPTH (the raw text is measured before parsing, so a 100,000-deep
 *   body never reaches V8's recursive parser, and every later walk of input is bounded too);
 * - `__proto__`, `constructor` or `prototype` as a key (prototype pollution: input becomes keys of
 *   objects further in, and a walk by such a key reaches Object.prototype);
 * - strings that are not well-formed Unicode (a lone surrogate cannot be stored as UTF-8: SQLite
 *   writes U+FFFD, PostgreSQL refuses it) or that contain U+0000 (PostgreSQL text cannot hold it).
 * Pure: no node:*, and iterative, so a hostile body cannot overflow the stack.
 */
import { ScimError, type ScimType } from './errors.js';

/**
 * Deepest nesting of objects and arrays accepted in a JSON body: the top-level value is level 1.
 * A SCIM resource needs fewer than 10 (a PatchOp's value of an extension's complex attribute is 5);
 * 32 leaves room for custom extensions and admin API documents (card templates) without letting a
 * body make any recursive walk expensive.
 */
export const MAX_JSON_DEPTH = 32;

/** Names that would reach Object.prototype when used as a key; refused in every input (RFC 7643 §2.1 ATTRNAME allows two of them, we do not). */
export const RESERVED_NAMES: readonly string[] = Object.freeze(['__proto__', 'constructor', 'prototype']);

/** True for `__proto__`, `constructor` and `prototype`, in any case (SCIM attribute names are case-insensitive, RFC 7643 §2.1). */
export function isReservedName(name: string): boolean {
  const n = name.toLowerCase();
  return n === '__proto__' || n === 'constructor' || n === 'prototype';
}

/**
 * A reserved name as a whole `:`- or `.`-separated segment, in any ASCII case. Without the `u` flag
 * `i` folds no non-ASCII character to an ASCII one, so this matches exactly the segments
 * isReservedName's toLowerCase matches (toLowerCase turns no other character into one of these
 * letters), with no array or string made per key.
 */
const RESERVED_SEGMENT = /(?:^|[:.])(?:__proto__|constructor|prototype)(?=[:.]|$)/i;

/** True when a `:`- or `.`-separated name (`__proto__:detail`, `name.constructor`, a URN) has a reserved segment. */
export function hasReservedSegment(name: string): boolean {
  return RESERVED_SEGMENT.test(name);
}

/**
 * Refuses (400 invalidValue) a `schemas` list naming a reserved URN or URN segment
 * (`{"schemas":["constructor"]}` once answered 500). Non-strings are left to the caller's checks.
 */
export function guardSchemaUris(schemas: unknown): void {
  if (!Array.isArray(schemas)) return;
  for (const s of schemas) {
    if (typeof s === 'string' && hasReservedSegment(s)) {
      throw new InputRefused(400, 'invalidValue', `"schemas" names "${s}": __proto__, constructor and prototype are refused as schema URNs and URN segments`);
    }
  }
}

/**
 * An input refused at the boundary: malformed, too deep, a reserved name or text that is not
 * well-formed Unicode. Still a ScimError on the wire (RFC 7644 §3.12); a refused request changed
 * nothing and was never read as a provisioning request, so it goes to the request log only, not
 * to the audit trail (anyone with a token could otherwise fill the tamper-evident trail).
 */
export class InputRefused extends ScimError {
  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(status, scimType, detail);
    this.name = 'InputRefused';
  }
}

// In u-mode a surrogate pair is one code point, so this class matches only lone surrogates
// (what String.prototype.isWellFormed, ES2024, reports), plus NUL.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const ILL_FORMED_OR_NUL = /[\u0000\uD800-\uDFFF]/u;

/** Why `s` cannot be stored as text, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  const m = ILL_FORMED_OR_NUL.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000' ? 'contains U+0000 (NUL)' : `is not well-formed Unicode (a lone surrogate U+${m[0].charCodeAt(0).toString(16).toUpperCase()})`;
}

/** Refuses (400 invalidValue) a text input that is not well-formed Unicode or holds NUL; `where` names it. */
export function guardText(s: string, where: string): void {
  const p = textProblem(s);
  if (p) throw new InputRefused(400, 'invalidValue', `${where} ${p}; send well-formed UTF-8 text without NUL characters`);
}

/**
 * The deepest nesting of `[`/`{` in JSON text, stopping as soon as it passes `max` (strings and
 * their escapes skipped). Linear, one pass, no allocation.
 */
export function jsonTextDepth(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0, deepest = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** Refuses (400 invalidSyntax) JSON text nested deeper than MAX_JSON_DEPTH, before it is parsed. */
export function guardJsonText(text: string): void {
  if (jsonTextDepth(text) > MAX_JSON_DEPTH) throw tooDeep();
}

const tooDeep = () => new InputRefused(400, 'invalidSyntax', `the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep; this server accepts at most ${MAX_JSON_DEPTH}`);

/** `a.b[2]`, or `["odd key"]` for keys that are no plain name: for error messages. */
function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safe = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
  if (parent === '') return safe;
  return safe.startsWith('"') ? `${parent}[${safe}]` : `${parent}.${safe}`;
}

/**
 * Walks a parsed JSON value iteratively and refuses it (InputRefused) when it nests deeper than
 * MAX_JSON_DEPTH (invalidSyntax), has a reserved key (invalidValue), or holds a key or string that
 * is not well-formed Unicode or contains NUL (invalidValue). Errors name the attribute path.
 * Linear in the size of the value; only own enumerable keys are read (JSON.parse makes no others).
 * The walk that passes makes no path and no object per value: a body of 12,000 PATCH operations
 * (828 KB) made 72,000 of each, and the garbage cost more than the walk. Only a refused value is
 * walked again, in the same order, with paths, to name where.
 */
export function guardJson(value: unknown): void {
  if (walk(value, false)) walk(value, true);
}

const where = (path: string): string => (path === '' ? 'the body' : `"${path}"`);

/**
 * guardJson's walk. Without `named`: true at the first value it refuses, false if none. With
 * `named`: the paths of the values are kept too, and the first value refused is thrown as an
 * InputRefused that names it.
 */
function walk(value: unknown, named: boolean): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [1];
  const paths: string[] = [''];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    const path = named ? paths.pop()! : '';
    if (typeof v === 'string') {
      if (!ILL_FORMED_OR_NUL.test(v)) continue;
      if (!named) return true;
      throw new InputRefused(400, 'invalidValue', `the value of ${where(path)} ${textProblem(v)}; send well-formed UTF-8 text without NUL characters`);
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      if (!named) return true;
      throw tooDeep();
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        values.push(v[i]);
        depths.push(depth + 1);
        if (named) paths.push(childPath(path, i));
      }
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      if (ILL_FORMED_OR_NUL.test(k)) {
        if (!named) return true;
        throw new InputRefused(400, 'invalidValue', `a key in ${where(path)} ${textProblem(k)}`);
      }
      if (RESERVED_SEGMENT.test(k)) {
        if (!named) return true;
        throw new InputRefused(400, 'invalidValue', `"${k}" is not accepted as a key (in ${where(path)}): __proto__, constructor and prototype are refused as names and as segments of names everywhere`);
      }
      values.push((v as Record<string, unknown>)[k]);
      depths.push(depth + 1);
      if (named) paths.push(childPath(path, k));
    }
  }
  return false;
}

/**
 * Decodes a body as UTF-8, refusing bytes that are not UTF-8 (400 invalidSyntax, RFC 8259 §8.1:
 * JSON exchanged between systems is UTF-8) instead of turning them into U+FFFD. A leading BOM is dropped.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputRefused(400, 'invalidSyntax', 'the request body is not valid UTF-8; send JSON encoded as UTF-8 (RFC 8259 §8.1)');
  }
}
