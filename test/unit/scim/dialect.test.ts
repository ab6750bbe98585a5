import { describe, expect, it } from 'vitest';
import { NORMALISATIONS, Normalisations, coerceBoolean, normaliseOp, type NormalisationId } from '../../../src/scim/dialect.js';

describe('normaliseOp (RFC 7644 §3.5.2)', () => {
  it.each(['add', 'replace', 'remove'] as const)('%s is taken as is, with no note', (op) => {
    const notes = new Normalisations();
    expect(normaliseOp(op, notes)).toBe(op);
    expect(notes.list()).toEqual([]);
  });

  it.each<[string, 'add' | 'replace' | 'remove']>([
    ['Add', 'add'],
    ['Replace', 'replace'],
    ['Remove', 'remove'],
    ['ADD', 'add'],
    ['rEpLaCe', 'replace'],
  ])('%s (Entra PascalCase) becomes %s, noting op-case', (op, expected) => {
    const notes = new Normalisations();
    expect(normaliseOp(op, notes)).toBe(expected);
    expect(notes.list()).toEqual(['op-case']);
  });

  it.each<[string, unknown]>([
    ['an unknown op', 'move'],
    ['an op with spaces', ' add'],
    ['an empty op', ''],
    ['a number', 1],
    ['null', null],
    ['undefined', undefined],
  ])('%s is undefined and noted nothing', (_, op) => {
    const notes = new Normalisations();
    expect(normaliseOp(op, notes)).toBeUndefined();
    expect(notes.list()).toEqual([]);
  });
});

describe('coerceBoolean (RFC 7643 §2.3.2)', () => {
  it.each([true, false])('%s is taken as is, with no note', (b) => {
    const notes = new Normalisations();
    expect(coerceBoolean(b, notes)).toBe(b);
    expect(notes.list()).toEqual([]);
  });

  it.each<[string, boolean]>([
    ['True', true],
    ['False', false],
    ['true', true],
    ['FALSE', false],
    [' True ', true],
  ])('%j (Entra) becomes %s, noting boolean-string', (s, expected) => {
    const notes = new Normalisations();
    expect(coerceBoolean(s, notes)).toBe(expected);
    expect(notes.list()).toEqual(['boolean-string']);
  });

  it.each<[string, unknown]>([
    ['"yes"', 'yes'],
    ['"1"', '1'],
    ['"" ', ''],
    ['1', 1],
    ['0', 0],
    ['null', null],
    ['an object', { value: true }],
  ])('%s is no boolean: undefined, nothing noted', (_, v) => {
    const notes = new Normalisations();
    expect(coerceBoolean(v, notes)).toBeUndefined();
    expect(notes.list()).toEqual([]);
  });
});

describe('Normalisations', () => {
  it('lists ids once each, in the order first met', () => {
    const n = new Normalisations();
    n.note('op-case');
    n.note('boolean-string');
    n.note('op-case');
    n.note('readonly-ignored');
    n.note('boolean-string');
    expect(n.list()).toEqual(['op-case', 'boolean-string', 'readonly-ignored']);
  });

  it('starts empty, and list() is a snapshot', () => {
    const n = new Normalisations();
    expect(n.list()).toEqual([]);
    const before = n.list();
    n.note('missing-schemas');
    expect(before).toEqual([]);
    expect(n.list()).toEqual(['missing-schemas']);
  });

  it('collects warnings in order, separately from the ids', () => {
    const n = new Normalisations();
    n.warn('member u9 is no user of this list');
    n.warn('second');
    expect(n.warnings).toEqual(['member u9 is no user of this list', 'second']);
    expect(n.list()).toEqual([]);
  });
});

describe('NORMALISATIONS catalogue', () => {
  const ids = Object.keys(NORMALISATIONS) as NormalisationId[];

  it('names an IdP and the RFC rule each normalisation departs from', () => {
    for (const id of ids) {
      const entry = NORMALISATIONS[id];
      expect(entry.idp.trim(), id).not.toBe('');
      expect(entry.rule, id).toMatch(/^RFC \d{4}/);
    }
  });

  it('ids are kebab-case', () => {
    for (const id of ids) expect(id).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
  });

  it('has every normalisation the SCIM core relies on', () => {
    expect(ids).toEqual(
      expect.arrayContaining<NormalisationId>([
        'op-case',
        'boolean-string',
        'pathless-dotted-keys',
        'remove-by-value',
        'manager-string',
        'extension-not-in-schemas',
        'unknown-schema-uri',
        'readonly-ignored',
        'single-as-array',
        'number-as-string',
        'multiple-primary',
        'replace-creates-value',
        'missing-schemas',
        'member-as-string',
      ]),
    );
  });
});
