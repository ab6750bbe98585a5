import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ScimError } from '../../../src/scim/errors.js';
import { mayReturn, parseAttributeList, project, type Projection } from '../../../src/scim/projection.js';
import type { Doc } from '../../../src/scim/resource.js';
import {
  ENTERPRISE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA_DEF,
  GROUP_RESOURCE_TYPE,
  GROUP_SCHEMA,
  GROUP_SCHEMA_DEF,
  SchemaRegistry,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
  USER_SCHEMA_DEF,
  createDefaultRegistry,
  defineAttribute,
  type ResourceTypeId,
} from '../../../src/scim/schemas/index.js';

const registry = createDefaultRegistry();
const ENT = ENTERPRISE_USER_SCHEMA;
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';

const user: Doc = Object.freeze({
  schemas: [USER_SCHEMA, ENT, CUSTOM],
  id: 'u-1',
  externalId: 'ext-1',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  password: 'never-returned',
  meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z', location: 'https://x/Users/u-1' },
  [ENT]: { department: 'Tour Operations', employeeNumber: '701984', manager: { value: 'm-1', $ref: '../Users/m-1' } },
  [CUSTOM]: { costCode: 'CC-1', level: 3 },
});

const group: Doc = Object.freeze({
  schemas: [GROUP_SCHEMA],
  id: 'g-1',
  displayName: 'Admins',
  members: [{ value: 'u-1', display: 'Babs' }],
  meta: { resourceType: 'Group' },
});

function view(attributes?: string, excludedAttributes?: string, doc: Doc = user, rt: ResourceTypeId = 'User', reg = registry): Doc {
  const p: Projection = {
    include: parseAttributeList(reg, rt, attributes),
    exclude: parseAttributeList(reg, rt, excludedAttributes),
  };
  return project(reg, rt, doc, p);
}

const withoutPassword = (d: Doc): Doc => {
  const { password: _password, ...rest } = d;
  return rest;
};

describe('parseAttributeList', () => {
  it('is undefined for an absent or blank parameter', () => {
    expect(parseAttributeList(registry, 'User', undefined)).toBeUndefined();
    expect(parseAttributeList(registry, 'User', '')).toBeUndefined();
    expect(parseAttributeList(registry, 'User', '  ')).toBeUndefined();
  });

  it('lower-cases names, qualifies them with the core URN, and skips empty items', () => {
    expect(parseAttributeList(registry, 'User', ' userName , NAME.GivenName,,')).toEqual([
      { uri: USER_SCHEMA.toLowerCase(), attr: 'username' },
      { uri: USER_SCHEMA.toLowerCase(), attr: 'name', sub: 'givenname' },
    ]);
  });

  it('treats emails[type eq "work"] (Microsoft suite) as emails', () => {
    expect(parseAttributeList(registry, 'User', 'emails[type eq "work"]')).toEqual([{ uri: USER_SCHEMA.toLowerCase(), attr: 'emails' }]);
    expect(parseAttributeList(registry, 'User', 'emails[type eq "work"].value')).toEqual([
      { uri: USER_SCHEMA.toLowerCase(), attr: 'emails', sub: 'value' },
    ]);
  });

  it('reads URN-qualified attributes, sub-attributes and whole extensions', () => {
    expect(parseAttributeList(registry, 'User', `${ENT}:department,${ENT}:manager.value,${ENT},${USER_SCHEMA}:userName`)).toEqual([
      { uri: ENT.toLowerCase(), attr: 'department' },
      { uri: ENT.toLowerCase(), attr: 'manager', sub: 'value' },
      { uri: ENT.toLowerCase(), attr: '' },
      { uri: USER_SCHEMA.toLowerCase(), attr: 'username' },
    ]);
  });

  it('uses the resource type\'s core schema', () => {
    expect(parseAttributeList(registry, 'Group', 'members')).toEqual([{ uri: GROUP_SCHEMA.toLowerCase(), attr: 'members' }]);
  });

  it.each(['user name', 'name.givenName.x', '1abc'])('rejects %j with 400 invalidValue', (raw) => {
    let caught: unknown;
    try {
      parseAttributeList(registry, 'User', raw);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ScimError);
    expect({ status: (caught as ScimError).status, scimType: (caught as ScimError).scimType }).toEqual({ status: 400, scimType: 'invalidValue' });
  });
});

