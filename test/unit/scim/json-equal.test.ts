/**
 * jsonEqual answers what comparing the canonical JSON texts of two values answers (the comparison
 * it replaced in PATCH and in the audit trail's field diff), without copying either value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical, jsonEqual } from '../../../src/scim/json.js';

/** The comparison jsonEqual replaces. */
const byText = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** JSON values, with what a document built in code may also hold: undefined properties and items, -0, numbers that are not finite, `__proto__` as an own key. */
const value = fc.letrec((tie) => ({
  scalar: fc.oneof(
    fc.constantFrom<unknown>(null, undefined, true, false, 0, -0, 1, Number.NaN, Number.POSITIVE_INFINITY, '', 'a', 'A', '0', 'null'),
    fc.string({ maxLength: 4 }),
    fc.integer({ min: -3, max: 3 }),
  ),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor', 'x y'), tie('node')), { maxLength: 4 }).map((entries) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    return o;
  }),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('scalar'), tie('array'), tie('object')),
})).node;

/** The same value with every object's keys in another order, and a few small changes the comparison must or must not see. */
function variant(v: unknown, rnd: () => number): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => variant(x, rnd));
    if (rnd() < 0.05) items.push(null);
    return items;
  }
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v).sort(() => rnd() - 0.5);
    const o: Record<string, unknown> = {};
    for (const k of keys) Object.defineProperty(o, k, { value: variant((v as Record<string, unknown>)[k], rnd), writable: true, enumerable: true, configurable: true });
    if (rnd() < 0.05) o.extra = rnd() < 0.5 ? undefined : 1;
    return o;
  }
  const r = rnd();
  if (r < 0.03) return v === null ? undefined : null;
  if (r < 0.06) return typeof v === 'number' ? -v : v;
  if (r < 0.09) return typeof v === 'string' ? `${v} ` : v;
  return v;
}

describe('jsonEqual', () => {
  it('answers as the canonical texts do, for unrelated values and for reordered, slightly changed copies', () => {
    fc.assert(fc.property(value, value, (a, b) => jsonEqual(a, b) === byText(a, b) && jsonEqual(b, a) === byText(b, a)), { numRuns: 3000 });
    fc.assert(fc.property(value, fc.integer(), (a, seed) => {
      let s = seed;
      const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
      const b = variant(a, rnd);
      return jsonEqual(a, b) === byText(a, b) && jsonEqual(a, variant(a, () => 0.5)) === byText(a, variant(a, () => 0.5));
    }), { numRuns: 3000 });
  });

  it('compares key order aside, undefined as absent in an object and as null in an array', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 'x', d: null }] }, { b: [1, { d: null, c: 'x' }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: null }, {})).toBe(false);
    // An undefined member is absent, and another key does not make up for it, in either order.
    expect(jsonEqual({ a: null }, { a: undefined, b: 1 })).toBe(false);
    expect(jsonEqual({ a: undefined, b: 1 }, { a: null })).toBe(false);
    expect(jsonEqual({ a: Number.NaN }, { a: undefined, b: null })).toBe(false);
    expect(jsonEqual([undefined], [null])).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
    expect(jsonEqual('1', 1)).toBe(false);
    expect(jsonEqual(undefined, null)).toBe(false); // JSON.stringify(undefined) is no text
  });

  it('walks a value thousands of levels deep without recursion', () => {
    const deep = (n: number, leaf: unknown) => {
      let v: unknown = leaf;
      for (let i = 0; i < n; i++) v = { a: [v] };
      return v;
    };
    expect(jsonEqual(deep(20_000, 1), deep(20_000, 1))).toBe(true);
    expect(jsonEqual(deep(20_000, 1), deep(20_000, 2))).toBe(false);
  });
});
