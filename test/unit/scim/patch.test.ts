import { describe, expect, it } from 'vitest';
import { Normalisations, type NormalisationId } from '../../../src/scim/dialect.js';
import { ScimError, type ScimType } from '../../../src/scim/errors.js';
import { PatchEngine, memberIds, memberRefs, type MemberOp, type PatchResult } from '../../../src/scim/patch.js';
import type { Doc } from '../../../src/scim/resource.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, createDefaultRegistry, type ResourceTypeId } from '../../../src/scim/schemas/index.js';

const registry = createDefaultRegistry();
const ENT = ENTERPRISE_USER_SCHEMA;
/** Entra custom extension (Microsoft Learn, "Customize application attributes"). */
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
const CUSTOM2 = 'urn:ietf:params:scim:schemas:extension:Other:2.0:User';

const user = (): Doc => ({
  schemas: [USER_SCHEMA, ENT],
  id: 'u-1',
  externalId: 'ext-1',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' },
  [ENT]: { department: 'Tour Operations', employeeNumber: '701984' },
});

const group = (): Doc => ({
  schemas: [GROUP_SCHEMA],
  id: 'g-1',
  displayName: 'Admins',
  meta: { resourceType: 'Group', created: '2024-01-01T00:00:00Z' },
});

interface Run extends PatchResult {
  readonly notes: readonly NormalisationId[];
}

function applyBody(doc: Doc, body: unknown, rt: ResourceTypeId = 'User'): Run {
  const notes = new Normalisations();
  const r = PatchEngine.apply(registry, rt, doc, body, notes);
  return { ...r, notes: notes.list() };
}

const run = (doc: Doc, operations: unknown[], rt: ResourceTypeId = 'User'): Run =>
  applyBody(doc, { schemas: [PATCH_OP], Operations: operations }, rt);

const members = (operations: unknown[]): readonly MemberOp[] => run(group(), operations, 'Group').memberOps;

function scimError(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScimError);
    return e as ScimError;
  }
  throw new Error('expected a ScimError, but nothing was thrown');
}

function expectScimError(fn: () => unknown, status: number, scimType: ScimType): ScimError {
  const e = scimError(fn);
  expect({ status: e.status, scimType: e.scimType }).toEqual({ status, scimType });
  return e;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

describe('PatchOp envelope (RFC 7644 §3.5.2)', () => {
  it.each<[string, unknown]>([
    ['a non-object body', []],
    ['a string body', 'add'],
    ['schemas without the PatchOp URN', { schemas: [USER_SCHEMA], Operations: [{ op: 'add', path: 'nickName', value: 'x' }] }],
    ['schemas that is not an array', { schemas: PATCH_OP, Operations: [{ op: 'add', path: 'nickName', value: 'x' }] }],
    ['no Operations', { schemas: [PATCH_OP] }],
    ['empty Operations', { schemas: [PATCH_OP], Operations: [] }],
    ['Operations that is not an array', { schemas: [PATCH_OP], Operations: { op: 'add' } }],
    ['an operation that is not an object', { schemas: [PATCH_OP], Operations: ['add'] }],
    ['an unknown op', { schemas: [PATCH_OP], Operations: [{ op: 'move', path: 'nickName', value: 'x' }] }],
    ['a missing op', { schemas: [PATCH_OP], Operations: [{ path: 'nickName', value: 'x' }] }],
    ['add without value', { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'nickName' }] }],
    ['replace without value', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'nickName' }] }],
  ])('rejects %s with 400 invalidSyntax', (_, body) => {
    expectScimError(() => applyBody(user(), body), 400, 'invalidSyntax');
  });

  it('accepts the PatchOp URN case-insensitively and notes nothing', () => {
    const r = applyBody(user(), { schemas: [PATCH_OP.toUpperCase()], Operations: [{ op: 'replace', path: 'nickName', value: 'B' }] });
    expect(r.doc.nickName).toBe('B');
    expect(r.notes).toEqual([]);
  });

  it('accepts a body without schemas, noting missing-schemas', () => {
    const r = applyBody(user(), { Operations: [{ op: 'replace', path: 'nickName', value: 'B' }] });
    expect(r.doc.nickName).toBe('B');
    expect(r.notes).toEqual(['missing-schemas']);
  });

  it('accepts "operations" in lower case', () => {
    const r = applyBody(user(), { schemas: [PATCH_OP], operations: [{ op: 'replace', path: 'nickName', value: 'B' }] });
    expect(r.doc.nickName).toBe('B');
  });

  it.each(['Replace', 'REPLACE', 'Add'])('accepts op %j (Entra PascalCase), noting op-case', (op) => {
    const r = run(user(), [{ op, path: 'nickName', value: 'B' }]);
    expect(r.doc.nickName).toBe('B');
    expect(r.notes).toEqual(['op-case']);
  });

  it('"Remove" in PascalCase removes and notes op-case', () => {
    const r = run(user(), [{ op: 'Remove', path: 'displayName' }]);
    expect(r.doc).not.toHaveProperty('displayName');
    expect(r.notes).toEqual(['op-case']);
  });

  it.each<[string, unknown]>([
    ['an empty path', ''],
    ['a blank path', '   '],
    ['a numeric path', 42],
    ['an unclosed value filter', 'emails[type eq "work"'],
    ['a path with two sub-attribute levels', 'name.givenName.x'],
    ['an unknown attribute', 'favouriteColour'],
    ['an unknown sub-attribute', 'name.nickname'],
    ['an unknown attribute of a known extension', `${ENT}:shoeSize`],
  ])('rejects %s with 400 invalidPath', (_, path) => {
    expectScimError(() => run(user(), [{ op: 'replace', path, value: 'x' }]), 400, 'invalidPath');
  });

  it('treats "path": null as a path-less operation', () => {
    const r = run(user(), [{ op: 'replace', path: null, value: { nickName: 'B' } }]);
    expect(r.doc.nickName).toBe('B');
  });

  it('applies operations in order', () => {
    const r = run(user(), [
      { op: 'replace', path: 'nickName', value: 'one' },
      { op: 'replace', path: 'nickName', value: 'two' },
      { op: 'remove', path: 'title' },
      { op: 'add', path: 'title', value: 'Boss' },
    ]);
    expect(r.doc).toMatchObject({ nickName: 'two', title: 'Boss' });
  });
});

