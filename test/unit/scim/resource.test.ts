import { describe, expect, it } from 'vitest';
import { Normalisations, type NormalisationId } from '../../../src/scim/dialect.js';
import { ScimError, type ScimType } from '../../../src/scim/errors.js';
import { checkRequired, coerceValue, findKey, isObject, prepareResource, syncSchemas, withoutUnassigned, type Doc, type PreparedResource } from '../../../src/scim/resource.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, createDefaultRegistry, defineAttribute, type ResourceTypeId } from '../../../src/scim/schemas/index.js';

const registry = createDefaultRegistry();
const ENT = ENTERPRISE_USER_SCHEMA;
/** Entra custom extensions (Microsoft Learn, "Customize application attributes"): kept verbatim, their URNs often missing from `schemas`. */
const CUSTOM_A = 'urn:ietf:params:scim:schemas:extension:CustomA:2.0:User';
const CUSTOM_B = 'urn:ietf:params:scim:schemas:extension:CustomB:2.0:User';
/** Entra's extra group schema (Microsoft Learn, "Develop a SCIM endpoint", Create Group request). */
const MS_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

interface Prepared extends PreparedResource {
  readonly notes: readonly NormalisationId[];
}

function prepare(body: unknown, rt: ResourceTypeId = 'User'): Prepared {
  const notes = new Normalisations();
  const r = prepareResource(registry, rt, body, notes);
  return { ...r, notes: notes.list() };
}

function expectScimError(fn: () => unknown, status: number, scimType: ScimType): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ScimError);
  const e = caught as ScimError;
  expect({ status: e.status, scimType: e.scimType }).toEqual({ status, scimType });
}

describe('prepareResource: the body', () => {
  it.each<[string, unknown]>([
    ['an array', [{ userName: 'x' }]],
    ['a string', 'userName=x'],
    ['null', null],
  ])('rejects %s with 400 invalidSyntax', (_, body) => {
    expectScimError(() => prepare(body), 400, 'invalidSyntax');
  });

  it.each<[string, unknown]>([
    ['a string', USER_SCHEMA],
    ['an array with a non-string', [USER_SCHEMA, 7]],
  ])('rejects "schemas" that is %s with 400 invalidValue', (_, schemas) => {
    expectScimError(() => prepare({ schemas, userName: 'x' }), 400, 'invalidValue');
  });

  it('accepts a body without schemas, noting missing-schemas', () => {
    const r = prepare({ userName: 'bjensen' });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen' });
    expect(r.notes).toEqual(['missing-schemas']);
  });

  it('a conforming body passes through with no notes, schemas first', () => {
    const body = {
      schemas: [USER_SCHEMA],
      userName: 'bjensen',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      active: true,
      emails: [{ value: 'b@example.com', type: 'work', primary: true }],
    };
    const r = prepare(body);
    expect(r.doc).toEqual(body);
    expect(Object.keys(r.doc)[0]).toBe('schemas');
    expect(r.notes).toEqual([]);
    expect(r.members).toBeUndefined();
  });
});

