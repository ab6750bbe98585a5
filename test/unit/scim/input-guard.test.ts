import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputRefused, MAX_JSON_DEPTH, decodeUtf8, guardJson, guardJsonText, guardSchemaUris, guardText, hasReservedSegment, isReservedName, jsonTextDepth } from '../../../src/scim/input-guard.js';
import { canonical } from '../../../src/scim/json.js';

const nest = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 1; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return i0(v);
};
const i0 = (v: unknown) => ({ x: v }); // the top level is always an object: depth counts it
const refusal = (f: () => void): InputRefused => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(InputRefused);
    return err as InputRefused;
  }
  throw new Error('expected a refusal');
};

describe('guardJson', () => {
  it('accepts ordinary SCIM bodies, and nesting up to the limit', () => {
    guardJson({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada', emails: [{ value: 'a@x', primary: true }], n: 1, b: null });
    guardJson(nest(MAX_JSON_DEPTH));
    expect(jsonTextDepth(JSON.stringify(nest(MAX_JSON_DEPTH)))).toBe(MAX_JSON_DEPTH);
  });

  it('refuses nesting past the limit with invalidSyntax, iteratively at any depth', () => {
    const e = refusal(() => guardJson(nest(MAX_JSON_DEPTH + 1)));
    expect([e.status, e.scimType]).toEqual([400, 'invalidSyntax']);
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(refusal(() => guardJson(deep)).scimType).toBe('invalidSyntax');
  });

  it('refuses __proto__, constructor and prototype as keys and as segments of keys, naming where', () => {
    for (const text of ['{"__proto__":{"x":1}}', '{"a":[{"constructor":1}]}', '{"Prototype":1}', '{"urn:x:__proto__":{}}', '{"name.constructor":"x"}']) {
      const e = refusal(() => guardJson(JSON.parse(text)));
      expect([e.status, e.scimType], text).toEqual([400, 'invalidValue']);
    }
    expect(refusal(() => guardJson(JSON.parse('{"a":[{"constructor":1}]}'))).detail).toContain('a[0]');
    guardJson({ value: 'constructor', protoTypes: 'x', constructors: 1 }); // values and longer names are fine
  });

  it('refuses lone surrogates and NUL in values and keys with invalidValue naming the attribute', () => {
    const e = refusal(() => guardJson(JSON.parse('{"userName":"eve\\udfff@example.com"}')));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('"userName"');
    expect(refusal(() => guardJson(JSON.parse('{"name":{"givenName":"a\\u0000b"}}'))).detail).toContain('"name.givenName"');
    expect(refusal(() => guardJson(JSON.parse('{"a\\ud800":1}'))).scimType).toBe('invalidValue');
    guardJson({ emoji: '👩‍💻', accents: 'é', nfd: 'e\u0301' }); // pairs and combining marks are well-formed
  });

  it('leaves Object.prototype alone', () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    refusal(() => guardJson(JSON.parse('{"__proto__":{"polluted":1}}')));
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('guardJsonText', () => {
  it('measures depth on the raw text, skipping brackets inside strings and escapes', () => {
    expect(jsonTextDepth('{"a":"[[[[{{{{\\"[["}')).toBe(1);
    expect(jsonTextDepth('[[],[[]]]')).toBe(3);
    guardJsonText('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH));
    expect(refusal(() => guardJsonText('['.repeat(100_000))).scimType).toBe('invalidSyntax');
  });
});

describe('text, schemas and bytes', () => {
  it('guardText refuses NUL and lone surrogates', () => {
    expect(refusal(() => guardText('a\u0000', 'filter')).detail).toContain('filter');
    expect(refusal(() => guardText('\udc00', 'x')).scimType).toBe('invalidValue');
    guardText('userName eq "ada"', 'filter');
  });

  it('guardSchemaUris refuses reserved URNs and URN segments', () => {
    expect(refusal(() => guardSchemaUris(['constructor'])).scimType).toBe('invalidValue');
    expect(refusal(() => guardSchemaUris(['urn:x:__proto__:2.0:User'])).scimType).toBe('invalidValue');
    guardSchemaUris(['urn:ietf:params:scim:schemas:core:2.0:User', 42]);
  });

  it('isReservedName is case-insensitive and exact', () => {
    expect(['__proto__', 'CONSTRUCTOR', 'prototype'].every(isReservedName)).toBe(true);
    expect(['proto', 'constructors', 'type'].some(isReservedName)).toBe(false);
  });

  it('refuses exactly what a plain recursive walk with split segments refuses, and names the problem', () => {
    // The reference: the rules as written, recursively (the values here are shallow enough).
    const reservedSegment = (k: string) => k.split(/[:.]/).some(isReservedName);
    // eslint-disable-next-line no-control-regex -- NUL is one of the things refused
    const bad = (s: string) => /[\u0000\uD800-\uDFFF]/u.test(s);
    const refused = (v: unknown, depth: number): boolean => {
      if (typeof v === 'string') return bad(v);
      if (typeof v !== 'object' || v === null) return false;
      if (depth > MAX_JSON_DEPTH) return true;
      if (Array.isArray(v)) return v.some((x) => refused(x, depth + 1));
      return Object.keys(v).some((k) => bad(k) || reservedSegment(k) || refused((v as Record<string, unknown>)[k], depth + 1));
    };
    // Keys and strings near the rules: reserved names in any case and as segments, look-alikes
    // (long s, Kelvin sign, dotted I), NUL and lone surrogates.
    const piece = fc.constantFrom('__proto__', '__PROTO__', 'Constructor', 'prototype', 'proto', 'constructors', 'conſtructor', '\u212Aey', 'İd', 'a', 'urn', '\u0000', '\ud800', '\udfff', '👩', 'é');
    const key = fc.array(fc.tuple(piece, fc.constantFrom('', ':', '.', '_')), { minLength: 1, maxLength: 3 }).map((parts) => parts.map(([p, sep]) => p + sep).join(''));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('arr'), tie('obj')),
      leaf: fc.oneof(key, fc.integer(), fc.boolean(), fc.constant(null)),
      arr: fc.array(tie('tree'), { maxLength: 3 }),
      obj: fc.array(fc.tuple(key, tie('tree')), { maxLength: 3 }).map((entries) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        return o;
      }),
    }));
    const deepened = fc.tuple(tree, fc.integer({ min: 0, max: MAX_JSON_DEPTH + 2 })).map(([t, extra]) => {
      let v: unknown = t;
      for (let i = 0; i < extra; i++) v = [v];
      return v;
    });
    fc.assert(fc.property(deepened, (v) => {
      let thrown: unknown;
      try {
        guardJson(v);
      } catch (err) {
        thrown = err;
      }
      expect(thrown === undefined ? 'accepted' : 'refused').toBe(refused(v, 1) ? 'refused' : 'accepted');
      if (thrown !== undefined) {
        expect(thrown).toBeInstanceOf(InputRefused);
        // The walk with paths names the problem it found.
        expect((thrown as InputRefused).detail).toMatch(/^(the value of (the body|".*") |a key in (the body|".*") |".*" is not accepted as a key \(in |the JSON body is nested more than )/s);
      }
    }), { numRuns: 2000 });
    fc.assert(fc.property(key, (k) => hasReservedSegment(k) === reservedSegment(k)), { numRuns: 2000 });
  });

  it('decodeUtf8 refuses bytes that are not UTF-8 and drops a BOM', () => {
    expect(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe('{}');
    expect(refusal(() => decodeUtf8(Buffer.from([0x22, 0xff, 0x22]))).scimType).toBe('invalidSyntax');
    expect(refusal(() => decodeUtf8(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).scimType).toBe('invalidSyntax'); // an encoded surrogate
  });
});

describe('canonical', () => {
  it('sorts keys at every depth without recursion, and keeps a __proto__ key as data', () => {
    expect(JSON.stringify(canonical({ b: 1, a: [{ d: 2, c: 3 }] }))).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    let deep: unknown = { z: 1, y: 2 };
    for (let i = 0; i < 100_000; i++) deep = { k: deep };
    expect(() => canonical(deep)).not.toThrow();
    const stored = JSON.parse('{"__proto__":{"polluted":1},"a":1}') as unknown;
    const c = canonical(stored) as Record<string, unknown>;
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(Object.keys(c)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
