/** New ids (src/runtime/ids.ts): their length and alphabet, their time order, no repeats across pool refills, every random character drawn. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newId, newListId, newRequestId } from '../../../src/runtime/ids.js';

const CROCKFORD = /^[0-9a-hjkmnp-tv-z]+$/;

describe('ids', () => {
  it('a person id is 20 and a list id 12 characters of lower-case Crockford base32', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), (n) => {
      for (let i = 0; i < n; i++) {
        const id = newId();
        const list = newListId();
        expect(id).toHaveLength(20);
        expect(list).toHaveLength(12);
        expect(id).toMatch(CROCKFORD);
        expect(list).toMatch(CROCKFORD);
      }
    }), { numRuns: 30 });
  });

  it('does not repeat, across many refills of the random pool, with both lengths drawn from it', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      seen.add(newId());
      if (i % 7 === 0) seen.add(newListId());
    }
    expect(seen.size).toBe(50_000 + Math.ceil(50_000 / 7));
  });

  it('draws every character of the alphabet about equally often in an id\'s random part, and a list id\'s', () => {
    for (const [make, from, length] of [[() => newId(), 10, 10], [() => newListId(), 0, 12]] as const) {
      const counts = new Map<string, number>();
      const draws = 40_000;
      for (let i = 0; i < draws; i++) for (const ch of make().slice(from)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
      expect(counts.size).toBe(32);
      const expected = (draws * length) / 32; // 12,500 or 15,000 each
      // Binomial with p = 1/32: a standard deviation of about 110 (120), so ±6 % is over six of them.
      for (const n of counts.values()) expect(Math.abs(n - expected)).toBeLessThan(expected * 0.06);
      expect([...counts.keys()].some((c) => 'ilou'.includes(c))).toBe(false);
    }
  });

  it('an id, a request\'s too, is 20 characters of the same alphabet, in the order of its time, never repeated', () => {
    expect(newRequestId(1_796_000_000_000).slice(0, 10)).toBe(newId(1_796_000_000_000).slice(0, 10));
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 48 }), { minLength: 2, maxLength: 50 }), fc.boolean(), (times, request) => {
      const sorted = [...times].sort((a, b) => a - b);
      const ids = sorted.map((t) => (request ? newRequestId(t) : newId(t)));
      for (const id of ids) {
        expect(id).toHaveLength(20);
        expect(id).toMatch(CROCKFORD);
      }
      // Made at later times, they sort later (string order, as an index keeps them); at one time, any order.
      for (let i = 1; i < ids.length; i++) if (sorted[i]! > sorted[i - 1]!) expect(ids[i]! > ids[i - 1]!).toBe(true);
    }), { numRuns: 200 });
    const now = Date.now();
    const same = new Set(Array.from({ length: 10_000 }, () => newId(now)));
    expect(same.size).toBe(10_000);
    expect(newId().slice(0, 10) >= newId(now).slice(0, 10)).toBe(true);
    expect(newRequestId().slice(0, 10) >= newRequestId(now).slice(0, 10)).toBe(true);
  });
});
