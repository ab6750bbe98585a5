import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTRIBUTES, FIELD_KEY, FIELD_TYPES, TRANSFORMS, defaultSchema, type UidChoice } from '../../../src/roster/fields.js';
import { parseSource } from '../../../src/roster/mapping.js';

const UIDS: ReadonlyArray<readonly [UidChoice, string]> = [
  ['employeeNumber', 'employee_number'],
  ['userName', 'username'],
  ['email', 'work_email'],
];

describe('defaultSchema', () => {
  it.each(UIDS)('uid %s: exactly 27 fields and 27 mapping entries', (uid) => {
    const { fields, mapping } = defaultSchema(uid);
    expect(fields).toHaveLength(27);
    expect(mapping).toHaveLength(27);
  });

  it.each(UIDS)('uid %s: field keys are unique and well formed', (uid) => {
    const { fields } = defaultSchema(uid);
    const keys = fields.map((f) => f.key);
    expect(new Set(keys).size).toBe(27);
    for (const k of keys) expect(k).toMatch(FIELD_KEY);
    expect(new Set(fields.map((f) => f.label)).size).toBe(27);
  });

  it.each(UIDS)('uid %s: exactly one field, %s, is unique and required', (uid, key) => {
    const { fields } = defaultSchema(uid);
    const unique = fields.filter((f) => f.unique);
    const required = fields.filter((f) => f.required);
    expect(unique.map((f) => f.key)).toEqual([key]);
    expect(required.map((f) => f.key)).toEqual([key]);
  });

  it.each(UIDS)('uid %s: every mapping entry copies into a field of the schema, one entry per field', (uid) => {
    const { fields, mapping } = defaultSchema(uid);
    const keys = new Set(fields.map((f) => f.key));
    for (const m of mapping) {
      expect(keys.has(m.field)).toBe(true);
      expect(m.transform).toBe('copy');
    }
    expect(new Set(mapping.map((m) => m.field)).size).toBe(27);
  });

  it.each(UIDS)('uid %s: every default mapping source parses', (uid) => {
    const { mapping } = defaultSchema(uid);
    for (const m of mapping) expect(() => parseSource(m.source), m.source).not.toThrow();
  });

  it('mapping sources are unique', () => {
    const { mapping } = defaultSchema('userName');
    expect(new Set(mapping.map((m) => m.source.toLowerCase())).size).toBe(27);
  });

  it('every field type is a known type, and the typed fields are the expected ones', () => {
    const { fields } = defaultSchema('userName');
    for (const f of fields) expect(FIELD_TYPES).toContain(f.type);
    const byKey = Object.fromEntries(fields.map((f) => [f.key, f.type]));
    expect(byKey).toMatchObject({
      work_email: 'email',
      other_email: 'email',
      work_phone: 'phone',
      mobile_phone: 'phone',
      manager: 'reference',
      active: 'boolean',
      first_name: 'text',
    });
  });

  it('maps the RFC 7643 attributes the docs promise', () => {
    const { mapping } = defaultSchema('employeeNumber');
    const src = Object.fromEntries(mapping.map((m) => [m.field, m.source]));
    expect(src).toMatchObject({
      username: 'userName',
      first_name: 'name.givenName',
      work_email: 'emails[type eq "work"].value',
      mobile_phone: 'phoneNumbers[type eq "mobile"].value',
      employee_number: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
      manager: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
      city: 'addresses[type eq "work"].locality',
      active: 'active',
    });
  });

  it('returns fresh arrays each time (callers may edit them)', () => {
    const a = defaultSchema('email'), b = defaultSchema('email');
    expect(a.fields).not.toBe(b.fields);
    expect(a).toEqual(b);
  });

  it('DEFAULT_ATTRIBUTES and the constants agree', () => {
    expect(DEFAULT_ATTRIBUTES).toHaveLength(27);
    expect(TRANSFORMS).toEqual(['copy', 'trim', 'lower', 'upper', 'template']);
    expect(FIELD_TYPES).toEqual(['text', 'number', 'email', 'phone', 'date', 'boolean', 'dropdown', 'reference']);
  });
});

describe('FIELD_KEY', () => {
  it.each(['a', 'first_name', 'x1', 'a'.repeat(63)])('%s is a key', (k) => expect(k).toMatch(FIELD_KEY));
  it.each(['', '1a', '_a', 'First', 'a-b', 'a b', 'a'.repeat(64)])('%j is no key', (k) => expect(k).not.toMatch(FIELD_KEY));
});