describe('prepareResource: attribute names and unknown attributes', () => {
  it('matches names case-insensitively and stores the RFC casing (RFC 7643 §2.1)', () => {
    const r = prepare({ schemas: [USER_SCHEMA], USERNAME: 'bjensen', Name: { GIVENNAME: 'Barbara' }, EMAILS: [{ VALUE: 'b@x.org', Type: 'work' }] });
    expect(r.doc).toEqual({
      schemas: [USER_SCHEMA],
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'b@x.org', type: 'work' }],
    });
  });

  it('ignores unknown attributes and unknown sub-attributes', () => {
    const r = prepare({ schemas: [USER_SCHEMA], userName: 'bjensen', favouriteColour: 'red', name: { givenName: 'B', nickname: 'x' } });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen', name: { givenName: 'B' } });
    expect(r.notes).toEqual([]);
  });

  it('treats null as "no value"', () => {
    const r = prepare({ schemas: [USER_SCHEMA], userName: 'bjensen', displayName: null, name: { givenName: null }, emails: [null] });
    // emails: [null] holds no value: unassigned (RFC 7643 §2.5), not stored as [].
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen' });
  });

  it('stores no empty multi-valued attribute: [] is unassigned (RFC 7643 §2.5)', () => {
    const r = prepare({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], userName: 'bjensen', emails: [], phoneNumbers: [] });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen' });
  });

  it('withoutUnassigned leaves out empty arrays, in extensions too, and extensions left empty', () => {
    expect(withoutUnassigned({ userName: 'b', emails: [], x: [1], [ENTERPRISE_USER_SCHEMA]: { department: 'D', costCenter: [] }, 'urn:a:b': { c: [] } }))
      .toEqual({ userName: 'b', x: [1], [ENTERPRISE_USER_SCHEMA]: { department: 'D' } });
  });

  it('takes core attributes nested under the core URN', () => {
    const r = prepare({ schemas: [USER_SCHEMA], [USER_SCHEMA]: { userName: 'bjensen', displayName: 'Babs' } });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen', displayName: 'Babs' });
  });
});

describe('prepareResource: readOnly and writeOnly', () => {
  it('ignores id, meta and groups echoed by Okta (and notes readonly-ignored)', () => {
    const r = prepare({
      schemas: [USER_SCHEMA],
      id: 'spoofed',
      userName: 'bjensen',
      meta: { created: 'Tue Jan 02 2024', resourceType: 'User' },
      groups: [],
    });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen' });
    expect(r.notes).toEqual(['readonly-ignored']);
  });

  it('ignores OneLogin\'s "id": null, noted', () => {
    const r = prepare({ schemas: [USER_SCHEMA], id: null, userName: 'bjensen' });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen' });
    expect(r.notes).toEqual(['readonly-ignored']);
  });

  it('never stores the writeOnly password, and does not note it', () => {
    const r = prepare({ schemas: [USER_SCHEMA], userName: 'bjensen', password: 't1meMa$heen' });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen' });
    expect(JSON.stringify(r.doc)).not.toContain('t1meMa$heen');
    expect(r.notes).toEqual([]);
  });

  it('keeps externalId, the one writable common attribute', () => {
    const r = prepare({ schemas: [USER_SCHEMA], externalId: '00u1', userName: 'bjensen' });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen', externalId: '00u1' });
  });

  it('drops readOnly sub-attributes (manager.displayName)', () => {
    const r = prepare({ schemas: [USER_SCHEMA, ENT], userName: 'b', [ENT]: { manager: { value: 'm1', displayName: 'Boss' } } });
    expect(r.doc[ENT]).toEqual({ manager: { value: 'm1' } });
  });
});

