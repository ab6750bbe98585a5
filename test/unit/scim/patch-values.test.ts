/** PATCH value rules found in review: duplicates, a single primary, manager however addressed. */
import { describe, expect, it } from 'vitest';
import { Normalisations } from '../../../src/scim/dialect.js';
import { PatchEngine } from '../../../src/scim/patch.js';
import { mayReturn, parseAttributeList } from '../../../src/scim/projection.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, createDefaultRegistry } from '../../../src/scim/schemas/index.js';

const registry = createDefaultRegistry();
const apply = (doc: Record<string, unknown>, ...ops: Record<string, unknown>[]) =>
  PatchEngine.apply(registry, 'User', doc, { schemas: [PATCH_OP], Operations: ops }, new Normalisations()).doc;
const base = () => ({
  schemas: [USER_SCHEMA], userName: 'u',
  emails: [{ value: 'w@x', type: 'work', primary: true }, { value: 'h@x', type: 'home' }],
});

describe('PATCH value rules', () => {
  it('adding a value already present is no change, whatever its key order (RFC 7644 §3.5.2.1)', () => {
    const doc = apply(base(), { op: 'add', path: 'emails', value: [{ type: 'home', value: 'h@x' }, { primary: true, type: 'work', value: 'w@x' }] });
    expect(doc.emails).toEqual(base().emails);
    const twice = apply(base(), { op: 'add', path: 'emails', value: [{ value: 'n@x' }, { value: 'n@x' }] });
    expect(twice.emails).toHaveLength(3);
  });

  it('making a value primary takes primary from the others (RFC 7643 §2.4)', () => {
    const viaFilter = apply(base(), { op: 'replace', path: 'emails[type eq "home"].primary', value: true });
    expect(viaFilter.emails).toEqual([{ value: 'w@x', type: 'work' }, { value: 'h@x', type: 'home', primary: true }]);
    const viaAdd = apply(base(), { op: 'add', path: 'emails', value: [{ value: 'n@x', type: 'other', primary: true }] });
    expect((viaAdd.emails as { primary?: boolean }[]).filter((e) => e.primary)).toHaveLength(1);
  });

  it('Entra\'s bare-string manager works with the full URN path and with a path-less URN key', () => {
    const a = apply(base(), { op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: 'm1' });
    expect(a[ENTERPRISE_USER_SCHEMA]).toEqual({ manager: { value: 'm1' } });
    const b = apply(base(), { op: 'replace', value: { [ENTERPRISE_USER_SCHEMA]: { manager: 'm2' } } });
    expect(b[ENTERPRISE_USER_SCHEMA]).toEqual({ manager: { value: 'm2' } });
  });
});

describe('projection: mayReturn agrees with project', () => {
  it('attributes naming the whole core schema may return members', () => {
    const include = parseAttributeList(registry, 'Group', GROUP_SCHEMA);
    expect(mayReturn({ include }, GROUP_SCHEMA, 'members')).toBe(true);
    expect(mayReturn({ include: parseAttributeList(registry, 'Group', 'displayName') }, GROUP_SCHEMA, 'members')).toBe(false);
    expect(mayReturn({ exclude: parseAttributeList(registry, 'Group', 'members') }, GROUP_SCHEMA, 'members')).toBe(false);
  });
});