describe('path forms', () => {
  it('attribute: replaces a top-level attribute', () => {
    const r = run(user(), [{ op: 'replace', path: 'displayName', value: 'Barbara J.' }]);
    expect(r.doc.displayName).toBe('Barbara J.');
  });

  it('attribute names are case-insensitive and stored with the RFC casing', () => {
    const r = run(user(), [{ op: 'replace', path: 'DISPLAYNAME', value: 'X' }]);
    expect(r.doc.displayName).toBe('X');
    expect(r.doc).not.toHaveProperty('DISPLAYNAME');
  });

  it('sub-attribute: replaces name.givenName and keeps the other sub-attributes', () => {
    const r = run(user(), [{ op: 'replace', path: 'name.givenName', value: 'Barb' }]);
    expect(r.doc.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
  });

  it('sub-attribute: uses the RFC casing of the sub-attribute', () => {
    const r = run(user(), [{ op: 'add', path: 'name.MIDDLENAME', value: 'Jane' }]);
    expect(r.doc.name).toEqual({ givenName: 'Barbara', familyName: 'Jensen', middleName: 'Jane' });
  });

  it('sub-attribute: creates the complex attribute when it is absent', () => {
    const doc = user();
    delete doc.name;
    const r = run(doc, [{ op: 'add', path: 'name.familyName', value: 'Jensen' }]);
    expect(r.doc.name).toEqual({ familyName: 'Jensen' });
  });

  it('sub-attribute: removing the last sub-attribute unassigns the complex attribute', () => {
    const r = run(user(), [
      { op: 'remove', path: 'name.givenName' },
      { op: 'remove', path: 'name.familyName' },
    ]);
    expect(r.doc).not.toHaveProperty('name');
  });

  it('value filter: replace merges the value into every matching element', () => {
    const r = run(user(), [{ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'new@example.com' } }]);
    expect(r.doc.emails).toEqual([
      { value: 'new@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(r.notes).toEqual([]);
  });

  it('value filter: strings compare case-insensitively for caseExact=false sub-attributes', () => {
    const r = run(user(), [{ op: 'replace', path: 'emails[TYPE eq "WORK"].value', value: 'new@example.com' }]);
    expect((r.doc.emails as Doc[])[0]).toEqual({ value: 'new@example.com', type: 'work', primary: true });
  });

  it('value filter + sub-attribute: replaces only the matching element (Entra emails[type eq "work"].value)', () => {
    const r = run(user(), [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'bj@example.com' }]);
    expect(r.doc.emails).toEqual([
      { value: 'bj@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(r.notes).toEqual(['op-case']);
  });

  it('value filter + sub-attribute: replace with no match creates the value, noting replace-creates-value (Entra)', () => {
    const r = run(user(), [{ op: 'replace', path: 'addresses[type eq "work"].formatted', value: '1 Main St' }]);
    expect(r.doc.addresses).toEqual([{ type: 'work', formatted: '1 Main St' }]);
    expect(r.notes).toEqual(['replace-creates-value']);
  });

  it('value filter + sub-attribute: add with no match creates the value without a note', () => {
    const r = run(user(), [{ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' }]);
    expect(r.doc.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect(r.notes).toEqual([]);
  });

  it('value filter: add with no match creates the element from an `and` of eq comparisons', () => {
    const r = run(user(), [{ op: 'add', path: 'phoneNumbers[type eq "work" and display eq "Desk"]', value: { value: '123' } }]);
    expect(r.doc.phoneNumbers).toEqual([{ type: 'work', display: 'Desk', value: '123' }]);
  });

  it('value filter: a miss that names no element is 400 noTarget (RFC 7644 §3.5.2.3)', () => {
    expectScimError(() => run(user(), [{ op: 'replace', path: 'emails[value co "nobody"].type', value: 'other' }]), 400, 'noTarget');
  });

  it('value filter on a single-valued attribute is 400 invalidPath', () => {
    expectScimError(() => run(user(), [{ op: 'replace', path: 'name[givenName eq "Barbara"].familyName', value: 'X' }]), 400, 'invalidPath');
  });

  it('value filter + sub-attribute: an unknown sub-attribute is 400 invalidPath', () => {
    expectScimError(() => run(user(), [{ op: 'replace', path: 'emails[type eq "work"].colour', value: 'red' }]), 400, 'invalidPath');
  });

  it('extension-URN attribute: replaces an enterprise attribute', () => {
    const r = run(user(), [{ op: 'replace', path: `${ENT}:department`, value: 'Sales' }]);
    expect(r.doc[ENT]).toEqual({ department: 'Sales', employeeNumber: '701984' });
  });

  it('extension-URN attribute: the URN is case-insensitive and stored under the canonical URN', () => {
    const r = run(user(), [{ op: 'Add', path: `${ENT.toUpperCase()}:costCenter`, value: 'CC1' }]);
    expect(r.doc[ENT]).toMatchObject({ costCenter: 'CC1' });
    expect(Object.keys(r.doc).filter((k) => k.toLowerCase() === ENT.toLowerCase())).toEqual([ENT]);
  });

  it('extension-URN attribute with a sub-attribute: manager.value', () => {
    const r = run(user(), [{ op: 'add', path: `${ENT}:manager.value`, value: 'mgr-1' }]);
    expect(r.doc[ENT]).toEqual({ department: 'Tour Operations', employeeNumber: '701984', manager: { value: 'mgr-1' } });
  });

  it('extension-URN attribute on a user without the extension creates it and lists it in schemas', () => {
    const doc = user();
    delete doc[ENT];
    doc.schemas = [USER_SCHEMA];
    const r = run(doc, [{ op: 'add', path: `${ENT}:department`, value: 'Sales' }]);
    expect(r.doc[ENT]).toEqual({ department: 'Sales' });
    expect(r.doc.schemas).toEqual([USER_SCHEMA, ENT]);
  });

  it('an unqualified extension attribute resolves into its extension', () => {
    const r = run(user(), [{ op: 'replace', path: 'department', value: 'Sales' }]);
    expect(r.doc[ENT]).toEqual({ department: 'Sales', employeeNumber: '701984' });
    expect(r.doc).not.toHaveProperty('department');
  });

  it('a core-URN-qualified attribute is the core attribute', () => {
    const r = run(user(), [{ op: 'replace', path: `${USER_SCHEMA}:displayName`, value: 'X' }]);
    expect(r.doc.displayName).toBe('X');
  });

  it('whole extension URN: add/replace merge the attributes given', () => {
    const r = run(user(), [{ op: 'replace', path: ENT, value: { department: 'Sales', costCenter: 'CC1', shoeSize: 9 } }]);
    expect(r.doc[ENT]).toEqual({ department: 'Sales', employeeNumber: '701984', costCenter: 'CC1' });
    expect(r.doc.schemas).toEqual([USER_SCHEMA, ENT]);
  });

  it('whole extension URN: values are coerced (employeeNumber number, manager string)', () => {
    const r = run(user(), [{ op: 'add', path: ENT, value: { employeeNumber: 42, manager: 'mgr-1' } }]);
    expect(r.doc[ENT]).toEqual({ department: 'Tour Operations', employeeNumber: '42', manager: { value: 'mgr-1' } });
    expect(r.notes).toEqual(['number-as-string', 'manager-string']);
  });

  it('whole extension URN: remove drops the extension and its schemas entry', () => {
    const r = run(user(), [{ op: 'remove', path: ENT }]);
    expect(r.doc).not.toHaveProperty(ENT);
    expect(r.doc.schemas).toEqual([USER_SCHEMA]);
  });

  it('whole extension URN: a non-object value is 400 invalidValue', () => {
    expectScimError(() => run(user(), [{ op: 'replace', path: ENT, value: 'Sales' }]), 400, 'invalidValue');
  });

  it('no path, plain keys (Okta deactivate {"active": false})', () => {
    const r = run(user(), [{ op: 'replace', value: { active: false } }]);
    expect(r.doc.active).toBe(false);
    expect(r.notes).toEqual([]);
  });

  it('no path, plain complex key: merges like a path', () => {
    const r = run(user(), [{ op: 'replace', value: { name: { givenName: 'Barb' }, nickName: 'B' } }]);
    expect(r.doc.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
    expect(r.doc.nickName).toBe('B');
  });

  it('no path, dotted and URN keys (Entra aadOptscim062020): each key is a path, noting pathless-dotted-keys', () => {
    const r = run(user(), [
      {
        op: 'replace',
        value: {
          displayName: 'Pat Doe',
          'name.givenName': 'Pat',
          'name.familyName': 'Doe',
          [`${ENT}:department`]: 'Sales',
          [`${ENT}:manager`]: 'mgr-1',
          active: false,
        },
      },
    ]);
    expect(r.doc).toMatchObject({ displayName: 'Pat Doe', name: { givenName: 'Pat', familyName: 'Doe' }, active: false });
    expect(r.doc[ENT]).toEqual({ department: 'Sales', employeeNumber: '701984', manager: { value: 'mgr-1' } });
    expect(r.notes).toEqual(['pathless-dotted-keys', 'manager-string']);
  });

  it('no path, a value-filter key (emails[type eq "work"].value) is applied as a path', () => {
    const r = run(user(), [{ op: 'replace', value: { 'emails[type eq "work"].value': 'pat@example.com' } }]);
    expect((r.doc.emails as Doc[])[0]).toEqual({ value: 'pat@example.com', type: 'work', primary: true });
    expect(r.notes).toEqual(['pathless-dotted-keys']);
  });

  it('no path, a whole extension URN key is a resource fragment (no dotted-keys note)', () => {
    const r = run(user(), [{ op: 'replace', value: { [ENT]: { department: 'Sales' } } }]);
    expect(r.doc[ENT]).toEqual({ department: 'Sales', employeeNumber: '701984' });
    expect(r.notes).toEqual([]);
  });

  it('no path: "schemas", unknown keys and keys that are no path at all are ignored', () => {
    const r = run(user(), [{ op: 'replace', value: { schemas: ['x'], favouriteColour: 'red', 'not a path!': 1, nickName: 'B' } }]);
    const expected = { ...user(), nickName: 'B' };
    expect(r.doc).toEqual(expected);
  });

  it('no path: a non-object value is 400 invalidValue', () => {
    expectScimError(() => run(user(), [{ op: 'add', value: 'Barbara' }]), 400, 'invalidValue');
    expectScimError(() => run(user(), [{ op: 'replace', value: [{ active: false }] }]), 400, 'invalidValue');
  });
});

describe('add (RFC 7644 §3.5.2.1)', () => {
  it('adds a single-valued attribute that had no value (Entra Add nickName)', () => {
    const r = run(user(), [{ op: 'Add', path: 'nickName', value: 'Babs' }]);
    expect(r.doc.nickName).toBe('Babs');
  });

  it('replaces a single-valued attribute that had a value', () => {
    const r = run(user(), [{ op: 'add', path: 'displayName', value: 'New' }]);
    expect(r.doc.displayName).toBe('New');
  });

  it('merges sub-attributes into a complex attribute', () => {
    const r = run(user(), [{ op: 'add', path: 'name', value: { middleName: 'Jane', givenName: 'Barb' } }]);
    expect(r.doc.name).toEqual({ givenName: 'Barb', familyName: 'Jensen', middleName: 'Jane' });
  });

  it('appends to a multi-valued attribute', () => {
    const r = run(user(), [{ op: 'add', path: 'emails', value: [{ value: 'other@example.com', type: 'other' }] }]);
    expect(r.doc.emails).toEqual([...(user().emails as Doc[]), { value: 'other@example.com', type: 'other' }]);
  });

  it('does not duplicate a value that is already there (idempotent add)', () => {
    const r = run(user(), [
      { op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] },
      { op: 'add', path: 'emails', value: [{ value: 'x@example.com' }] },
      { op: 'add', path: 'emails', value: [{ value: 'x@example.com' }] },
    ]);
    expect(r.doc.emails).toEqual([...(user().emails as Doc[]), { value: 'x@example.com' }]);
  });

  it('accepts a single value for a multi-valued attribute, noting single-as-array', () => {
    const r = run(user(), [{ op: 'add', path: 'phoneNumbers', value: { value: '555', type: 'work' } }]);
    expect(r.doc.phoneNumbers).toEqual([{ value: '555', type: 'work' }]);
    expect(r.notes).toEqual(['single-as-array']);
  });

  it('a new primary value takes "primary" from the existing ones (RFC 7643 §2.4)', () => {
    const r = run(user(), [{ op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'other', primary: true }] }]);
    expect(r.doc.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'new@example.com', type: 'other', primary: true },
    ]);
  });

  it('of several new primary values the first keeps it, noting multiple-primary', () => {
    const doc = user();
    delete doc.emails;
    const r = run(doc, [{ op: 'add', path: 'emails', value: [{ value: 'a@x.org', primary: true }, { value: 'b@x.org', primary: true }] }]);
    expect(r.doc.emails).toEqual([{ value: 'a@x.org', primary: true }, { value: 'b@x.org', primary: false }]);
    expect(r.notes).toEqual(['multiple-primary']);
  });

  it('an add of null changes nothing', () => {
    const r = run(user(), [{ op: 'add', path: 'nickName', value: null }]);
    expect(r.doc).toEqual(user());
  });

  it('keeps Entra role values verbatim (JSON-encoded role in "value")', () => {
    const role = '{"id":"06b07648-ecfe-589f-9d2f-6325724a46ee","value":"25","displayName":"Role1234"}';
    const r = run(user(), [{ op: 'Add', path: 'roles', value: [{ value: role }] }]);
    expect(r.doc.roles).toEqual([{ value: role }]);
  });
});

describe('replace (RFC 7644 §3.5.2.3)', () => {
  it('replace on a complex attribute merges: sub-attributes not given are kept', () => {
    const r = run(user(), [{ op: 'replace', path: 'name', value: { givenName: 'Barb' } }]);
    expect(r.doc.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
  });

  it('replace on a multi-valued attribute without a filter replaces all values', () => {
    const r = run(user(), [{ op: 'replace', path: 'emails', value: [{ value: 'only@example.com', type: 'work' }] }]);
    expect(r.doc.emails).toEqual([{ value: 'only@example.com', type: 'work' }]);
  });

  it('replace of an attribute that had no value adds it', () => {
    const r = run(user(), [{ op: 'replace', path: 'title', value: 'Tour Guide' }]);
    expect(r.doc.title).toBe('Tour Guide');
  });

  it('replace with null unassigns the attribute', () => {
    const r = run(user(), [{ op: 'replace', path: 'displayName', value: null }]);
    expect(r.doc).not.toHaveProperty('displayName');
  });

  it('replace of every value with several primaries keeps the first primary, noting multiple-primary', () => {
    const r = run(user(), [
      { op: 'replace', path: 'emails', value: [{ value: 'a@x.org', primary: 'True' }, { value: 'b@x.org', primary: true }] },
    ]);
    expect(r.doc.emails).toEqual([{ value: 'a@x.org', primary: true }, { value: 'b@x.org', primary: false }]);
    expect(r.notes).toEqual(['boolean-string', 'multiple-primary']);
  });
});

describe('remove (RFC 7644 §3.5.2.2)', () => {
  it('remove without a path is 400 noTarget', () => {
    expectScimError(() => run(user(), [{ op: 'remove' }]), 400, 'noTarget');
    expectScimError(() => run(user(), [{ op: 'remove', value: { displayName: 'Babs' } }]), 400, 'noTarget');
  });

  it('removes a single-valued attribute', () => {
    const r = run(user(), [{ op: 'remove', path: 'displayName' }]);
    const expected = user();
    delete expected.displayName;
    expect(r.doc).toEqual(expected);
  });

  it('removing an attribute that has no value succeeds and changes nothing', () => {
    const r = run(user(), [{ op: 'remove', path: 'title' }]);
    expect(r.doc).toEqual(user());
  });

  it('removes the values a filter matches and keeps the others', () => {
    const r = run(user(), [{ op: 'remove', path: 'emails[type eq "home"]' }]);
    expect(r.doc.emails).toEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }]);
  });

  it('removing every value unassigns the attribute', () => {
    const r = run(user(), [{ op: 'remove', path: 'emails[value ew "example.com" or value ew "jensen.org"]' }]);
    expect(r.doc).not.toHaveProperty('emails');
  });

  it('a filter that matches nothing removes nothing', () => {
    const r = run(user(), [{ op: 'remove', path: 'emails[type eq "other"]' }]);
    expect(r.doc.emails).toEqual(user().emails);
  });

  it('value filter + sub-attribute removes that sub-attribute of the matching values only', () => {
    const r = run(user(), [{ op: 'remove', path: 'emails[type eq "work"].primary' }]);
    expect(r.doc.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
  });

  it('removes all values of a multi-valued attribute', () => {
    const r = run(user(), [{ op: 'remove', path: 'emails' }]);
    expect(r.doc).not.toHaveProperty('emails');
  });

  it('remove-by-value (Entra/JumpCloud): removes only the values listed, noting remove-by-value', () => {
    const r = run(user(), [{ op: 'Remove', path: 'emails', value: [{ value: 'babs@jensen.org' }] }]);
    expect(r.doc.emails).toEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }]);
    expect(r.notes).toEqual(['op-case', 'remove-by-value']);
  });

  it('remove-by-value with a single (non-array) value', () => {
    const r = run(user(), [{ op: 'remove', path: 'emails', value: { value: 'bjensen@example.com' } }]);
    expect(r.doc.emails).toEqual([{ value: 'babs@jensen.org', type: 'home' }]);
  });

  it('removes an extension attribute; removing its last attribute drops the extension from schemas', () => {
    const r1 = run(user(), [{ op: 'remove', path: `${ENT}:department` }]);
    expect(r1.doc[ENT]).toEqual({ employeeNumber: '701984' });
    expect(r1.doc.schemas).toEqual([USER_SCHEMA, ENT]);
    const r2 = run(user(), [
      { op: 'remove', path: `${ENT}:department` },
      { op: 'remove', path: `${ENT}:employeeNumber` },
    ]);
    expect(r2.doc).not.toHaveProperty(ENT);
    expect(r2.doc.schemas).toEqual([USER_SCHEMA]);
  });
});

describe('group members become MemberOp deltas, never a list in the document', () => {
  it('add: [{value, display}] (Okta) and [{"$ref": null, value}] (Entra)', () => {
    const r = run(group(), [
      { op: 'add', path: 'members', value: [{ value: 'u1', display: 'Ann' }] },
      { op: 'Add', path: 'members', value: [{ $ref: null, value: 'u2' }] },
    ], 'Group');
    expect(r.memberOps).toEqual([
      { kind: 'add', members: [{ id: 'u1', display: 'Ann' }] },
      { kind: 'add', members: [{ id: 'u2' }] },
    ]);
    expect(r.doc).toEqual(group());
    expect(r.doc).not.toHaveProperty('members');
  });

  it('add: "displayName" (Microsoft reference suite) is taken as display', () => {
    expect(members([{ op: 'add', path: 'members', value: [{ value: 'u1', displayName: 'Ann' }] }])).toEqual([
      { kind: 'add', members: [{ id: 'u1', display: 'Ann' }] },
    ]);
  });

  it('add: a single member object and bare id strings (OneLogin), noting member-as-string', () => {
    const r = run(group(), [
      { op: 'add', path: 'members', value: { value: 'u1' } },
      { op: 'add', path: 'members', value: ['u2', 'u3'] },
    ], 'Group');
    expect(r.memberOps).toEqual([
      { kind: 'add', members: [{ id: 'u1' }] },
      { kind: 'add', members: [{ id: 'u2' }, { id: 'u3' }] },
    ]);
    expect(r.notes).toEqual(['member-as-string']);
  });

  it('add with a value filter is 400 invalidPath', () => {
    expectScimError(() => members([{ op: 'add', path: 'members[value eq "u1"]', value: [{ value: 'u1' }] }]), 400, 'invalidPath');
  });

  it('remove members[value eq "x"] (Okta, Entra with the flag) removes exactly that member', () => {
    expect(members([{ op: 'remove', path: 'members[value eq "u1"]' }])).toEqual([{ kind: 'remove', ids: ['u1'] }]);
  });

  it('remove with an `or` of value eq removes each id named', () => {
    expect(members([{ op: 'remove', path: 'members[value eq "u1" or value eq "u2" or value eq "u3"]' }])).toEqual([
      { kind: 'remove', ids: ['u1', 'u2', 'u3'] },
    ]);
  });

  it('the attribute name in the filter is case-insensitive', () => {
    expect(members([{ op: 'remove', path: 'MEMBERS[Value EQ "u1"]' }])).toEqual([{ kind: 'remove', ids: ['u1'] }]);
  });

  it.each<[string, unknown]>([
    ['members[display eq "Ann"]', { kind: 'compare', path: { attr: 'display' }, op: 'eq', value: 'Ann' }],
    ['members[value ne "u1"]', { kind: 'compare', path: { attr: 'value' }, op: 'ne', value: 'u1' }],
    ['members[type eq "Group"]', { kind: 'compare', path: { attr: 'type' }, op: 'eq', value: 'Group' }],
  ])('remove %s is a removeWhere with the filter', (path, filter) => {
    expect(members([{ op: 'remove', path }])).toEqual([{ kind: 'removeWhere', filter }]);
  });

  it('an `or` that is not all value eq is a removeWhere', () => {
    const ops = members([{ op: 'remove', path: 'members[value eq "u1" or display eq "Ann"]' }]);
    expect(ops).toHaveLength(1);
    expect(ops[0]?.kind).toBe('removeWhere');
  });

  it('an `and` of value eq and type eq is a removeWhere', () => {
    const ops = members([{ op: 'remove', path: 'members[value eq "u1" and type eq "User"]' }]);
    expect(ops).toEqual([
      {
        kind: 'removeWhere',
        filter: {
          kind: 'and',
          left: { kind: 'compare', path: { attr: 'value' }, op: 'eq', value: 'u1' },
          right: { kind: 'compare', path: { attr: 'type' }, op: 'eq', value: 'User' },
        },
      },
    ]);
  });

  it('remove by value array (Entra default, JumpCloud) removes only those members, noting remove-by-value', () => {
    const r = run(group(), [{ op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }], 'Group');
    expect(r.memberOps).toEqual([{ kind: 'remove', ids: ['u1', 'u2'] }]);
    expect(r.notes).toEqual(['op-case', 'remove-by-value']);
  });

  it('remove by an empty value array removes nobody (never a wipe)', () => {
    expect(members([{ op: 'remove', path: 'members', value: [] }])).toEqual([{ kind: 'remove', ids: [] }]);
  });

  it('remove by bare id strings, noting member-as-string', () => {
    const r = run(group(), [{ op: 'remove', path: 'members', value: ['u1'] }], 'Group');
    expect(r.memberOps).toEqual([{ kind: 'remove', ids: ['u1'] }]);
    expect(r.notes).toEqual(['remove-by-value', 'member-as-string']);
  });

  it('remove "members" without a value or filter removes all members', () => {
    expect(members([{ op: 'remove', path: 'members' }])).toEqual([{ kind: 'removeAll' }]);
  });

  it('replace members (Okta full push) is removeAll then add', () => {
    expect(members([{ op: 'replace', path: 'members', value: [{ value: 'u1', display: 'Ann' }, { value: 'u2' }] }])).toEqual([
      { kind: 'removeAll' },
      { kind: 'add', members: [{ id: 'u1', display: 'Ann' }, { id: 'u2' }] },
    ]);
  });

  it('replace with a value filter removes the matched members, then adds', () => {
    expect(members([{ op: 'replace', path: 'members[value eq "u1"]', value: [{ value: 'u9' }] }])).toEqual([
      { kind: 'remove', ids: ['u1'] },
      { kind: 'add', members: [{ id: 'u9' }] },
    ]);
    const ops = members([{ op: 'replace', path: 'members[display eq "Ann"]', value: [{ value: 'u9' }] }]);
    expect(ops.map((o) => o.kind)).toEqual(['removeWhere', 'add']);
  });

  it('path-less add {members: [...]}', () => {
    expect(members([{ op: 'add', value: { members: [{ value: 'u1' }] } }])).toEqual([{ kind: 'add', members: [{ id: 'u1' }] }]);
  });

  it('path-less replace {displayName, members} renames and replaces the members', () => {
    const r = run(group(), [{ op: 'replace', value: { displayName: 'Ops', members: [{ value: 'u1' }] } }], 'Group');
    expect(r.doc.displayName).toBe('Ops');
    expect(r.doc).not.toHaveProperty('members');
    expect(r.memberOps).toEqual([{ kind: 'removeAll' }, { kind: 'add', members: [{ id: 'u1' }] }]);
  });

  it('Okta membership push `replace {id, displayName}`: id is ignored and noted, no member ops', () => {
    const r = run(group(), [{ op: 'replace', value: { id: 'g-1', displayName: 'Admins 2' } }], 'Group');
    expect(r.doc).toEqual({ ...group(), displayName: 'Admins 2' });
    expect(r.memberOps).toEqual([]);
    expect(r.notes).toEqual(['readonly-ignored']);
  });

  it('a sub-attribute of members cannot be changed: 400 mutability', () => {
    expectScimError(() => members([{ op: 'replace', path: 'members.display', value: 'x' }]), 400, 'mutability');
    expectScimError(() => members([{ op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }]), 400, 'mutability');
  });

  it.each<[string, unknown]>([
    ['a number', [42]],
    ['an object without value', [{ display: 'Ann' }]],
    ['a non-string value', [{ value: 7 }]],
  ])('a member that is %s is 400 invalidValue', (_, value) => {
    expectScimError(() => members([{ op: 'add', path: 'members', value }]), 400, 'invalidValue');
    expectScimError(() => members([{ op: 'remove', path: 'members', value }]), 400, 'invalidValue');
  });

  it('a PATCH whose later operation fails reports no member ops (it throws)', () => {
    expectScimError(
      () => members([{ op: 'add', path: 'members', value: [{ value: 'u1' }] }, { op: 'replace', path: 'id', value: 'g-2' }]),
      400,
      'mutability',
    );
  });
});

describe('memberRefs / memberIds', () => {
  it('memberRefs reads {value, display}, {value, displayName}, bare strings and null', () => {
    const notes = new Normalisations();
    expect(memberRefs([{ value: 'a', display: 'A' }, { value: 'b', displayName: 'B' }, 'c'], notes)).toEqual([
      { id: 'a', display: 'A' },
      { id: 'b', display: 'B' },
      { id: 'c' },
    ]);
    expect(notes.list()).toEqual(['member-as-string']);
    expect(memberRefs(null, new Normalisations())).toEqual([]);
    expect(memberRefs(undefined, new Normalisations())).toEqual([]);
  });

  it('memberIds reads ids only', () => {
    expect(memberIds([{ value: 'a', display: 'A' }, 'b'], new Normalisations())).toEqual(['a', 'b']);
    expect(memberIds({ value: 'a' }, new Normalisations())).toEqual(['a']);
    expectScimError(() => memberIds([{}], new Normalisations()), 400, 'invalidValue');
  });
});

describe('mutability (RFC 7643 §2.2, RFC 7644 §3.5.2)', () => {
  it.each([
    'id',
    'meta',
    'meta.lastModified',
    'groups',
    `${USER_SCHEMA}:id`,
    `${ENT}:manager.displayName`,
  ])('an explicit path to readOnly %s is 400 mutability', (path) => {
    expectScimError(() => run(user(), [{ op: 'replace', path, value: 'x' }]), 400, 'mutability');
  });

  it('an explicit remove of a readOnly attribute is 400 mutability', () => {
    expectScimError(() => run(user(), [{ op: 'remove', path: 'id' }]), 400, 'mutability');
    expectScimError(() => run(user(), [{ op: 'remove', path: 'groups' }]), 400, 'mutability');
  });

  it('path-less readOnly keys are ignored and noted readonly-ignored; the rest applies', () => {
    const r = run(user(), [
      { op: 'replace', value: { id: 'other', meta: { created: 'x' }, groups: [{ value: 'g' }], nickName: 'B' } },
    ]);
    expect(r.doc).toEqual({ ...user(), nickName: 'B' });
    expect(r.notes).toEqual(['readonly-ignored']);
  });

  it('externalId is a common attribute the client may write', () => {
    const r = run(user(), [{ op: 'replace', path: 'externalId', value: 'ext-2' }]);
    expect(r.doc.externalId).toBe('ext-2');
    const r2 = run(user(), [{ op: 'replace', value: { externalId: 'ext-3' } }]);
    expect(r2.doc.externalId).toBe('ext-3');
    expect(r2.notes).toEqual([]);
  });

  it('writeOnly password is accepted and never stored (explicit path or path-less, Okta password sync)', () => {
    const r = run(user(), [
      { op: 'replace', path: 'password', value: 'hunter2' },
      { op: 'replace', value: { password: 'hunter3' } },
      { op: 'add', path: 'password', value: 'hunter4' },
    ]);
    expect(r.doc).toEqual(user());
    expect(JSON.stringify(r.doc)).not.toContain('hunter');
    expect(r.notes).toEqual([]);
  });

  it('a readOnly sub-attribute inside a complex value is dropped (manager.displayName)', () => {
    const r = run(user(), [{ op: 'add', path: `${ENT}:manager`, value: { value: 'mgr-1', displayName: 'Boss' } }]);
    expect((r.doc[ENT] as Doc).manager).toEqual({ value: 'mgr-1' });
  });
});

describe('required attributes are checked after the PATCH', () => {
  it.each<[string, unknown]>([
    ['remove userName', { op: 'remove', path: 'userName' }],
    ['replace userName with ""', { op: 'replace', path: 'userName', value: '' }],
    ['replace userName with null', { op: 'replace', path: 'userName', value: null }],
    ['path-less replace with userName null', { op: 'replace', value: { userName: null } }],
  ])('%s is 400 invalidValue', (_, op) => {
    expectScimError(() => run(user(), [op]), 400, 'invalidValue');
  });

  it('a later operation may restore userName', () => {
    const r = run(user(), [
      { op: 'remove', path: 'userName' },
      { op: 'add', path: 'userName', value: 'barbara' },
    ]);
    expect(r.doc.userName).toBe('barbara');
  });

  it('a Group needs displayName', () => {
    expectScimError(() => run(group(), [{ op: 'remove', path: 'displayName' }], 'Group'), 400, 'invalidValue');
  });
});

describe('atomicity: PatchEngine.apply never mutates its input', () => {
  it('the input is unchanged after a successful PATCH', () => {
    const input = user();
    const r = run(input, [
      { op: 'replace', path: 'name.givenName', value: 'Barb' },
      { op: 'add', path: 'emails', value: [{ value: 'n@x.org', primary: true }] },
      { op: 'remove', path: `${ENT}:department` },
      { op: 'replace', path: 'emails[type eq "home"].value', value: 'h@x.org' },
    ]);
    expect(input).toEqual(user());
    expect(r.doc).not.toBe(input);
    expect(r.doc.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
  });

  it('the input is unchanged when a later operation throws', () => {
    const input = user();
    expectScimError(
      () =>
        run(input, [
          { op: 'replace', path: 'displayName', value: 'Changed' },
          { op: 'add', path: 'emails', value: [{ value: 'n@x.org', primary: true }] },
          { op: 'replace', path: 'emails[type eq "work"].value', value: 'w@x.org' },
          { op: 'remove', path: ENT },
          { op: 'replace', path: 'id', value: 'hijack' },
        ]),
      400,
      'mutability',
    );
    expect(input).toEqual(user());
  });

  it('the input is unchanged when the required check fails', () => {
    const input = user();
    expectScimError(() => run(input, [{ op: 'replace', path: 'nickName', value: 'B' }, { op: 'remove', path: 'userName' }]), 400, 'invalidValue');
    expect(input).toEqual(user());
  });

  it('works on a deeply frozen input', () => {
    const input = deepFreeze(user());
    const r = run(input, [
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'w@x.org' },
      { op: 'replace', path: 'name', value: { givenName: 'B' } },
      { op: 'add', path: `${ENT}:costCenter`, value: 'CC' },
    ]);
    expect((r.doc.emails as Doc[])[0]).toMatchObject({ value: 'w@x.org' });
    expect(input).toEqual(user());
  });
});

describe('type coercion (dialect normalisations)', () => {
  it.each<[unknown, boolean]>([
    ['False', false],
    ['True', true],
    ['false', false],
    ['TRUE', true],
  ])('active %j (Entra) becomes %j, noting boolean-string', (value, expected) => {
    const r = run(user(), [{ op: 'Replace', path: 'active', value }]);
    expect(r.doc.active).toBe(expected);
    expect(r.notes).toEqual(['op-case', 'boolean-string']);
  });

  it('Entra "Add" on active with "False" (rancher#54025)', () => {
    const r = run(user(), [{ op: 'Add', path: 'active', value: 'False' }]);
    expect(r.doc.active).toBe(false);
  });

  it('a JSON boolean is taken without a note', () => {
    const r = run(user(), [{ op: 'replace', path: 'active', value: false }]);
    expect(r.doc.active).toBe(false);
    expect(r.notes).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['"yes" for active', { op: 'replace', path: 'active', value: 'yes' }],
    ['1 for active', { op: 'replace', path: 'active', value: 1 }],
    ['an object for displayName', { op: 'replace', path: 'displayName', value: { x: 1 } }],
    ['a boolean for userName', { op: 'replace', path: 'userName', value: true }],
    ['a string for name', { op: 'replace', path: 'name', value: 'Barbara Jensen' }],
    ['a number for an email element', { op: 'add', path: 'emails', value: [5] }],
    ['an object for an email value', { op: 'replace', path: 'emails[type eq "work"].value', value: { v: 1 } }],
  ])('%s is 400 invalidValue', (_, op) => {
    expectScimError(() => run(user(), [op]), 400, 'invalidValue');
  });

  it('a number where the schema says string becomes a string, noting number-as-string', () => {
    const r = run(user(), [{ op: 'replace', path: `${ENT}:employeeNumber`, value: 1234 }]);
    expect((r.doc[ENT] as Doc).employeeNumber).toBe('1234');
    expect(r.notes).toEqual(['number-as-string']);
  });

  it('a boolean sub-attribute given as a string in a value (primary "True")', () => {
    const r = run(user(), [{ op: 'add', path: 'phoneNumbers', value: [{ value: '555', primary: 'True' }] }]);
    expect(r.doc.phoneNumbers).toEqual([{ value: '555', primary: true }]);
    expect(r.notes).toEqual(['boolean-string']);
  });

  it('a boolean sub-attribute given as a string through a value-filter path', () => {
    const r = run(user(), [{ op: 'replace', path: 'emails[type eq "home"].primary', value: 'False' }]);
    expect((r.doc.emails as Doc[])[1]).toEqual({ value: 'babs@jensen.org', type: 'home', primary: false });
    expect(r.notes).toEqual(['boolean-string']);
  });
});

describe('Entra manager as a bare string (SCIM-SDK#686, azure-docs#11784)', () => {
  it('Add with a string value becomes {value}, noting manager-string', () => {
    const r = run(user(), [{ op: 'Add', path: `${ENT}:manager`, value: 'mgr-1' }]);
    expect((r.doc[ENT] as Doc).manager).toEqual({ value: 'mgr-1' });
    expect(r.notes).toEqual(['op-case', 'manager-string']);
  });

  it('Replace with a string value changes the manager', () => {
    const doc = user();
    (doc[ENT] as Doc).manager = { value: 'mgr-1', $ref: '../Users/mgr-1' };
    const r = run(doc, [{ op: 'Replace', path: `${ENT}:manager`, value: 'mgr-2' }]);
    expect(((r.doc[ENT] as Doc).manager as Doc).value).toBe('mgr-2');
  });

  it('creates the enterprise extension (and its schemas entry) when the user had none', () => {
    const doc = user();
    delete doc[ENT];
    doc.schemas = [USER_SCHEMA];
    const r = run(doc, [{ op: 'add', path: `${ENT}:manager`, value: 'mgr-1' }]);
    expect(r.doc[ENT]).toEqual({ manager: { value: 'mgr-1' } });
    expect(r.doc.schemas).toEqual([USER_SCHEMA, ENT]);
  });

  it('the RFC shape {value} is taken without a note', () => {
    const r = run(user(), [{ op: 'add', path: `${ENT}:manager`, value: { value: 'mgr-1' } }]);
    expect((r.doc[ENT] as Doc).manager).toEqual({ value: 'mgr-1' });
    expect(r.notes).toEqual([]);
  });

  it('replace with "" and remove both clear the manager', () => {
    const doc = user();
    (doc[ENT] as Doc).manager = { value: 'mgr-1' };
    expect(run(doc, [{ op: 'replace', path: `${ENT}:manager`, value: '' }]).doc[ENT]).toEqual({ department: 'Tour Operations', employeeNumber: '701984' });
    expect(run(doc, [{ op: 'Remove', path: `${ENT}:manager` }]).doc[ENT]).toEqual({ department: 'Tour Operations', employeeNumber: '701984' });
  });

  it('a bare string for another complex attribute is still 400 invalidValue', () => {
    expectScimError(() => run(user(), [{ op: 'replace', path: 'name', value: 'Barbara' }]), 400, 'invalidValue');
  });
});

describe('unknown extension URNs (Entra/Okta custom attributes) are kept verbatim', () => {
  it('an attribute of an unknown extension is stored as sent and its URN appended to schemas', () => {
    const r = run(user(), [{ op: 'Add', path: `${CUSTOM}:costCode`, value: 'CC-9' }]);
    expect(r.doc[CUSTOM]).toEqual({ costCode: 'CC-9' });
    expect(r.doc.schemas).toEqual([USER_SCHEMA, ENT, CUSTOM]);
  });

  it('values of unknown extensions are not coerced', () => {
    const r = run(user(), [{ op: 'add', path: `${CUSTOM}:level`, value: 7 }]);
    expect(r.doc[CUSTOM]).toEqual({ level: 7 });
    expect(r.notes).toEqual([]);
  });

  it('the whole unknown extension: add merges, remove deletes, schemas follow', () => {
    const doc = { ...user(), schemas: [USER_SCHEMA, ENT, CUSTOM], [CUSTOM]: { a: '1' } };
    const r1 = run(doc, [{ op: 'add', path: CUSTOM, value: { b: '2' } }]);
    expect(r1.doc[CUSTOM]).toEqual({ a: '1', b: '2' });
    const r2 = run(doc, [{ op: 'remove', path: CUSTOM }]);
    expect(r2.doc).not.toHaveProperty(CUSTOM);
    expect(r2.doc.schemas).toEqual([USER_SCHEMA, ENT]);
  });

  it('the unknown URN is matched case-insensitively against the stored key', () => {
    const doc = { ...user(), schemas: [USER_SCHEMA, ENT, CUSTOM], [CUSTOM]: { a: '1' } };
    const r = run(doc, [{ op: 'replace', path: `${CUSTOM.toLowerCase()}:a`, value: '2' }]);
    expect(r.doc[CUSTOM]).toEqual({ a: '2' });
    expect(Object.keys(r.doc).filter((k) => k.toLowerCase() === CUSTOM.toLowerCase())).toEqual([CUSTOM]);
  });

  it('removing the last attribute of an unknown extension drops it from schemas', () => {
    const doc = { ...user(), schemas: [USER_SCHEMA, ENT, CUSTOM], [CUSTOM]: { a: '1' } };
    const r = run(doc, [{ op: 'remove', path: `${CUSTOM}:a` }]);
    expect(r.doc).not.toHaveProperty(CUSTOM);
    expect(r.doc.schemas).toEqual([USER_SCHEMA, ENT]);
  });

  it('path-less unknown URN keys (dotted and whole) are stored too', () => {
    const r = run(user(), [{ op: 'replace', value: { [`${CUSTOM}:costCode`]: 'CC-1', [CUSTOM2]: { x: 'y' } } }]);
    expect(r.doc[CUSTOM]).toEqual({ costCode: 'CC-1' });
    expect(r.doc[CUSTOM2]).toEqual({ x: 'y' });
    expect(r.doc.schemas).toEqual([USER_SCHEMA, ENT, CUSTOM, CUSTOM2]);
    expect(r.notes).toEqual(['pathless-dotted-keys']);
  });

  it('schemas keep their existing order; new extensions follow in the order they were added', () => {
    const doc: Doc = { ...user(), schemas: [USER_SCHEMA, CUSTOM2, ENT], [CUSTOM2]: { x: 'y' } };
    const r = run(doc, [{ op: 'add', path: `${CUSTOM}:a`, value: 'b' }]);
    expect(r.doc.schemas).toEqual([USER_SCHEMA, CUSTOM2, ENT, CUSTOM]);
  });
});

describe('Entra boolean strings inside value filters', () => {
  // Entra sends `roles[primary eq "True"].value` / `.display` (Microsoft Learn, "Customize application attributes"; pingidentity/scim2#239;
  // apache/directory-scimple#1213): the string "True" must match the boolean primary sub-attribute.
  it('Entra roles[primary eq "True"].value replaces the primary role instead of adding a second primary', () => {
    const doc = { ...user(), roles: [{ value: 'User', display: 'User', primary: true }] };
    const r = run(doc, [{ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Admin' }]);
    expect(r.doc.roles).toEqual([{ value: 'Admin', display: 'User', primary: true }]);
    expect(r.notes).toContain('boolean-string');
    expect(r.notes).not.toContain('replace-creates-value');
  });
});
