/**
 * A person on a page spliced from their stored JSON text (src/scim/stored-text.ts) must be what
 * rendering the parsed document sends: the two paths are compared on generated documents, and the
 * splice must be taken for the documents Muster stores.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderStored, spliceStored, storedTextRule } from '../../../src/scim/stored-text.js';
import { storedUserText, userDocOf } from '../../../src/scim/schemas-code.js';
import type { Doc } from '../../../src/scim/resource.js';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA, createDefaultRegistry } from '../../../src/scim/schemas/index.js';

const registry = createDefaultRegistry();
const rule = storedTextRule(registry, 'User');
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:Custom:2.0:User';
const meta: Doc = { resourceType: 'User', created: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-02T00:00:00.000Z', location: 'https://m.example/scim/v2/lists/l1/Users/u1', version: 'W/"3"' };
const groups: Doc[] = [{ value: 'g1', $ref: 'https://m.example/scim/v2/lists/l1/Groups/g1', display: 'Staff [all] {x}', type: 'direct' }];

/**
 * Both paths for one stored text, each as a client reads it (the long way's answer goes through
 * JSON.stringify, which writes Infinity as null and -0 as 0); the splice's is undefined when it
 * turned the text away.
 */
function both(text: string, withGroups: boolean): { spliced: unknown; rendered: unknown } {
  const spliced = spliceStored(rule, text, 'u1', withGroups ? `,"groups":${JSON.stringify(groups)}` : '', `,"meta":${JSON.stringify(meta)}`);
  const rendered = renderStored(registry, 'User', userDocOf(text), 'u1', { groups: withGroups ? groups : undefined }, meta, {});
  return { spliced: spliced === undefined ? undefined : JSON.parse(spliced), rendered: JSON.parse(JSON.stringify(rendered)) };
}

// ------------------------------------------------------------------------------ generated documents

const plainString = fc.string({ unit: fc.constantFrom(...'abcXYZ019 .,:;@-_/\'()é漢😀'), maxLength: 12 });
/** Strings that look like what the splice looks for: brackets, escapes, keys, quotes. */
const awkwardString = fc.oneof({ weight: 3, arbitrary: plainString }, fc.constantFrom('[]', '{}', '\\u0041', '"id":', 'a"b', 'back\\slash', '\n\t', '\u0001', '"password":1', '],"x":['));
const leaf = fc.oneof({ weight: 4, arbitrary: plainString }, awkwardString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
/** Mostly what a stored person holds; now and then an empty array or object, or a key rendering treats specially. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie('v'), { minLength: 1, maxLength: 3 }) },
    { weight: 2, arbitrary: fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('value', 'type', 'primary', 'display') }, plainString, fc.constantFrom('id', '__proto__', '1')), tie('v'), { minKeys: 1, maxKeys: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom([], {}) }),
})).v;
/** Keys a stored person has, and keys rendering treats specially (in any case), and any. */
const key = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('userName', 'externalId', 'name', 'displayName', 'title', 'active', 'emails', 'phoneNumbers', 'addresses', 'roles', 'x509Certificates') },
  { weight: 2, arbitrary: fc.constantFrom('password', 'Password', 'PASSWORD', 'id', 'meta', 'groups', 'ID', 'Meta', '__proto__', 'constructor', '7', 'schemas') },
  { weight: 1, arbitrary: plainString },
);
const extension = fc.dictionary(fc.oneof({ weight: 6, arbitrary: fc.constantFrom('employeeNumber', 'department', 'manager') }, fc.constantFrom('password', 'groups', '__proto__'), plainString), value, { maxKeys: 4 });
/** A stored person: schemas first (as every writer stores it), then anything. */
const storedDoc = fc.record({
  schemas: fc.oneof({ weight: 4, arbitrary: fc.constantFrom([USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [USER_SCHEMA]) }, fc.array(awkwardString, { maxLength: 3 })),
  attrs: fc.dictionary(key, value, { maxKeys: 6 }),
  ext: fc.option(fc.tuple(fc.constantFrom(ENTERPRISE_USER_SCHEMA, CUSTOM, USER_SCHEMA), extension), { nil: undefined }),
  groups: fc.boolean(),
  // As written from migration 043 on (the usual schemas as their code), or as before.
  coded: fc.boolean(),
}).map(({ schemas, attrs, ext, groups: withGroups, coded }) => {
  const doc: Doc = { schemas };
  for (const [k, v] of Object.entries(attrs)) if (k !== 'schemas') Object.defineProperty(doc, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (ext) Object.defineProperty(doc, ext[0], { value: ext[1], enumerable: true, writable: true, configurable: true });
  return { text: coded ? storedUserText(doc) : JSON.stringify(doc), withGroups };
});

/**
 * A stored text as a hand (or another program) may have edited it: JSON all the same, but not as
 * JSON.stringify writes it. Each edit is applied at a place chosen by `at`.
 */
const EDITS: readonly ((text: string, at: number) => string)[] = [
  (t, at) => { const all = structural(t); const { i } = all[at % all.length]!; return `${t.slice(0, i + 1)} \n\t${t.slice(i + 1)}`; }, // whitespace
  (t, at) => { // a number, after a comma, as JSON.stringify would not write it
    const commas = structural(t).filter((s) => t[s.i] === ',');
    if (!commas.length) return t;
    const { i, inObject } = commas[at % commas.length]!;
    const n = ['1e400', '-0', '1.0', '1E2', '12345678901234567890', '-0.0', '5e-400'][at % 7];
    return `${t.slice(0, i + 1)}${inObject ? `"n${at}":` : ''}${n},${t.slice(i + 1)}`;
  },
  (t) => t.replace(/"(userName|title|ID|id|meta|groups|password)":/, (_m, k: string) => `"\\u00${k.charCodeAt(0).toString(16)}${k.slice(1)}":`), // a key spelt with an escape
  (t) => t.replace(/,"([^"]+)":("[^"]*")/, ',"$1":"first"$&'), // a key written twice, the first value overridden
];
/** Where `text` has a bracket, brace, colon or comma outside its strings (whitespace may follow each), and whether it is in an object. */
function structural(text: string): { i: number; inObject: boolean }[] {
  const at: { i: number; inObject: boolean }[] = [];
  const open: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ('{}[]:,'.includes(c)) {
      if (c === '{' || c === '[') open.push(c);
      if (c === '}' || c === ']') open.pop();
      at.push({ i, inObject: open[open.length - 1] === '{' });
    }
  }
  return at;
}

