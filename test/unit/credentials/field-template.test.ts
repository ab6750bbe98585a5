import { describe, expect, it } from 'vitest';
import { fillTemplate, placeholders } from '../../../src/credentials/field-template.js';

describe('field templates', () => {
  it('fills fields, and renders missing or null values as nothing, never "undefined"', () => {
    const values = { first_name: 'Łukasz', last_name: 'Żółć', middle_name: null, floor: 3, active: true };
    expect(fillTemplate('{first_name} {last_name}', values)).toBe('Łukasz Żółć');
    expect(fillTemplate('{first_name} {middle_name}{nickname}', values)).toBe('Łukasz ');
    expect(fillTemplate('Floor {floor}, active: {active}', values)).toBe('Floor 3, active: Yes');
    expect(fillTemplate('{ first_name }', values)).toBe('Łukasz');
    expect(fillTemplate('{obj}{arr}{nan}', { obj: { a: 1 }, arr: [1], nan: Number.NaN })).toBe('');
    expect(fillTemplate('Plain text', values)).toBe('Plain text');
  });

  it('lists placeholders and notices stray braces', () => {
    expect(placeholders('{a} and {b}{a}')).toEqual({ names: ['a', 'b', 'a'], unmatchedBrace: false });
    expect(placeholders('x {a')).toEqual({ names: [], unmatchedBrace: true });
    expect(placeholders('}{a}')).toEqual({ names: ['a'], unmatchedBrace: true });
  });
});
