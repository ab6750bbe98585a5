import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, canonical, diffResources, flattenResource, personUpdateAction } from '../../../src/roster/audit.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const base = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
  id: 'u1',
  meta: { resourceType: 'User', version: 'W/"1"' },
  userName: 'bjensen',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [{ value: 'b@example.com', type: 'work', primary: true }],
  [ENT]: { department: 'Tours', manager: { value: 'm1', displayName: 'John' } },
};

describe('flattenResource', () => {
  it('flattens complex values by sub-attribute, extensions under their URN, multi-valued whole', () => {
    const flat = flattenResource(base);
    expect(Object.fromEntries(flat)).toEqual({
      userName: 'bjensen',
      active: true,
      'name.givenName': 'Barbara',
      'name.familyName': 'Jensen',
      emails: [{ value: 'b@example.com', type: 'work', primary: true }],
      [`${ENT}:department`]: 'Tours',
      [`${ENT}:manager.value`]: 'm1',
      [`${ENT}:manager.displayName`]: 'John',
    });
  });

  it('skips schemas, id and meta', () => {
    const flat = flattenResource(base);
    expect(flat.has('schemas')).toBe(false);
    expect(flat.has('id')).toBe(false);
    expect([...flat.keys()].some((k) => k.startsWith('meta'))).toBe(false);
  });

  it('an undefined resource is empty', () => {
    expect(flattenResource(undefined).size).toBe(0);
  });
});

describe('diffResources', () => {
  it('no change, no entries', () => {
    expect(diffResources(base, structuredClone(base))).toEqual([]);
  });

  it('key order never counts as a change', () => {
    const reordered = {
      [ENT]: { manager: { displayName: 'John', value: 'm1' }, department: 'Tours' },
      emails: [{ primary: true, type: 'work', value: 'b@example.com' }],
      name: { familyName: 'Jensen', givenName: 'Barbara' },
      active: true,
      userName: 'bjensen',
    };
    expect(diffResources(base, reordered)).toEqual([]);
  });

  it('ignores meta, id and schemas changes', () => {
    expect(diffResources(base, { ...base, id: 'u2', meta: { version: 'W/"2"' }, schemas: [] })).toEqual([]);
  });

  it('reports added, removed and changed fields, sorted, absent as null', () => {
    const { name: _name, ...rest } = base;
    const after = { ...rest, userName: 'babs', title: 'Guide', name: { givenName: 'Barbara' } };
    expect(diffResources(base, after)).toEqual([
      { field: 'name.familyName', before: 'Jensen', after: null },
      { field: 'title', before: null, after: 'Guide' },
      { field: 'userName', before: 'bjensen', after: 'babs' },
    ]);
  });

  it('names extension attributes by URN and complex sub-attributes by dot', () => {
    const after = {
      ...base,
      name: { givenName: 'Babs', familyName: 'Jensen' },
      [ENT]: { department: 'Ops', manager: { value: 'm2', displayName: 'John' } },
    };
    expect(diffResources(base, after)).toEqual([
      { field: 'name.givenName', before: 'Barbara', after: 'Babs' },
      { field: `${ENT}:department`, before: 'Tours', after: 'Ops' },
      { field: `${ENT}:manager.value`, before: 'm1', after: 'm2' },
    ]);
  });

  it('a multi-valued attribute is one field, compared whole', () => {
    const after = { ...base, emails: [...base.emails, { value: 'h@example.com', type: 'home' }] };
    expect(diffResources(base, after)).toEqual([{ field: 'emails', before: base.emails, after: after.emails }]);
  });

  it('a reordered multi-valued attribute is a change (order is kept, only keys are sorted)', () => {
    const two = { emails: [{ value: 'a' }, { value: 'b' }] };
    expect(diffResources(two, { emails: [{ value: 'b' }, { value: 'a' }] })).toHaveLength(1);
  });

  it('creation and deletion: everything against null', () => {
    expect(diffResources(undefined, { userName: 'x', active: true })).toEqual([
      { field: 'active', before: null, after: true },
      { field: 'userName', before: null, after: 'x' },
    ]);
    expect(diffResources({ userName: 'x' }, undefined)).toEqual([{ field: 'userName', before: 'x', after: null }]);
  });

  it('a value set to null equals the value absent', () => {
    expect(diffResources({ title: null }, {})).toEqual([]);
  });

  it('a type change is a change (true vs "true")', () => {
    expect(diffResources({ active: true }, { active: 'true' })).toEqual([{ field: 'active', before: true, after: 'true' }]);
  });
});

describe('canonical', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(JSON.stringify(canonical({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } }))).toBe('{"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}');
  });
});

describe('personUpdateAction', () => {
  it('active → inactive is a deactivation', () => {
    expect(personUpdateAction({ active: true }, { active: false })).toBe('person.deactivated');
    expect(personUpdateAction({}, { active: false })).toBe('person.deactivated');
  });
  it('inactive → active is a reactivation', () => {
    expect(personUpdateAction({ active: false }, { active: true })).toBe('person.reactivated');
    expect(personUpdateAction({ active: false }, {})).toBe('person.reactivated');
  });
  it('anything else is an update', () => {
    expect(personUpdateAction({ active: true }, { active: true, title: 'x' })).toBe('person.updated');
    expect(personUpdateAction({ active: false }, { active: false })).toBe('person.updated');
    expect(personUpdateAction({}, {})).toBe('person.updated');
  });
  it('every action it returns is a known audit action', () => {
    for (const a of ['person.deactivated', 'person.reactivated', 'person.updated'] as const) expect(AUDIT_ACTIONS).toContain(a);
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
  });
});