describe('project: the returned characteristic (RFC 7643 §7)', () => {
  it('with no parameters returns every "default" attribute and never "never" ones (password)', () => {
    expect(view()).toEqual(withoutPassword(user));
  });

  it('"always" (id) is returned even when not asked for, and even when excluded', () => {
    expect(view('userName')).toEqual({ schemas: user.schemas, id: 'u-1', userName: 'bjensen' });
    expect(view(undefined, 'id')).toHaveProperty('id', 'u-1');
  });

  it('"never" (password) is not returned even when asked for', () => {
    expect(view('password,userName')).toEqual({ schemas: user.schemas, id: 'u-1', userName: 'bjensen' });
  });

  it('schemas is always returned', () => {
    expect(view('displayName').schemas).toEqual(user.schemas);
    expect(view(undefined, 'schemas').schemas).toEqual(user.schemas);
  });

  describe('"request"', () => {
    // No default attribute is returned "request"; add one to a registry of our own.
    const reg = new SchemaRegistry(
      [
        {
          ...USER_SCHEMA_DEF,
          attributes: [...USER_SCHEMA_DEF.attributes, defineAttribute('badgeSecret', 'string', 'x', { returned: 'request' })],
        },
        GROUP_SCHEMA_DEF,
        ENTERPRISE_USER_SCHEMA_DEF,
      ],
      [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE],
    );
    const doc: Doc = { schemas: [USER_SCHEMA], id: 'u-1', userName: 'b', badgeSecret: 's' };

    it('is not returned by default', () => {
      expect(view(undefined, undefined, doc, 'User', reg)).toEqual({ schemas: [USER_SCHEMA], id: 'u-1', userName: 'b' });
    });

    it('is not returned with only excludedAttributes', () => {
      expect(view(undefined, 'userName', doc, 'User', reg)).toEqual({ schemas: [USER_SCHEMA], id: 'u-1' });
    });

    it('is returned when named in attributes', () => {
      expect(view('badgeSecret', undefined, doc, 'User', reg)).toEqual({ schemas: [USER_SCHEMA], id: 'u-1', badgeSecret: 's' });
    });
  });
});

describe('project: attributes (RFC 7644 §3.4.2.5)', () => {
  it('names are case-insensitive', () => {
    expect(view('USERNAME,DisplayName')).toEqual({ schemas: user.schemas, id: 'u-1', userName: 'bjensen', displayName: 'Babs' });
  });

  it('a sub-attribute returns only that sub-attribute, of a complex and of a multi-valued attribute', () => {
    expect(view('name.givenName,emails.value')).toEqual({
      schemas: user.schemas,
      id: 'u-1',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
    });
  });

  it('several sub-attributes of one attribute are combined; the whole attribute wins over a sub-attribute', () => {
    expect(view('emails.value,emails.type').emails).toEqual([
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(view('name.givenName,name').name).toEqual(user.name);
  });

  it('emails[type eq "work"] returns emails (all values: the bracket is not a filter here)', () => {
    expect(view('emails[type eq "work"]')).toEqual({ schemas: user.schemas, id: 'u-1', emails: user.emails });
  });

  it('a core-URN-qualified attribute', () => {
    expect(view(`${USER_SCHEMA}:userName`)).toEqual({ schemas: user.schemas, id: 'u-1', userName: 'bjensen' });
  });

  it('externalId (a common attribute) by its plain or core-qualified name', () => {
    expect(view('externalId')).toEqual({ schemas: user.schemas, id: 'u-1', externalId: 'ext-1' });
    expect(view(`${USER_SCHEMA}:externalId`)).toEqual({ schemas: user.schemas, id: 'u-1', externalId: 'ext-1' });
  });

  it('meta sub-attributes', () => {
    expect(view('meta.created')).toEqual({ schemas: user.schemas, id: 'u-1', meta: { created: '2024-01-01T00:00:00Z' } });
  });

  it('a URN-qualified extension attribute returns only that one', () => {
    expect(view(`${ENT}:department`)).toEqual({ schemas: user.schemas, id: 'u-1', [ENT]: { department: 'Tour Operations' } });
  });

  it('a URN-qualified extension sub-attribute', () => {
    expect(view(`${ENT}:manager.value`)).toEqual({ schemas: user.schemas, id: 'u-1', [ENT]: { manager: { value: 'm-1' } } });
  });

  it('the extension URN is case-insensitive', () => {
    expect(view(`${ENT.toUpperCase()}:DEPARTMENT`)[ENT]).toEqual({ department: 'Tour Operations' });
  });

  it('a whole extension URN returns the whole extension', () => {
    expect(view(ENT)).toEqual({ schemas: user.schemas, id: 'u-1', [ENT]: user[ENT] });
  });

  it('an unqualified name does not select an extension attribute of the same name', () => {
    expect(view('department')).toEqual({ schemas: user.schemas, id: 'u-1' });
  });

  it('attributes of an unknown (custom) extension by their full URN', () => {
    expect(view(`${CUSTOM}:costCode`)).toEqual({ schemas: user.schemas, id: 'u-1', [CUSTOM]: { costCode: 'CC-1' } });
  });

  it('an extension with nothing selected is left out entirely', () => {
    const out = view('userName');
    expect(out).not.toHaveProperty(ENT);
    expect(out).not.toHaveProperty(CUSTOM);
  });

  it('attributes wins over excludedAttributes when both are given', () => {
    expect(view('userName', 'userName')).toEqual({ schemas: user.schemas, id: 'u-1', userName: 'bjensen' });
  });
});

describe('project: excludedAttributes (RFC 7644 §3.4.2.5)', () => {
  it('drops a top-level attribute', () => {
    const { emails: _emails, ...rest } = withoutPassword(user);
    expect(view(undefined, 'emails')).toEqual(rest);
  });

  it('drops a sub-attribute only', () => {
    expect(view(undefined, 'name.familyName').name).toEqual({ givenName: 'Barbara' });
    expect(view(undefined, 'emails.primary,emails.type').emails).toEqual([{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }]);
  });

  it('emails[type eq "work"] excludes emails', () => {
    expect(view(undefined, 'emails[type eq "work"]')).not.toHaveProperty('emails');
  });

  it('drops a URN-qualified extension attribute and keeps the rest of the extension', () => {
    expect(view(undefined, `${ENT}:department`)[ENT]).toEqual({ employeeNumber: '701984', manager: { value: 'm-1', $ref: '../Users/m-1' } });
  });

  it('drops a whole extension', () => {
    const out = view(undefined, ENT);
    expect(out).not.toHaveProperty(ENT);
    expect(out[CUSTOM]).toEqual(user[CUSTOM]);
    expect(out.userName).toBe('bjensen');
  });

  it('drops a custom extension attribute', () => {
    expect(view(undefined, `${CUSTOM}:costCode`)[CUSTOM]).toEqual({ level: 3 });
  });

  it('Entra queries groups with excludedAttributes=members', () => {
    expect(view(undefined, 'members', group, 'Group')).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      displayName: 'Admins',
      meta: { resourceType: 'Group' },
    });
  });

  it('a group with attributes=displayName still carries id', () => {
    expect(view('displayName', undefined, group, 'Group')).toEqual({ schemas: [GROUP_SCHEMA], id: 'g-1', displayName: 'Admins' });
  });

  it('does not mutate the resource', () => {
    const doc = structuredClone(user);
    view('name.givenName', undefined, doc);
    view(undefined, 'emails.type,name.familyName', doc);
    expect(doc).toEqual(user);
  });
});