describe('prepareResource: type coercion', () => {
  it('"True"/"False" for booleans become booleans, noting boolean-string (Entra)', () => {
    const r = prepare({ schemas: [USER_SCHEMA], userName: 'b', active: 'False', emails: [{ value: 'a@x.org', primary: 'True' }] });
    expect(r.doc.active).toBe(false);
    expect(r.doc.emails).toEqual([{ value: 'a@x.org', primary: true }]);
    expect(r.notes).toEqual(['boolean-string']);
  });

  it('a number where the schema says string becomes a string, noting number-as-string', () => {
    const r = prepare({ schemas: [USER_SCHEMA, ENT], userName: 'b', [ENT]: { employeeNumber: 1234 } });
    expect(r.doc[ENT]).toEqual({ employeeNumber: '1234' });
    expect(r.notes).toEqual(['number-as-string']);
  });

  it('a single value for a multi-valued attribute becomes an array, noting single-as-array', () => {
    const r = prepare({ schemas: [USER_SCHEMA], userName: 'b', emails: { value: 'a@x.org', type: 'work' } });
    expect(r.doc.emails).toEqual([{ value: 'a@x.org', type: 'work' }]);
    expect(r.notes).toEqual(['single-as-array']);
  });

  it('of several primary values the first keeps it, noting multiple-primary', () => {
    const r = prepare({
      schemas: [USER_SCHEMA],
      userName: 'b',
      phoneNumbers: [{ value: '1', primary: true }, { value: '2', primary: true }, { value: '3', primary: true }],
    });
    expect(r.doc.phoneNumbers).toEqual([{ value: '1', primary: true }, { value: '2', primary: false }, { value: '3', primary: false }]);
    expect(r.notes).toEqual(['multiple-primary']);
  });

  it('Entra manager as a bare string becomes {value}, noting manager-string', () => {
    const r = prepare({ schemas: [USER_SCHEMA, ENT], userName: 'b', [ENT]: { manager: 'mgr-1' } });
    expect(r.doc[ENT]).toEqual({ manager: { value: 'mgr-1' } });
    expect(r.notes).toEqual(['manager-string']);
  });

  it('Entra manager "" means no manager', () => {
    const r = prepare({ schemas: [USER_SCHEMA, ENT], userName: 'b', [ENT]: { manager: '', department: 'D' } });
    expect(r.doc[ENT]).toEqual({ department: 'D' });
  });

  it.each<[string, Doc]>([
    ['"yes" for active', { active: 'yes' }],
    ['0 for active', { active: 0 }],
    ['an object for displayName', { displayName: { a: 1 } }],
    ['a string for name', { name: 'Barbara Jensen' }],
    ['a number for an email', { emails: [5] }],
    ['an object for emails.value', { emails: [{ value: { a: 1 } }] }],
    ['an array for name.givenName', { name: { givenName: ['B'] } }],
  ])('%s is 400 invalidValue', (_, extra) => {
    expectScimError(() => prepare({ schemas: [USER_SCHEMA], userName: 'b', ...extra }), 400, 'invalidValue');
  });
});

describe('prepareResource: extensions', () => {
  it('canonicalises the enterprise extension and lists it after the core schema', () => {
    const r = prepare({ schemas: [USER_SCHEMA, ENT], userName: 'b', [ENT.toLowerCase()]: { DEPARTMENT: 'Sales', foo: 1 } });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA, ENT], userName: 'b', [ENT]: { department: 'Sales' } });
    expect(r.notes).toEqual([]);
  });

  it('an extension object whose URN is not in schemas is kept and listed, noting extension-not-in-schemas', () => {
    const r = prepare({ schemas: [USER_SCHEMA], userName: 'b', [ENT]: { department: 'Sales' } });
    expect(r.doc.schemas).toEqual([USER_SCHEMA, ENT]);
    expect(r.doc[ENT]).toEqual({ department: 'Sales' });
    expect(r.notes).toEqual(['extension-not-in-schemas']);
  });

  it('an extension with no value left is not listed in schemas', () => {
    const r = prepare({ schemas: [USER_SCHEMA, ENT], userName: 'b', [ENT]: { shoeSize: 9 } });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'b' });
  });

  it('an extension set to null is skipped', () => {
    const r = prepare({ schemas: [USER_SCHEMA, ENT], userName: 'b', [ENT]: null, [CUSTOM_A]: null });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'b' });
  });

  it.each([ENT, CUSTOM_A])('an extension %s that is not an object is 400 invalidValue', (urn) => {
    expectScimError(() => prepare({ schemas: [USER_SCHEMA], userName: 'b', [urn]: 'Sales' }), 400, 'invalidValue');
    expectScimError(() => prepare({ schemas: [USER_SCHEMA], userName: 'b', [urn]: ['Sales'] }), 400, 'invalidValue');
  });

  it('unknown extension URNs are kept verbatim (no coercion, no dropping)', () => {
    const custom = { costCode: 42, flags: ['a', 'b'], nested: { x: null } };
    const r = prepare({ schemas: [USER_SCHEMA, CUSTOM_A], userName: 'b', [CUSTOM_A]: custom });
    expect(r.doc[CUSTOM_A]).toEqual(custom);
    expect(r.doc.schemas).toEqual([USER_SCHEMA, CUSTOM_A]);
    expect(r.notes).toEqual([]);
  });

  it('Entra custom extension not in schemas is kept, listed and noted', () => {
    const r = prepare({ schemas: [USER_SCHEMA], userName: 'b', [CUSTOM_A]: { costCode: 'CC' } });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA, CUSTOM_A], userName: 'b', [CUSTOM_A]: { costCode: 'CC' } });
    expect(r.notes).toEqual(['extension-not-in-schemas']);
  });

  it('extensions are listed in the order declared in schemas, undeclared ones after', () => {
    const r = prepare({
      schemas: [USER_SCHEMA, CUSTOM_B, ENT],
      // body key order deliberately differs from the declared order
      [CUSTOM_A]: { a: 1 },
      [ENT]: { department: 'D' },
      userName: 'b',
      [CUSTOM_B]: { b: 2 },
    });
    expect(r.doc.schemas).toEqual([USER_SCHEMA, CUSTOM_B, ENT, CUSTOM_A]);
    expect(Object.keys(r.doc)).toEqual(['schemas', 'userName', CUSTOM_B, ENT, CUSTOM_A]);
    expect(r.notes).toEqual(['extension-not-in-schemas']);
  });

  it('declared order wins even when the core schema is not first', () => {
    const r = prepare({ schemas: [CUSTOM_A, ENT, USER_SCHEMA], userName: 'b', [ENT]: { division: 'X' }, [CUSTOM_A]: { a: 1 } });
    expect(r.doc.schemas).toEqual([USER_SCHEMA, CUSTOM_A, ENT]);
  });

  it('a schema URI with no object (Entra\'s ADSCIM Group schema) is accepted, dropped and noted unknown-schema-uri', () => {
    const r = prepare({ schemas: [GROUP_SCHEMA, MS_GROUP], displayName: 'Admins', externalId: 'e1' }, 'Group');
    expect(r.doc).toEqual({ schemas: [GROUP_SCHEMA], displayName: 'Admins', externalId: 'e1' });
    expect(r.notes).toEqual(['unknown-schema-uri']);
  });

  it('OneLogin urn:scim:schemas:… in schemas is accepted and noted', () => {
    const r = prepare({ schemas: ['urn:scim:schemas:core:1.0', USER_SCHEMA], userName: 'b' });
    expect(r.doc).toEqual({ schemas: [USER_SCHEMA], userName: 'b' });
    expect(r.notes).toEqual(['unknown-schema-uri']);
  });
});

