import { describe, expect, it } from 'vitest';
import type { Filter } from '../../../../src/scim/filter/ast.js';
import { ScimError, invalidFilter } from '../../../../src/scim/errors.js';
import { parseAttrPath, parsePatchPath } from '../../../../src/scim/filter/parse-path.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const workType: Filter = { kind: 'compare', path: { attr: 'type' }, op: 'eq', value: 'work' };

function expectError(fn: () => unknown, scimType: 'invalidPath' | 'invalidFilter', detail?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ScimError);
  const err = caught as ScimError;
  expect(err.status).toBe(400);
  expect(err.scimType).toBe(scimType);
  if (detail) expect(err.detail).toMatch(detail);
}

describe('parsePatchPath', () => {
  it('parses attribute paths', () => {
    expect(parsePatchPath('userName')).toEqual({ attr: { attr: 'userName' } });
    expect(parsePatchPath('name.givenName')).toEqual({ attr: { attr: 'name', sub: 'givenName' } });
    expect(parsePatchPath(' active ')).toEqual({ attr: { attr: 'active' } });
    expect(parsePatchPath('members.$ref')).toEqual({ attr: { attr: 'members', sub: '$ref' } });
  });

  it('parses URN-qualified attribute paths', () => {
    expect(parsePatchPath(`${ENT}:manager.value`)).toEqual({ attr: { uri: ENT, attr: 'manager', sub: 'value' } });
    expect(parsePatchPath(`${ENT}:employeeNumber`)).toEqual({ attr: { uri: ENT, attr: 'employeeNumber' } });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User:costCode')).toEqual({
      attr: { uri: 'urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User', attr: 'costCode' },
    });
  });

  it('recognises whole extensions by the version heuristic', () => {
    expect(parsePatchPath(ENT)).toEqual({ extension: ENT });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User')).toEqual({
      extension: 'urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User',
    });
    expect(parsePatchPath('URN:acme:1:Thing')).toEqual({ extension: 'URN:acme:1:Thing' });
  });

  it('lets isSchemaUri decide', () => {
    const known = new Set(['urn:acme:scim:widgets', ENT.toLowerCase()]);
    const isSchemaUri = (uri: string): boolean => known.has(uri.toLowerCase());
    expect(parsePatchPath('urn:acme:scim:widgets', isSchemaUri)).toEqual({ extension: 'urn:acme:scim:widgets' });
    expect(parsePatchPath('URN:ACME:scim:Widgets', isSchemaUri)).toEqual({ extension: 'URN:ACME:scim:Widgets' });
    expect(parsePatchPath('urn:acme:scim:widgets:color', isSchemaUri)).toEqual({
      attr: { uri: 'urn:acme:scim:widgets', attr: 'color' },
    });
    // A known prefix wins over the version heuristic: `2.0:User` here is prefix + attribute.
    const odd = (uri: string): boolean => uri === 'urn:x:2.0';
    expect(parsePatchPath('urn:x:2.0:User', odd)).toEqual({ attr: { uri: 'urn:x:2.0', attr: 'User' } });
    expect(parsePatchPath(ENT, isSchemaUri)).toEqual({ extension: ENT });
  });

  it('parses value paths with and without a sub-attribute', () => {
    expect(parsePatchPath('emails[type eq "work"]')).toEqual({ attr: { attr: 'emails' }, filter: workType });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      attr: { attr: 'emails' },
      filter: workType,
      sub: 'value',
    });
    expect(parsePatchPath('members[value eq "2819c223"]')).toEqual({
      attr: { attr: 'members' },
      filter: { kind: 'compare', path: { attr: 'value' }, op: 'eq', value: '2819c223' },
    });
    expect(parsePatchPath('addresses[type Eq work and primary eq true].streetAddress')).toEqual({
      attr: { attr: 'addresses' },
      filter: {
        kind: 'and',
        left: workType,
        right: { kind: 'compare', path: { attr: 'primary' }, op: 'eq', value: true },
      },
      sub: 'streetAddress',
    });
    expect(parsePatchPath(`${ENT}:manager[value pr]`)).toEqual({
      attr: { uri: ENT, attr: 'manager' },
      filter: { kind: 'present', path: { attr: 'value' } },
    });
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['   ', /empty/],
    ['emails[type eq "work"', /expected '\]'/],
    ['emails[type eq "work"]x', /unexpected 'x'/],
    ['emails[type eq "work"].', /sub-attribute name/],
    ['emails[type eq "work"].value.x', /sub-attribute name.*'value\.x'/],
    ['emails[type eq ]', /missing value/],
    ['emails[]', /expected an attribute path/],
    ['emails[type eq "a" and ims[type pr]]', /nested/],
    ['name.givenName[value pr]', /sub-attribute/],
    ['a.b.c', /more than one sub-attribute/],
    ['user name', /unexpected character ' '/],
    ['1abc', /invalid attribute name/],
    ['emails x[type pr]', /unexpected ' '/],
  ])('rejects %j with invalidPath', (text, detail) => {
    expectError(() => parsePatchPath(text), 'invalidPath', detail);
  });

  it('never throws anything but a ScimError on garbage', () => {
    let seed = 0x1234567;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const words = ['emails', '[', ']', '.', 'value', ' eq ', '"w"', 'urn:a:2.0:User', ':', 'pr', ' and ', '(', ')', 'x', '$ref', '1'];
    for (let i = 0; i < 400; i++) {
      let text = '';
      for (let j = rand(12); j > 0; j--) text += words[rand(words.length)];
      try {
        parsePatchPath(text);
      } catch (e) {
        expect(e, JSON.stringify(text)).toBeInstanceOf(ScimError);
      }
    }
  });

  it('rejects paths longer than 4096 characters', () => {
    expectError(() => parsePatchPath('x'.repeat(5000)), 'invalidPath', /longer than 4096/);
  });
});

describe('parseAttrPath', () => {
  it('splits URN prefixes and sub-attributes', () => {
    expect(parseAttrPath('userName', invalidFilter)).toEqual({ attr: 'userName' });
    expect(parseAttrPath(' name.familyName ', invalidFilter)).toEqual({ attr: 'name', sub: 'familyName' });
    expect(parseAttrPath(`${ENT}:manager.displayName`, invalidFilter)).toEqual({
      uri: ENT,
      attr: 'manager',
      sub: 'displayName',
    });
  });

  it('throws the error the caller asks for', () => {
    expectError(() => parseAttrPath('a[b]', invalidFilter), 'invalidFilter', /unexpected character '\['/);
    expectError(() => parseAttrPath('', invalidFilter), 'invalidFilter', /empty/);
    expectError(() => parseAttrPath('a..b', (d) => new ScimError(400, 'invalidPath', d)), 'invalidPath');
  });
});
