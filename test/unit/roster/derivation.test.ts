import { describe, expect, it } from 'vitest';
import { derivedColumns, rosterChanges, searchText } from '../../../src/roster/derivation.js';
import { defaultSchema } from '../../../src/roster/fields.js';

describe('roster derivation (pure)', () => {
  const schema = { version: 3, ...defaultSchema('userName') };

  it('derives the roster columns of a SCIM document by the list schema', () => {
    const d = derivedColumns(schema, { userName: 'Ada@Example.com', name: { givenName: 'Ada', familyName: 'Lovelace' }, active: true });
    expect(d.mappingVersion).toBe(3);
    expect(d.problemCount).toBe(d.derived.problems.length);
    expect(JSON.parse(d.fields)).toEqual(d.derived.values);
    expect(d.search.startsWith('ada@example.com ')).toBe(true);
    expect(d.search).toContain('lovelace');
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
  });
});
