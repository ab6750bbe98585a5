import { describe, expect, it } from 'vitest';
import { readPath } from '../../../src/roster/mapping.js';
import { attributePaths } from '../../../src/lists/attribute-tracker.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User';

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
  id: 'u1',
  externalId: 'ext-1',
  meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z' },
  userName: 'bjensen',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'b@example.com', type: 'work', primary: true },
    { value: 'babs@example.org', type: 'home' },
  ],
  phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
  groups: [{ value: 'g1', display: 'Staff' }],
  [ENT]: { department: 'Tours', employeeNumber: '701984', manager: { value: 'm1', displayName: 'John' } },
  [CUSTOM]: { costCode: 'CC-42' },
};

describe('attributePaths', () => {
  const paths = attributePaths(user);

  it('gives exactly the mappable paths with a sample value', () => {
    expect(Object.fromEntries(paths)).toEqual({
      externalId: 'ext-1',
      userName: 'bjensen',
      active: true,
      'name.givenName': 'Barbara',
      'name.familyName': 'Jensen',
      'emails[type eq "work"].value': 'b@example.com',
      'emails[type eq "work"].primary': true,
      'emails[type eq "home"].value': 'babs@example.org',
      'phoneNumbers[type eq "mobile"].value': '+1 555 0100',
      [`${ENT}:department`]: 'Tours',
      [`${ENT}:employeeNumber`]: '701984',
      [`${ENT}:manager.value`]: 'm1',
      [`${ENT}:manager.displayName`]: 'John',
      [`${CUSTOM}:costCode`]: 'CC-42',
    });
  });

  it('skips schemas, id, meta and groups', () => {
    for (const k of paths.keys()) expect(k).not.toMatch(/^(schemas|id|meta|groups)\b/);
  });

  it('every path it gives reads back, through the mapping, the same sample', () => {
    for (const [path, sample] of paths) expect(readPath(user, path), path).toEqual(sample);
  });

  it('an untyped multi-valued attribute is listed by sub-attribute, the first value as sample', () => {
    const p = attributePaths({ emails: [{ value: 'a@example.com' }, { value: 'b@example.com' }], nicknames: ['Babs', 'B'] });
    expect(Object.fromEntries(p)).toEqual({ 'emails.value': 'a@example.com', nicknames: 'Babs' });
  });

  it('the first value of a type is the sample; later ones of the same type are not', () => {
    const p = attributePaths({ emails: [{ value: 'a@example.com', type: 'work' }, { value: 'b@example.com', type: 'work' }] });
    expect(p.get('emails[type eq "work"].value')).toBe('a@example.com');
    expect(p.size).toBe(1);
  });

  it('null values and nested objects are skipped', () => {
    const p = attributePaths({ title: null, nickName: undefined, name: { givenName: null, x: { deep: 1 }, formatted: 'B J' } });
    expect(Object.fromEntries(p)).toEqual({ 'name.formatted': 'B J' });
  });

  it('an empty resource has no paths', () => {
    expect(attributePaths({}).size).toBe(0);
    expect(attributePaths({ schemas: ['x'], id: '1', meta: {}, groups: [] }).size).toBe(0);
  });
});