describe('prepareResource: required attributes (RFC 7643 §2.2)', () => {
  it.each<[string, Doc]>([
    ['missing', {}],
    ['empty', { userName: '' }],
    ['null', { userName: null }],
  ])('userName %s is 400 invalidValue', (_, extra) => {
    expectScimError(() => prepare({ schemas: [USER_SCHEMA], name: { givenName: 'B' }, ...extra }), 400, 'invalidValue');
  });

  it('a Group needs displayName', () => {
    expectScimError(() => prepare({ schemas: [GROUP_SCHEMA], members: [] }, 'Group'), 400, 'invalidValue');
  });
});

describe('prepareResource: Group members', () => {
  it('returns members beside the document, never inside it', () => {
    const members = [{ value: 'u1', display: 'Ann' }, { value: 'u2', $ref: null }];
    const r = prepare({ schemas: [GROUP_SCHEMA], displayName: 'Admins', members }, 'Group');
    expect(r.doc).toEqual({ schemas: [GROUP_SCHEMA], displayName: 'Admins' });
    expect(r.members).toEqual(members);
  });

  it('Okta "members": [] is an empty list; null is an empty list; absent is undefined', () => {
    expect(prepare({ schemas: [GROUP_SCHEMA], displayName: 'G', members: [] }, 'Group').members).toEqual([]);
    expect(prepare({ schemas: [GROUP_SCHEMA], displayName: 'G', members: null }, 'Group').members).toEqual([]);
    expect(prepare({ schemas: [GROUP_SCHEMA], displayName: 'G' }, 'Group').members).toBeUndefined();
  });

  it('a single member object is a list of one; MEMBERS matches case-insensitively', () => {
    expect(prepare({ schemas: [GROUP_SCHEMA], displayName: 'G', MEMBERS: { value: 'u1' } }, 'Group').members).toEqual([{ value: 'u1' }]);
  });
});

