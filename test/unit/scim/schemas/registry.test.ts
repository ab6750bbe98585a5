import { describe, expect, it } from 'vitest';
import { COMMON_ATTRIBUTES } from '../../../../src/scim/schemas/common-attributes.js';
import { createDefaultRegistry, SchemaRegistry } from '../../../../src/scim/schemas/registry.js';
import { USER_RESOURCE_TYPE } from '../../../../src/scim/schemas/resource-types.js';
import type { AttributeDef } from '../../../../src/scim/schemas/types.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../../../src/scim/schemas/urns.js';

const reg = createDefaultRegistry();

function walk(attrs: readonly AttributeDef[], visit: (a: AttributeDef) => void): void {
  for (const a of attrs) {
    visit(a);
    if (a.subAttributes) walk(a.subAttributes, visit);
  }
}

describe('core User schema (RFC 7643 §8.7.1)', () => {
  const user = reg.coreSchemaFor('User');

  it('has the 21 top-level attributes of §8.7.1, in order', () => {
    expect(user.attributes.map((a) => a.name)).toEqual([
      'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType',
      'preferredLanguage', 'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers',
      'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates',
    ]);
  });

  it('userName is required, server-unique, case-insensitive', () => {
    const r = reg.resolve('User', { attr: 'username' });
    expect(r?.def).toMatchObject({ name: 'userName', required: true, uniqueness: 'server', caseExact: false });
    expect(r?.schema).toBe(USER_SCHEMA);
  });

  it('password is writeOnly and never returned', () => {
    expect(reg.resolve('User', { attr: 'PASSWORD' })?.def).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
  });

  it('groups and all its sub-attributes are readOnly', () => {
    const groups = reg.resolve('User', { attr: 'groups' })?.def;
    expect(groups?.mutability).toBe('readOnly');
    expect(groups?.subAttributes?.map((s) => s.name)).toEqual(['value', '$ref', 'display', 'type']);
    expect(groups?.subAttributes?.every((s) => s.mutability === 'readOnly')).toBe(true);
  });

  it('name has the six §4.1.1 sub-attributes', () => {
    expect(reg.resolve('User', { attr: 'name' })?.def.subAttributes?.map((s) => s.name)).toEqual([
      'formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix',
    ]);
  });

  it('multi-valued attributes carry their canonical types', () => {
    const canon = (attr: string): readonly string[] | undefined =>
      reg.resolve('User', { attr, sub: 'type' })?.subDef?.canonicalValues;
    expect(canon('emails')).toEqual(['work', 'home', 'other']);
    expect(canon('phoneNumbers')).toEqual(['work', 'home', 'mobile', 'fax', 'pager', 'other']);
    expect(canon('ims')).toEqual(['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']);
    expect(canon('photos')).toEqual(['photo', 'thumbnail']);
    expect(canon('addresses')).toEqual(['work', 'home', 'other']);
    expect(canon('groups')).toEqual(['direct', 'indirect']);
    for (const a of ['emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates']) {
      expect(reg.resolve('User', { attr: a })?.def).toMatchObject({ type: 'complex', multiValued: true });
    }
  });

  it('typed values: active boolean, photos.value external reference, x509 binary', () => {
    expect(reg.resolve('User', { attr: 'active' })?.def.type).toBe('boolean');
    expect(reg.resolve('User', { attr: 'photos', sub: 'value' })?.subDef).toMatchObject({ type: 'reference', referenceTypes: ['external'] });
    expect(reg.resolve('User', { attr: 'x509Certificates', sub: 'value' })?.subDef?.type).toBe('binary');
    expect(reg.resolve('User', { attr: 'profileUrl' })?.def.referenceTypes).toEqual(['external']);
  });

  it('only complex attributes have sub-attributes', () => {
    walk(user.attributes, (a) => expect(a.subAttributes !== undefined).toBe(a.type === 'complex'));
  });
});

describe('Group and Enterprise User schemas', () => {
  it('Group: displayName required, members immutable with User/Group type', () => {
    expect(reg.resolve('Group', { attr: 'displayname' })?.def.required).toBe(true);
    const members = reg.resolve('Group', { attr: 'members' })?.def;
    expect(members?.multiValued).toBe(true);
    expect(members?.subAttributes?.every((s) => s.mutability === 'immutable')).toBe(true);
    expect(reg.resolve('Group', { attr: 'members', sub: 'TYPE' })?.subDef?.canonicalValues).toEqual(['User', 'Group']);
    expect(reg.resolve('Group', { attr: 'members', sub: '$REF' })?.subDef?.referenceTypes).toEqual(['User', 'Group']);
  });

  it('Enterprise User: five strings and manager', () => {
    expect(reg.getSchema(ENTERPRISE_USER_SCHEMA)?.attributes.map((a) => a.name)).toEqual([
      'employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager',
    ]);
    expect(reg.resolve('User', { uri: ENTERPRISE_USER_SCHEMA, attr: 'manager', sub: 'displayName' })?.subDef?.mutability).toBe('readOnly');
  });
});

