/**
 * In-memory evaluation of a parsed filter against one resource (or one element of a
 * multi-valued attribute, for PATCH value filters such as `emails[type eq "work"]`).
 *
 * Semantics (RFC 7644 §3.4.2.2):
 * - attribute names match case-insensitively; a URN-qualified path looks inside the
 *   extension object keyed by that URN (falling back to the top level when the resource has
 *   no such object, so core-schema-qualified names such as `urn:...:core:2.0:User:userName` work);
 * - a multi-valued attribute matches when any of its values matches; a complex value compared
 *   without a sub-attribute compares its `value` sub-attribute (`emails co "x"`);
 * - `ne` is the negation of `eq` (true when no value equals, including when absent);
 *   `eq null` is "not present", `ne null` is "present";
 * - strings compare case-insensitively unless `caseExact` says otherwise; two ISO 8601
 *   dateTimes compare as instants; numbers and booleans compare by value; anything else
 *   (incompatible types, ordering booleans, co/sw/ew on non-strings) is false.
 */
import type { AttrPath, CompValue, CompareOp, Filter } from './ast.js';

export interface EvaluateOptions {
  /**
   * Whether string comparisons on `path` are case-sensitive (RFC 7643 `caseExact`). Inside a
   * value path the callback receives the full path (`{ attr: 'emails', sub: 'type' }`).
   */
  readonly caseExact?: (path: AttrPath) => boolean;
}

type Resource = Readonly<Record<string, unknown>>;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;

const isRecord = (v: unknown): v is Resource => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Own property `key` of `obj`, matched case-insensitively (exact match preferred). */
function getCI(obj: Resource, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() === lower) return obj[k];
  }
  return undefined;
}

/** The raw value at `path`: for a sub-attribute of a multi-valued attribute, the list of its values. */
function resolve(resource: Resource, path: AttrPath): unknown {
  let base = resource;
  if (path.uri !== undefined) {
    const ext = getCI(resource, path.uri);
    if (isRecord(ext)) base = ext;
  }
  const value = getCI(base, path.attr);
  if (path.sub === undefined) return value;
  const sub = path.sub;
  if (Array.isArray(value)) return value.filter(isRecord).map((e) => getCI(e, sub));
  return isRecord(value) ? getCI(value, sub) : undefined;
}

/**
 * How far `pr` and the comparisons look into nested values. A SCIM value nests at most a few
 * levels (a complex value inside a multi-valued attribute); the bound keeps a document stored
 * before input depth was limited from overflowing the stack (issue 12, defect 6).
 */
const MAX_VALUE_DEPTH = 32;

/** RFC 7644 §3.4.2.2 `pr`: has a non-empty value. */
function isPresent(value: unknown, depth = 0): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (depth > MAX_VALUE_DEPTH) return true; // something is there
  if (Array.isArray(value)) return value.some((v) => isPresent(v, depth + 1));
  if (isRecord(value)) return Object.values(value).some((v) => isPresent(v, depth + 1));
  return true;
}

/** The scalar values to compare: arrays flattened, complex values replaced by their `value`. */
function scalars(value: unknown, out: unknown[] = [], depth = 0): unknown[] {
  if (depth > MAX_VALUE_DEPTH) return out;
  if (Array.isArray(value)) {
    for (const v of value) scalars(v, out, depth + 1);
  } else if (isRecord(value)) {
    const v = getCI(value, 'value');
    if (v !== undefined && v !== null && !isRecord(v)) scalars(v, out, depth + 1);
  } else if (value !== undefined && value !== null) {
    out.push(value);
  }
  return out;
}

/** Milliseconds since the epoch for an ISO 8601 dateTime, or undefined. */
function instant(s: string): number | undefined {
  if (!DATE_TIME.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

function order<T extends number | string>(a: T, op: CompareOp, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return false;
  }
}

function compareStrings(a: string, op: CompareOp, b: string, caseExact: boolean): boolean {
  if (op !== 'co' && op !== 'sw' && op !== 'ew') {
    const ia = instant(a);
    const ib = ia === undefined ? undefined : instant(b);
    if (ia !== undefined && ib !== undefined) return order(ia, op, ib);
  }
  const x = caseExact ? a : a.toLowerCase();
  const y = caseExact ? b : b.toLowerCase();
  if (op === 'co') return x.includes(y);
  if (op === 'sw') return x.startsWith(y);
  if (op === 'ew') return x.endsWith(y);
  return order(x, op, y);
}

/** One attribute value against one filter value; `op` is never `ne` here. */
function compareScalar(a: unknown, op: CompareOp, b: CompValue, caseExact: boolean): boolean {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, op, b, caseExact);
  if (typeof a === 'number' && typeof b === 'number') return order(a, op, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return op === 'eq' && a === b;
  return false;
}

function evaluateCompare(resource: Resource, path: AttrPath, op: CompareOp, value: CompValue, opts: EvaluateOptions): boolean {
  const raw = resolve(resource, path);
  if (value === null) {
    if (op === 'eq') return !isPresent(raw);
    if (op === 'ne') return isPresent(raw);
    return false;
  }
  if (op === 'ne') return !evaluateCompare(resource, path, 'eq', value, opts);
  const caseExact = opts.caseExact?.(path) ?? false;
  return scalars(raw).some((a) => compareScalar(a, op, value, caseExact));
}

/** Whether `resource` matches `filter`. Never throws for a well-formed Filter. */
export function evaluateFilter(filter: Filter, resource: Resource, opts: EvaluateOptions = {}): boolean {
  switch (filter.kind) {
    case 'compare':
      return evaluateCompare(resource, filter.path, filter.op, filter.value, opts);
    case 'present':
      return isPresent(resolve(resource, filter.path));
    case 'and':
      return evaluateFilter(filter.left, resource, opts) && evaluateFilter(filter.right, resource, opts);
    case 'or':
      return evaluateFilter(filter.left, resource, opts) || evaluateFilter(filter.right, resource, opts);
    case 'not':
      return !evaluateFilter(filter.filter, resource, opts);
    case 'valuePath': {
      const outer = filter.path;
      const caseExact = opts.caseExact;
      const inner: EvaluateOptions = caseExact
        ? { caseExact: (p) => caseExact({ ...(outer.uri !== undefined ? { uri: outer.uri } : {}), attr: outer.attr, sub: p.attr }) }
        : {};
      const raw = resolve(resource, { ...(outer.uri !== undefined ? { uri: outer.uri } : {}), attr: outer.attr });
      const elements: readonly unknown[] = Array.isArray(raw) ? raw : [raw];
      return elements.some((e) => isRecord(e) && evaluateFilter(filter.filter, e, inner));
    }
  }
}
