/** Small helpers for JSON documents, shared by every layer above. */

export type Doc = Record<string, unknown>;

export const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Sets an own data property: `o[k] = v` would set the prototype when `k` is `__proto__` (a key a
 * document stored before input was guarded may still hold), never a property.
 */
export function setOwn(o: Doc, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/**
 * The same value with object keys sorted, so key order never counts as a difference (PostgreSQL's
 * jsonb reorders keys). Iterative and linear: documents stored before input depth was limited can
 * be thousands of levels deep, and a recursive copy of them overflowed the stack (issue 12, defect 6).
 */
export function canonical(v: unknown): unknown {
  return copyJson(v, true);
}

/** A value as JSON.stringify writes it where null stands for it: undefined, and numbers JSON cannot hold. */
const asJsonScalar = (v: unknown): unknown => (v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v);

/**
 * Whether two JSON values are the same, key order aside: the answer of comparing
 * `JSON.stringify(canonical(a))` with `JSON.stringify(canonical(b))`, without copying or writing
 * either (issue 16: a PATCH compared its document before and after that way, and the audit trail
 * each field, two copies and two texts a comparison). As in JSON.stringify, a property whose value
 * is undefined is absent, and undefined in an array, or a number that is not finite, is null.
 * Functions, symbols and `toJSON` methods, which no parsed JSON holds, are not looked at.
 * Iterative, for the same reason as copyJson.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  // JSON.stringify(undefined) is no text at all, unlike an undefined inside a value.
  if (a === undefined || b === undefined) return a === b;
  const stack: unknown[] = [a, b];
  while (stack.length > 0) {
    const y = asJsonScalar(stack.pop());
    const x = asJsonScalar(stack.pop());
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const xs = Array.isArray(x);
    if (xs !== Array.isArray(y)) return false;
    if (xs) {
      const xa = x as unknown[], ya = y as unknown[];
      if (xa.length !== ya.length) return false;
      for (let i = 0; i < xa.length; i++) stack.push(xa[i], ya[i]);
      continue;
    }
    const xo = x as Doc, yo = y as Doc;
    let defined = 0;
    for (const k of Object.keys(xo)) {
      const v = xo[k];
      if (v === undefined) continue;
      // Absent, or undefined (absent in JSON), on the other side: a key more there must not make up for it.
      if (!Object.hasOwn(yo, k) || yo[k] === undefined) return false;
      defined++;
      stack.push(v, yo[k]);
    }
    for (const k of Object.keys(yo)) if (yo[k] !== undefined) defined--;
    if (defined !== 0) return false;
  }
  return true;
}

/**
 * A deep copy of a JSON value, iterative: structuredClone recurses, and overflowed on a person
 * stored with an extension 2,000 levels deep, so that person could never be PATCHed again.
 */
export function cloneJson<T>(v: T): T {
  return copyJson(v, false) as T;
}

function copyJson(v: unknown, sortKeys: boolean): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const root: unknown[] = [undefined];
  const stack: [unknown, unknown[] | Doc, number | string][] = [[v, root, 0]];
  while (stack.length > 0) {
    const [src, into, key] = stack.pop()!;
    let copy: unknown = src;
    if (Array.isArray(src)) {
      const arr = new Array<unknown>(src.length);
      for (let i = 0; i < src.length; i++) stack.push([src[i], arr, i]);
      copy = arr;
    } else if (isObject(src)) {
      const obj: Doc = {};
      // Keys are created in sorted order first; their values are filled in as the stack unwinds.
      const keys = Object.keys(src);
      for (const k of sortKeys ? keys.sort() : keys) {
        setOwn(obj, k, undefined);
        stack.push([src[k], obj, k]);
      }
      copy = obj;
    }
    if (Array.isArray(into)) into[key as number] = copy;
    else setOwn(into, key as string, copy);
  }
  return root[0];
}
