import { describe, expect, it } from 'vitest';
import { checkGraphUser, isWellFormedText, managerChangeOf, repairText } from '../../../src/sync/graph-user.js';

const link = (id: string, removed = false) => ({ '@odata.type': '#microsoft.graph.user', id, ...(removed ? { '@removed': { reason: 'deleted' } } : {}) });

describe('managerChangeOf', () => {
  it('reads absence as "unchanged" in a delta round and as "no manager" in a complete object', () => {
    expect(managerChangeOf({ id: 'u' }, false)).toEqual({ kind: 'unchanged' });
    expect(managerChangeOf({ id: 'u' }, true)).toEqual({ kind: 'removed' });
  });
  it('reads manager@delta links and removals, and an expanded manager', () => {
    expect(managerChangeOf({ 'manager@delta': [link('m2'), link('m1', true)] }, false)).toEqual({ kind: 'set', id: 'm2' });
    expect(managerChangeOf({ 'manager@delta': [link('m1', true)] }, false)).toEqual({ kind: 'removed' });
    expect(managerChangeOf({ manager: { id: 'm3' } }, true)).toEqual({ kind: 'set', id: 'm3' });
    expect(managerChangeOf({ manager: null }, false)).toEqual({ kind: 'removed' });
  });
  it('ignores a reference that is not well-formed text', () => {
    expect(managerChangeOf({ 'manager@delta': [link('m\ud800')] }, false)).toEqual({ kind: 'unchanged' });
  });
});

describe('text from Graph', () => {
  it('tells well-formed text, and repairs lone surrogates and NUL', () => {
    expect(isWellFormedText('Zoë 😀')).toBe(true);
    for (const bad of ['a\ud800', '\udfffb', 'x\u0000y', '😀'.slice(0, 1)]) expect(isWellFormedText(bad)).toBe(false);
    expect(repairText('a\ud800b\u0000c\udfff')).toBe('a\ufffdbc\ufffd');
  });
  it('refuses a user by its identity and repairs its descriptive properties', () => {
    expect(checkGraphUser({ id: 'u', userPrincipalName: 'e\udfff@x' }).refused).toMatch(/userPrincipalName/);
    expect(checkGraphUser({ id: 'u\u0000' }).refused).toMatch(/id/);
    const ext = { extensionAttribute1: 'ok', extensionAttribute2: 'b\u0000ad' };
    const r = checkGraphUser({ id: 'u', userPrincipalName: 'u@x', jobTitle: 'T\ud83d', businessPhones: ['1', '2\u0000'], onPremisesExtensionAttributes: ext });
    expect(r.refused).toBeUndefined();
    expect(r.repaired).toEqual(['jobTitle', 'businessPhones', 'onPremisesExtensionAttributes']);
    expect(r.user).toMatchObject({ jobTitle: 'T\ufffd', businessPhones: ['1', '2'], onPremisesExtensionAttributes: { extensionAttribute1: 'ok', extensionAttribute2: 'bad' } });
    expect(ext.extensionAttribute2).toBe('b\u0000ad'); // the input is not changed
    const clean = { id: 'u', userPrincipalName: 'u@x', displayName: 'Fine' };
    expect(checkGraphUser(clean)).toEqual({ user: clean, repaired: [] });
  });
});