describe('mayReturn', () => {
  const p = (attributes?: string, excluded?: string, rt: ResourceTypeId = 'Group'): Projection => ({
    include: parseAttributeList(registry, rt, attributes),
    exclude: parseAttributeList(registry, rt, excluded),
  });

  it('is true with no projection', () => {
    expect(mayReturn(p(), GROUP_SCHEMA, 'members')).toBe(true);
  });

  it('is false for members under excludedAttributes=members (Entra), true for others', () => {
    expect(mayReturn(p(undefined, 'members'), GROUP_SCHEMA, 'members')).toBe(false);
    expect(mayReturn(p(undefined, 'members'), GROUP_SCHEMA, 'displayName')).toBe(true);
  });

  it('is true when only a sub-attribute is excluded', () => {
    expect(mayReturn(p(undefined, 'members.display'), GROUP_SCHEMA, 'members')).toBe(true);
  });

  it('with attributes, is true only for the attributes named (or their sub-attributes)', () => {
    expect(mayReturn(p('displayName'), GROUP_SCHEMA, 'members')).toBe(false);
    expect(mayReturn(p('members.value'), GROUP_SCHEMA, 'members')).toBe(true);
    expect(mayReturn(p('MEMBERS'), GROUP_SCHEMA, 'members')).toBe(true);
    expect(mayReturn(p('members[value eq "u-1"]'), GROUP_SCHEMA, 'members')).toBe(true);
  });
});

describe('one projection over many resources (a page)', () => {
  it('answers each resource as a projection of its own would, whatever the attributes and the parameters', () => {
    const names = ['userName', 'displayName', 'name', 'emails', 'password', 'groups', 'title', 'externalId', 'id', 'meta', 'nickName', 'department', '__proto__', 'Custom'];
    const subs = ['givenName', 'familyName', 'value', 'type', 'primary'];
    const value = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom({ givenName: 'G', familyName: 'F' }, [{ value: 'a@x', type: 'work', primary: true }, { value: 'b@x' }]));
    const doc = fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 8 }).chain((core) =>
      fc.option(fc.dictionary(fc.constantFrom('employeeNumber', 'department', 'manager'), value, { maxKeys: 3 }), { nil: undefined })
        .map((ent) => ({ schemas: [USER_SCHEMA], ...core, ...(ent ? { [ENT]: ent } : {}) }) as Doc));
    const asked = names.filter((n) => n !== '__proto__'); // refused in a parameter (400), tested above
    const list = fc.option(fc.array(fc.oneof(fc.constantFrom(...asked, ENT, `${ENT}:department`), fc.tuple(fc.constantFrom('name', 'emails'), fc.constantFrom(...subs)).map(([a, b]) => `${a}.${b}`)), { minLength: 1, maxLength: 4 }).map((a) => a.join(',')), { nil: undefined });
    fc.assert(fc.property(fc.array(doc, { minLength: 1, maxLength: 6 }), list, list, (docs, attributes, excluded) => {
      const p: Projection = { include: parseAttributeList(registry, 'User', attributes), exclude: parseAttributeList(registry, 'User', excluded) };
      const memo = new Map();
      for (const d of docs) expect(project(registry, 'User', d, p, memo)).toEqual(project(registry, 'User', d, p));
    }), { numRuns: 300 });
  });
});