describe('coerceValue', () => {
  const count = defineAttribute('count', 'integer', 'x');
  const ratio = defineAttribute('ratio', 'decimal', 'x');
  const when = defineAttribute('when', 'dateTime', 'x');

  it('integers and decimals, including numbers sent as strings (number-as-string)', () => {
    const notes = new Normalisations();
    expect(coerceValue(count, 12, 'count', notes)).toBe(12);
    expect(notes.list()).toEqual([]);
    expect(coerceValue(count, '12', 'count', notes)).toBe(12);
    expect(coerceValue(ratio, '1.5', 'ratio', notes)).toBe(1.5);
    expect(notes.list()).toEqual(['number-as-string']);
  });

  it.each<[string, unknown]>([
    ['a fraction for an integer', 1.5],
    ['a fractional string for an integer', '1.5'],
    ['a word', 'twelve'],
    ['an empty string', ''],
    ['a boolean', true],
    ['Infinity', Infinity],
  ])('%s is 400 invalidValue', (_, v) => {
    expectScimError(() => coerceValue(count, v, 'count', new Normalisations()), 400, 'invalidValue');
  });

  it('dateTime must parse', () => {
    expect(coerceValue(when, '2025-01-31T12:00:00Z', 'when', new Normalisations())).toBe('2025-01-31T12:00:00Z');
    expectScimError(() => coerceValue(when, 'yesterday', 'when', new Normalisations()), 400, 'invalidValue');
    expectScimError(() => coerceValue(when, 1700000000, 'when', new Normalisations()), 400, 'invalidValue');
  });

  it('null and undefined are "no value"', () => {
    expect(coerceValue(count, null, 'count', new Normalisations())).toBeUndefined();
    expect(coerceValue(count, undefined, 'count', new Normalisations())).toBeUndefined();
  });

  it('the error names the attribute', () => {
    let detail = '';
    try {
      coerceValue(count, 'x', 'urn:example:count', new Normalisations());
    } catch (e) {
      detail = (e as ScimError).detail;
    }
    expect(detail).toContain('urn:example:count');
  });
});

describe('checkRequired / syncSchemas / findKey / isObject', () => {
  it('checkRequired passes a User with userName and a Group with displayName', () => {
    expect(() => checkRequired(registry, 'User', { userName: 'b' })).not.toThrow();
    expect(() => checkRequired(registry, 'Group', { displayName: 'G' })).not.toThrow();
    expectScimError(() => checkRequired(registry, 'Group', { displayName: '' }), 400, 'invalidValue');
  });

  it('syncSchemas lists core first, keeps existing order, appends new extensions and drops empty ones', () => {
    const doc: Doc = {
      schemas: [CUSTOM_B, USER_SCHEMA, ENT, 'urn:gone:2.0:User'],
      userName: 'b',
      [ENT]: { department: 'D' },
      [CUSTOM_A]: { a: 1 },
      [CUSTOM_B]: { b: 1 },
      'urn:empty:2.0:User': {},
      'urn:scalar:2.0:User': 'x',
    };
    syncSchemas(registry, 'User', doc);
    expect(doc.schemas).toEqual([USER_SCHEMA, CUSTOM_B, ENT, CUSTOM_A]);
    expect(doc).not.toHaveProperty('urn:empty:2.0:User');
    expect(doc).not.toHaveProperty('urn:scalar:2.0:User');
  });

  it('findKey prefers the exact key, then a case-insensitive match', () => {
    expect(findKey({ userName: 1, USERNAME: 2 }, 'USERNAME')).toBe('USERNAME');
    expect(findKey({ userName: 1 }, 'username')).toBe('userName');
    expect(findKey({ userName: 1 }, 'nickName')).toBeUndefined();
  });

  it('isObject is true only for plain non-null, non-array objects', () => {
    expect(isObject({})).toBe(true);
    expect(isObject([])).toBe(false);
    expect(isObject(null)).toBe(false);
    expect(isObject('x')).toBe(false);
  });
});
