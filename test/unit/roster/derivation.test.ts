import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derivedColumns, heldByImport, heldColumns, importedDocument, rosterChanges, searchText } from '../../../src/roster/derivation.js';
import { defaultSchema } from '../../../src/roster/fields.js';

describe('roster derivation (pure)', () => {
  const schema = { version: 3, ...defaultSchema('userName') };

  it('derives the roster columns of a SCIM document by the list schema', () => {
    const d = derivedColumns(schema, { userName: 'Ada@Example.com', name: { givenName: 'Ada', familyName: 'Lovelace' }, active: true });
    expect(d.mappingVersion).toBe(3);
    expect(d.problemCount).toBe(d.derived.problems.length);
    // Stored without the fields that have no value (a missing key reads as null): every value kept.
    const stored = JSON.parse(d.fields) as Record<string, unknown>;
    expect(stored).toEqual(Object.fromEntries(Object.entries(d.derived.values).filter(([, v]) => v !== null)));
    expect(Object.keys(stored)).toEqual(expect.arrayContaining(['username', 'first_name', 'last_name', 'active']));
    expect(Object.keys(d.derived.values).filter((k) => !(k in stored)).map((k) => d.derived.values[k])).toEqual(Array(Object.keys(d.derived.values).length - Object.keys(stored).length).fill(null));
    expect(Object.keys(stored).length).toBeLessThan(Object.keys(d.derived.values).length);
    expect(d.search.startsWith('ada@example.com ')).toBe(true);
    expect(d.search).toContain('lovelace');
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
      const listSchema = { version: 1, ...defaultSchema(uid) };
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
          expect(JSON.parse(d.fields)).toEqual(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== null)));
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

  it('searches the userName and non-empty values, lower-cased and bounded', () => {
    expect(searchText('Ann', { x: 'B', y: '', z: null, n: 7 })).toBe('ann b 7');
    expect(searchText('a', { x: 'y'.repeat(5000) }).length).toBe(4000);
    // Past the bound the end is cut, never the userName.
    expect(searchText('Ada', { bio: 'z'.repeat(5000), title: 'Engineer' }).startsWith('ada zzz')).toBe(true);
  });

  it('keeps each value once, and none that another value already holds', () => {
    expect(searchText('Ada@Example.com', { username: 'ada@example.com', first: 'Ada', last: 'Lovelace', full: 'Ada Lovelace', display: 'Ada Lovelace', title: 'Engineer', dept: 'Engineering' }))
      .toBe('ada@example.com ada lovelace engineering');
  });

  it('finds exactly whom the text of every value found (property: any values, any query word)', () => {
    // The text before values were kept once: what search matched then must match now, and no more.
    const everyValue = (userName: string, values: Record<string, unknown>): string =>
      [userName, ...Object.values(values).filter((v) => v !== null && v !== undefined && v !== '').map(String)].join(' ').toLowerCase();
    const value = fc.oneof(fc.constantFrom('', null, 'Ada', 'ada lovelace', 'Lovelace', 'a', 'da l'), fc.string({ maxLength: 12 }), fc.integer(), fc.boolean());
    fc.assert(fc.property(fc.string({ maxLength: 12 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), value, { maxKeys: 8 }), fc.string({ minLength: 1, maxLength: 6 }),
      (userName, values, query) => {
        fc.pre(!/\s/.test(query));
        const word = query.toLowerCase();
        expect(searchText(userName, values).includes(word)).toBe(everyValue(userName, values).includes(word));
      }));
  });
});
