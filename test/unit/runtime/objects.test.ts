/** merged (src/runtime/objects.ts) is the spread it replaces: the same keys, values and key order, the later object winning. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { merged } from '../../../src/runtime/objects.js';

const key = fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__');
const obj = fc.dictionary(key, fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.constant(undefined)), { maxKeys: 6 });

describe('merged', () => {
  it('gives what { ...a, ...b } gives, key order included, and leaves both alone', () => {
    fc.assert(fc.property(obj, obj, (a, b) => {
      const before = [JSON.stringify(Object.entries(a)), JSON.stringify(Object.entries(b))];
      const m = merged(a, b);
      expect(Object.entries(m)).toEqual(Object.entries({ ...a, ...b }));
      expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
      expect([JSON.stringify(Object.entries(a)), JSON.stringify(Object.entries(b))]).toEqual(before);
    }), { numRuns: 300 });
  });
});