describe('SchemaRegistry.resolve', () => {
  it('is case-insensitive and returns RFC casing', () => {
    const r = reg.resolve('User', { attr: 'NAME', sub: 'GIVENNAME' });
    expect(r?.canonicalName).toBe('name.givenName');
    expect(r?.subDef?.name).toBe('givenName');
    expect(reg.resolve('User', { attr: 'emails', sub: 'Value' })?.canonicalName).toBe('emails.value');
  });

  it('resolves URN-qualified extension paths', () => {
    const r = reg.resolve('User', { uri: ENTERPRISE_USER_SCHEMA, attr: 'manager', sub: 'value' });
    expect(r?.schema).toBe(ENTERPRISE_USER_SCHEMA);
    expect(r?.canonicalName).toBe('manager.value');
    expect(r?.def.name).toBe('manager');
    expect(reg.resolve('User', { uri: ENTERPRISE_USER_SCHEMA.toUpperCase(), attr: 'EMPLOYEENUMBER' })?.def.name).toBe('employeeNumber');
  });

  it('resolves URN-qualified core paths, including common attributes', () => {
    expect(reg.resolve('User', { uri: USER_SCHEMA, attr: 'userName' })?.schema).toBe(USER_SCHEMA);
    expect(reg.resolve('User', { uri: USER_SCHEMA, attr: 'externalId' })?.schema).toBe('common');
  });

  it('falls back to extensions for unqualified names', () => {
    expect(reg.resolve('User', { attr: 'department' })?.schema).toBe(ENTERPRISE_USER_SCHEMA);
  });

  it('resolves common attributes first', () => {
    const id = reg.resolve('Group', { attr: 'ID' });
    expect(id?.schema).toBe('common');
    expect(id?.def).toMatchObject({ mutability: 'readOnly', returned: 'always', caseExact: true, uniqueness: 'server' });
    expect(reg.resolve('User', { attr: 'meta', sub: 'LASTMODIFIED' })?.canonicalName).toBe('meta.lastModified');
    expect(reg.resolve('User', { attr: 'displayName' })?.schema).toBe(USER_SCHEMA);
  });

  it('returns undefined for unknown attributes, sub-attributes and schemas', () => {
    expect(reg.resolve('User', { attr: 'nope' })).toBeUndefined();
    expect(reg.resolve('User', { attr: 'name', sub: 'nope' })).toBeUndefined();
    expect(reg.resolve('User', { attr: 'userName', sub: 'value' })).toBeUndefined();
    expect(reg.resolve('User', { uri: ENTERPRISE_USER_SCHEMA, attr: 'userName' })).toBeUndefined();
    expect(reg.resolve('User', { uri: ENTERPRISE_USER_SCHEMA, attr: 'id' })).toBeUndefined();
    expect(reg.resolve('User', { uri: GROUP_SCHEMA, attr: 'displayName' })).toBeUndefined();
    expect(reg.resolve('Group', { uri: ENTERPRISE_USER_SCHEMA, attr: 'manager' })).toBeUndefined();
    expect(reg.resolve('Group', { uri: 'urn:example:unknown', attr: 'displayName' })).toBeUndefined();
    expect(reg.resolve('Group', { attr: 'department' })).toBeUndefined();
  });
});

describe('SchemaRegistry', () => {
  it('getSchema / isSchemaUri are case-insensitive', () => {
    expect(reg.getSchema(USER_SCHEMA.toLowerCase())?.id).toBe(USER_SCHEMA);
    expect(reg.isSchemaUri(ENTERPRISE_USER_SCHEMA.toUpperCase())).toBe(true);
    expect(reg.isSchemaUri('urn:example:nope')).toBe(false);
    expect(reg.all().map((s) => s.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });

  it('knows resource types and their extensions', () => {
    expect(reg.coreSchemaFor('Group').id).toBe(GROUP_SCHEMA);
    expect(reg.extensionsFor('User').map((e) => [e.schema.id, e.required])).toEqual([[ENTERPRISE_USER_SCHEMA, false]]);
    expect(reg.extensionsFor('Group')).toEqual([]);
    expect(reg.schemaUrisFor('User')).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });

  it('instances are independent and validate their inputs', () => {
    const groupsOnly = new SchemaRegistry([reg.coreSchemaFor('Group')], []);
    expect(groupsOnly.resolve('Group', { attr: 'displayName' })).toBeUndefined();
    expect(groupsOnly.all()).toHaveLength(1);
    expect(() => new SchemaRegistry([], [USER_RESOURCE_TYPE])).toThrow(TypeError);
  });

  it('common attributes are id, externalId, meta', () => {
    expect(COMMON_ATTRIBUTES.map((a) => a.name)).toEqual(['id', 'externalId', 'meta']);
    expect(reg.resolve('User', { attr: 'meta', sub: 'location' })?.subDef?.referenceTypes).toEqual(['uri']);
  });
});