/** What Muster stores: known attributes with values, never a password, id, meta or empty value. */
const musterDoc = fc.record({
  userName: plainString.filter((s) => s.trim() !== ''), displayName: plainString, title: awkwardString, active: fc.boolean(),
  name: fc.record({ givenName: awkwardString, familyName: awkwardString }),
  emails: fc.array(fc.record({ value: plainString, type: fc.constantFrom('work', 'home'), primary: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  department: plainString, employeeNumber: plainString,
}).filter((d) => !JSON.stringify(d).match(/\[\]|\{\}|\\u|"(?:id|meta|groups|password)":|[:,[]-?\d|[:,[]-0/i))
  .map(({ department, employeeNumber, ...core }) => storedUserText({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], ...core, [ENTERPRISE_USER_SCHEMA]: { employeeNumber, department } }));

describe('a person spliced from stored text', () => {
  it('is what rendering the parsed document sends, whenever the splice takes the text', () => {
    let taken = 0;
    fc.assert(fc.property(storedDoc, ({ text, withGroups }) => {
      const { spliced, rendered } = both(text, withGroups);
      if (spliced === undefined) return;
      taken++;
      expect(spliced).toEqual(rendered);
    }), { numRuns: 3000, seed: 1606 });
    // The comparison means something only if the splice took a fair share of the documents.
    expect(taken).toBeGreaterThan(200);
  });

  it('is what rendering the parsed document sends for text edited by hand, whenever the splice takes it', () => {
    let taken = 0;
    fc.assert(fc.property(storedDoc, fc.array(fc.tuple(fc.nat(EDITS.length - 1), fc.nat(50)), { minLength: 1, maxLength: 3 }), ({ text, withGroups }, edits) => {
      const edited = edits.reduce((t, [e, at]) => EDITS[e]!(t, at), text);
      const { spliced, rendered } = both(edited, withGroups);
      if (spliced === undefined) return;
      taken++;
      expect(spliced).toEqual(rendered);
    }), { numRuns: 3000, seed: 1606 });
    expect(taken).toBeGreaterThan(100);
  });

  it('takes every document of the kind Muster stores, and sends it byte for byte as rendering does', () => {
    fc.assert(fc.property(musterDoc, fc.boolean(), (text, withGroups) => {
      const spliced = spliceStored(rule, text, 'u1', withGroups ? `,"groups":${JSON.stringify(groups)}` : '', `,"meta":${JSON.stringify(meta)}`);
      expect(spliced).toBeDefined();
      expect(text.startsWith('{"schemas":1,')).toBe(true);
      expect(spliced).toBe(JSON.stringify(renderStored(registry, 'User', userDocOf(text), 'u1', { groups: withGroups ? groups : undefined }, meta, {})));
    }), { numRuns: 500, seed: 1606 });
  });

  it('turns away each kind of text that rendering would change', () => {
    const base = { schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], userName: 'ada' };
    const away: Record<string, string> = {
      'an empty multi-valued attribute': JSON.stringify({ ...base, emails: [] }),
      'an empty extension': JSON.stringify({ ...base, [ENTERPRISE_USER_SCHEMA]: {} }),
      'an extension whose only attribute is empty': JSON.stringify({ ...base, [ENTERPRISE_USER_SCHEMA]: { roles: [] } }),
      'a password': JSON.stringify({ ...base, password: 'x' }),
      'a password in other letters': JSON.stringify({ ...base, PassWord: 'x' }),
      'a password under the core schema URI': JSON.stringify({ ...base, [USER_SCHEMA]: { password: 'x' } }),
      'a stored id': JSON.stringify({ ...base, id: 'other' }),
      'a stored meta': JSON.stringify({ ...base, meta: { version: 'W/"9"' } }),
      'stored groups': JSON.stringify({ ...base, groups: [{ value: 'g9' }] }),
      'a __proto__ key': `{"schemas":["${USER_SCHEMA}"],"__proto__":{"x":1}}`,
      'a key spelt with an escape': `{"schemas":["${USER_SCHEMA}"],"\\u0069d":"other"}`,
      'schemas not first': JSON.stringify({ userName: 'ada', schemas: [USER_SCHEMA] }),
      'an escaped schema URI': `{"schemas":["urn:\\"x"],"userName":"ada"}`,
      'whitespace after schemas': `{"schemas":["${USER_SCHEMA}"] ,"userName":"ada"}`,
      'no closing brace': `{"schemas":["${USER_SCHEMA}"],"userName":"ada"`,
      'a stored ID in other letters': JSON.stringify({ ...base, ID: 'other' }),
      'stored Groups in other letters': JSON.stringify({ ...base, Groups: [{ value: 'g9' }] }),
      'a number that overflows': `{"schemas":["${USER_SCHEMA}"],"x":1e400}`,
      'minus zero': `{"schemas":["${USER_SCHEMA}"],"x":[1, -0]}`,
    };
    for (const [what, text] of Object.entries(away)) {
      expect(spliceStored(rule, text, 'u1', '', `,"meta":${JSON.stringify(meta)}`), what).toBeUndefined();
    }
  });

  it('a document of schemas alone, and schemas holding brackets, are spliced', () => {
    const alone = `{"schemas":["${USER_SCHEMA}"]}`;
    expect(JSON.parse(spliceStored(rule, alone, 'u1', '', `,"meta":${JSON.stringify(meta)}`)!)).toEqual({ schemas: [USER_SCHEMA], id: 'u1', meta });
    const odd = '{"schemas":["a]b","c,d"],"userName":"ada"}';
    expect(JSON.parse(spliceStored(rule, odd, 'u1', '', '')!)).toEqual({ schemas: ['a]b', 'c,d'], id: 'u1', userName: 'ada' });
  });
});

describe('a person\'s schemas stored as a code', () => {
  it('property: reads back every document as written, coding only the two usual arrays, whole', () => {
    const schemas = fc.oneof(
      fc.constantFrom([USER_SCHEMA], [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA, USER_SCHEMA], [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, CUSTOM], [USER_SCHEMA, USER_SCHEMA], []),
      fc.array(awkwardString, { maxLength: 3 }),
    );
    fc.assert(fc.property(schemas, fc.dictionary(key, value, { maxKeys: 4 }), (sch, attrs) => {
      const doc: Doc = { schemas: sch };
      for (const [k, v] of Object.entries(attrs)) if (k !== 'schemas') Object.defineProperty(doc, k, { value: v, enumerable: true, writable: true, configurable: true });
      const text = storedUserText(doc);
      expect(userDocOf(text)).toEqual(JSON.parse(JSON.stringify(doc)));
      // Coded only where schemas comes first in the text (a key such as "7" goes before it in a JS object).
      const first = JSON.stringify(doc).startsWith('{"schemas":');
      const coded = !first ? undefined : JSON.stringify(sch) === JSON.stringify([USER_SCHEMA]) ? 0 : JSON.stringify(sch) === JSON.stringify([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]) ? 1 : undefined;
      expect((JSON.parse(text) as Doc).schemas).toEqual(coded ?? sch);
      // PostgreSQL hands the document back as an object (jsonb): decoded the same.
      expect(userDocOf(JSON.parse(text))).toEqual(JSON.parse(JSON.stringify(doc)));
    }), { numRuns: 500, seed: 1606 });
  });

  it('codes only a document whose schemas come first, and saves the array\'s bytes', () => {
    expect(storedUserText({ userName: 'a', schemas: [USER_SCHEMA] })).toBe(JSON.stringify({ userName: 'a', schemas: [USER_SCHEMA] }));
    expect(storedUserText({ schemas: [USER_SCHEMA], userName: 'a' })).toBe('{"schemas":0,"userName":"a"}');
    expect(storedUserText({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] })).toBe('{"schemas":1}');
    expect(JSON.parse(spliceStored(rule, '{"schemas":1}', 'u1', '', '')!)).toEqual({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], id: 'u1' });
    // A code this version does not know goes the long way (none is ever written: codes never change).
    expect(spliceStored(rule, '{"schemas":7,"userName":"a"}', 'u1', '', '')).toBeUndefined();
  });
});
