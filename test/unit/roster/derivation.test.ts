import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derivedColumns, fieldSlots, heldByImport, heldColumns, importedDocument, legacyRow, readStoredFields, rosterChanges, storedFields } from '../../../src/roster/derivation.js';
import { defaultSchema } from '../../../src/roster/fields.js';

/** A list's schema with its fields in slots 0, 1, … (as a new list has them). */
function withSlots(version: number, uid: 'userName' | 'email') {
  const def = defaultSchema(uid);
  return { version, ...def, slots: fieldSlots(def.fields.map((f, i) => [f.key, i] as const)) };
}

describe('roster derivation (pure)', () => {
  const schema = withSlots(3, 'userName');

  it('derives the roster columns of a SCIM document by the list schema', () => {
    const d = derivedColumns(schema, { userName: 'Ada@Example.com', name: { givenName: 'Ada', familyName: 'Lovelace' }, active: true });
    expect(d.mappingVersion).toBe(3);
    expect(d.problemCount).toBe(d.derived.problems.length);
    // Stored by slot, "" for the fields that have no value and nothing after the last one: every value kept.
    const items = JSON.parse(d.fields) as unknown[];
    expect(Array.isArray(items)).toBe(true);
    expect(items.length).toBe(Math.max(...schema.fields.map((f, i) => (d.derived.values[f.key] !== null ? i + 1 : 0))));
    schema.fields.forEach((f, i) => expect(items[i] ?? '').toBe(d.derived.values[f.key] ?? ''));
    const stored = readStoredFields(d.fields, schema.slots);
    expect(stored).toEqual(Object.fromEntries(Object.entries(d.derived.values).filter(([, v]) => v !== null)));
    expect(Object.keys(stored)).toEqual(expect.arrayContaining(['username', 'first_name', 'last_name', 'active']));
    expect(Object.keys(d.derived.values).filter((k) => !(k in stored)).map((k) => d.derived.values[k])).toEqual(Array(Object.keys(d.derived.values).length - Object.keys(stored).length).fill(null));
    expect(Object.keys(stored).length).toBeLessThan(Object.keys(d.derived.values).length);
  });

  it('recognises the document a CSV import writes, and only that shape', () => {
    expect(heldByImport(importedDocument('a@example.com', true))).toBe(true);
    expect(heldByImport(importedDocument('a@example.com', false))).toBe(true);
    expect(heldByImport({ ...importedDocument('a@example.com', true), name: { givenName: 'A' } })).toBe(false);
    expect(heldByImport({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:x'], userName: 'a', active: true })).toBe(false);
    expect(heldByImport({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a', active: 'true' })).toBe(false);
    expect(heldByImport({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a' })).toBe(false);
  });

  it('property: a person held by an import keeps the list\'s fields as given, but username and active, which follow their document when it changes them', () => {
    for (const uid of ['userName', 'email'] as const) {
      const listSchema = withSlots(1, uid);
      const keys = listSchema.fields.map((f) => f.key);
      const value = fc.oneof(fc.string({ minLength: 1 }), fc.integer(), fc.boolean());
      fc.assert(fc.property(
        // Any of the list's fields, and one it no longer has.
        fc.dictionary(fc.constantFrom(...keys, 'removed_field'), value), fc.emailAddress(), fc.emailAddress(), fc.boolean(), fc.boolean(),
        (fields, name1, name2, active1, active2) => {
          const d = heldColumns(listSchema, importedDocument(name1, active1), importedDocument(name2, active2), fields);
          const expected: Record<string, unknown> = {};
          for (const k of keys) expected[k] = fields[k] ?? null;
          if (name1.toLowerCase() !== name2.toLowerCase()) expected.username = name2.toLowerCase();
          if (active1 !== active2) expected.active = active2;
          expect(d.derived.values).toEqual(expected);
          expect(readStoredFields(d.fields, listSchema.slots)).toEqual(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== null)));
          // A required field left empty is a problem, as for a derived person; a filled one is not.
          const required = listSchema.fields.filter((f) => f.required).map((f) => f.key);
          expect(d.derived.problems.map((p) => p.field).sort()).toEqual(required.filter((k) => expected[k] === null).sort());
          expect(d.problemCount).toBe(d.derived.problems.length);
        },
      ), { numRuns: 150 });
    }
  });

  it('names each changed roster field once, sorted, with null for absent values', () => {
    expect(rosterChanges({ b: 1, a: 'x', c: null }, { a: 'x', b: 2, d: 'new' })).toEqual([
      { field: 'roster:b', before: 1, after: 2 },
      { field: 'roster:d', before: null, after: 'new' },
    ]);
    expect(rosterChanges({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it('property: stored fields read back as written, whatever the slots, values and holes', () => {
    const value = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('"', '\\', 'É"\\n', ' x '), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
    fc.assert(fc.property(
      // Keys in slots with holes (slots of fields since removed) and in any order.
      fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.nat(40)), { selector: (t) => t[0], maxLength: 12 }).filter((ts) => new Set(ts.map((t) => t[1])).size === ts.length),
      fc.array(value, { maxLength: 12 }),
      (pairs, values) => {
        const slots = fieldSlots(pairs);
        const given: Record<string, unknown> = {};
        pairs.forEach(([k], i) => (given[k] = values[i] ?? null));
        const text = storedFields(given, slots);
        const want = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null).map(([k, v]) => [k, Object.is(v, -0) ? 0 : v]));
        expect(readStoredFields(text, slots)).toEqual(want);
        // Nothing after the last value: the array ends at the highest slot that has one.
        const items = JSON.parse(text) as unknown[];
        expect(items.length).toBe(Math.max(0, ...pairs.filter(([k]) => given[k] !== null).map(([, n]) => n + 1)));
        expect(legacyRow(text, null)).toBe(false);
      },
    ), { numRuns: 200 });
  });

  it('reads a row written before slots (keyed, with its search text) as it was, and refuses a key without a slot', () => {
    const slots = fieldSlots([['a', 0], ['b', 2]]);
    expect(readStoredFields('{"a":"x","gone":7}', slots)).toEqual({ a: 'x', gone: 7 });
    expect(legacyRow('{"a":"x"}', null)).toBe(true);
    expect(legacyRow('["x"]', 'x')).toBe(true);
    expect(readStoredFields(null, slots)).toEqual({});
    // A slot the reader's slots do not name is left out (never the case with slots read after the row).
    expect(readStoredFields('["x","","y","z"]', slots)).toEqual({ a: 'x', b: 'y' });
    expect(() => storedFields({ c: 'v' }, slots)).toThrow(/no slot/);
    expect(storedFields({ a: null, b: '' }, slots)).toBe('[]');
  });
});
