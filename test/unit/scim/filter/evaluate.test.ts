import { describe, expect, it } from 'vitest';
import type { AttrPath } from '../../../../src/scim/filter/ast.js';
import { evaluateFilter } from '../../../../src/scim/filter/evaluate.js';
import { parseFilter } from '../../../../src/scim/filter/parse-filter.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const user: Readonly<Record<string, unknown>> = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
  id: '2819c223',
  userName: 'BJensen',
  active: true,
  loginCount: 7,
  title: '',
  nickName: null,
  name: { familyName: 'Jensen', givenName: 'Barbara' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [],
  meta: { created: '2015-10-10T14:38:21.8617979-07:00', resourceType: 'User' },
  [ENT]: { employeeNumber: '701984', manager: { value: '26118915', displayName: 'John Smith' } },
};

const matches = (filter: string, resource = user, caseExact?: (p: AttrPath) => boolean): boolean =>
  evaluateFilter(parseFilter(filter), resource, caseExact ? { caseExact } : {});

describe('evaluateFilter', () => {
  it.each<[string, boolean]>([
    ['userName eq "bjensen"', true],
    ['USERNAME eq "BJENSEN"', true],
    ['userName ne "bjensen"', false],
    ['userName ne "other"', true],
    ['userName co "JEN"', true],
    ['userName sw "bj"', true],
    ['userName ew "sen"', true],
    ['userName ew "bj"', false],
    ['userName gt "a"', true],
    ['userName lt "a"', false],
    ['userName ge "bjensen"', true],
    ['userName le "bjensen"', true],
    ['name.familyName eq Jensen', true],
    ['name.FAMILYNAME sw j', true],
    ['loginCount eq 7', true],
    ['loginCount gt 6.5', true],
    ['loginCount le 6', false],
    ['loginCount co 7', false],
    ['loginCount eq "7"', false],
    ['active eq true', true],
    ['active eq false', false],
    ['active ne false', true],
    ['active gt false', false],
    ['active eq "true"', false],
  ])('%s -> %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it('evaluates pr', () => {
    expect(matches('userName pr')).toBe(true);
    expect(matches('title pr')).toBe(false);
    expect(matches('nickName pr')).toBe(false);
    expect(matches('missing pr')).toBe(false);
    expect(matches('phoneNumbers pr')).toBe(false);
    expect(matches('emails pr')).toBe(true);
    expect(matches('name pr')).toBe(true);
    expect(evaluateFilter(parseFilter('x pr'), { x: {} })).toBe(false);
    expect(matches('emails.type pr')).toBe(true);
  });

  it('treats eq null as absent and ne null as present', () => {
    expect(matches('nickName eq null')).toBe(true);
    expect(matches('missing eq null')).toBe(true);
    expect(matches('userName eq null')).toBe(false);
    expect(matches('userName ne null')).toBe(true);
  });

  it('makes ne the negation of eq, also for absent attributes', () => {
    expect(matches('missing ne "x"')).toBe(true);
    expect(matches('emails.type ne "work"')).toBe(false);
    expect(matches('emails.type ne "other"')).toBe(true);
  });

  it('evaluates logic', () => {
    expect(matches('userName eq "x" or active eq true and loginCount gt 5')).toBe(true);
    expect(matches('(userName eq "x" or active eq true) and loginCount gt 50')).toBe(false);
    expect(matches('not (userName eq "x")')).toBe(true);
    expect(matches('not (userName pr)')).toBe(false);
  });

  it('matches multi-valued attributes when any value matches', () => {
    expect(matches('emails.value ew "jensen.org"')).toBe(true);
    expect(matches('emails.type eq "work"')).toBe(true);
    expect(matches('emails.type eq "other"')).toBe(false);
    // Without a sub-attribute, a complex multi-valued attribute compares its `value`.
    expect(matches('emails co "babs@"')).toBe(true);
    expect(matches('emails eq "work"')).toBe(false);
    expect(evaluateFilter(parseFilter('tags eq "b"'), { tags: ['a', 'B'] })).toBe(true);
  });

  it('evaluates value paths against the elements', () => {
    expect(matches('emails[type eq "work" and value co "@example.com"]')).toBe(true);
    expect(matches('emails[type eq "home" and value co "@example.com"]')).toBe(false);
    expect(matches('emails[type eq "work"].value eq "BJENSEN@example.com"')).toBe(true);
    expect(matches('emails[type eq "home"].primary pr')).toBe(false);
    expect(matches('name[familyName eq "jensen"]')).toBe(true);
    expect(matches('userName[value pr]')).toBe(false);
  });

  it('evaluates a PATCH value filter against a single element', () => {
    const filter = parseFilter('type eq "work"');
    const emails = user['emails'] as Record<string, unknown>[];
    expect(emails.map((e) => evaluateFilter(filter, e))).toEqual([true, false]);
  });

  it('looks up URN-qualified paths in the extension object, case-insensitively', () => {
    expect(matches(`${ENT}:employeeNumber eq "701984"`)).toBe(true);
    expect(matches(`${ENT.toUpperCase()}:EMPLOYEENUMBER eq 701984`)).toBe(false); // number vs string
    expect(matches(`${ENT.toLowerCase()}:employeeNumber sw "70"`)).toBe(true);
    expect(matches(`${ENT}:manager.value eq "26118915"`)).toBe(true);
    expect(matches(`${ENT}:manager.displayName co smith`)).toBe(true);
    expect(matches(`${ENT}:manager eq "26118915"`)).toBe(true);
    expect(matches(`${ENT}:costCenter pr`)).toBe(false);
    expect(matches('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen"')).toBe(true);
  });

  it('compares dateTimes as instants', () => {
    expect(matches('meta.created gt 2015-10-10T14:38:21.8617979-07:00')).toBe(false);
    expect(matches('meta.created eq "2015-10-10T21:38:21.861Z"')).toBe(true);
    expect(matches('meta.created gt "2015-10-10T21:00:00Z"')).toBe(true);
    expect(matches('meta.created lt "2015-10-11T00:00:00+01:00"')).toBe(true);
    expect(matches('meta.created ge "2015-10-10T21:38:21.862Z"')).toBe(false);
    expect(matches('meta.created sw "2015-10-10"')).toBe(true);
  });

  it('respects caseExact', () => {
    const exact = (p: AttrPath): boolean => p.attr.toLowerCase() === 'id' || p.sub === 'type';
    expect(matches('userName eq "bjensen"', user, exact)).toBe(true);
    expect(matches('id eq "2819C223"', user, exact)).toBe(false);
    expect(matches('id eq "2819c223"', user, exact)).toBe(true);
    const seen: AttrPath[] = [];
    const spy = (p: AttrPath): boolean => {
      seen.push(p);
      return exact(p);
    };
    expect(matches('emails[type eq "WORK"]', user, spy)).toBe(false);
    expect(seen[0]).toEqual({ attr: 'emails', sub: 'type' });
    expect(matches('emails[value eq "BJENSEN@EXAMPLE.COM"]', user, exact)).toBe(true);
  });

  it('is false for incompatible or missing values rather than throwing', () => {
    expect(matches('name eq "Jensen"')).toBe(false);
    expect(matches('missing.sub eq "x"')).toBe(false);
    expect(matches('userName.sub eq "x"')).toBe(false);
    expect(matches('userName gt 5')).toBe(false);
    expect(matches('active co "t"')).toBe(false);
  });
});
