import { describe, expect, it } from 'vitest';
import type { AttrPath, CompValue, CompareOp, Filter } from '../../../../src/scim/filter/ast.js';
import { ScimError } from '../../../../src/scim/errors.js';
import { parseFilter } from '../../../../src/scim/filter/parse-filter.js';

const cmp = (path: AttrPath, op: CompareOp, value: CompValue): Filter => ({ kind: 'compare', path, op, value });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const pr = (path: AttrPath): Filter => ({ kind: 'present', path });
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function expectInvalid(text: string, detail?: RegExp): ScimError {
  let caught: unknown;
  try {
    parseFilter(text);
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${JSON.stringify(text)} to fail`).toBeInstanceOf(ScimError);
  const err = caught as ScimError;
  expect(err.status).toBe(400);
  expect(err.scimType).toBe('invalidFilter');
  if (detail) expect(err.detail).toMatch(detail);
  return err;
}

describe('parseFilter: comparisons', () => {
  it.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'] as const)('parses %s', (op) => {
    expect(parseFilter(`userName ${op} "bjensen"`)).toEqual(cmp({ attr: 'userName' }, op, 'bjensen'));
  });

  it('parses pr', () => {
    expect(parseFilter('title pr')).toEqual(pr({ attr: 'title' }));
  });

  it('accepts operators and keywords in any case', () => {
    expect(parseFilter('username Eq "x"')).toEqual(cmp({ attr: 'username' }, 'eq', 'x'));
    expect(parseFilter('a EQ 1 AND b Pr OR NOT (c ne TRUE)')).toEqual(
      or(and(cmp({ attr: 'a' }, 'eq', 1), pr({ attr: 'b' })), not(cmp({ attr: 'c' }, 'ne', true))),
    );
  });

  it('parses value literals', () => {
    expect(parseFilter('a eq true')).toEqual(cmp({ attr: 'a' }, 'eq', true));
    expect(parseFilter('a eq False')).toEqual(cmp({ attr: 'a' }, 'eq', false));
    expect(parseFilter('a eq NULL')).toEqual(cmp({ attr: 'a' }, 'eq', null));
    expect(parseFilter('a gt 42')).toEqual(cmp({ attr: 'a' }, 'gt', 42));
    expect(parseFilter('a gt -4.5')).toEqual(cmp({ attr: 'a' }, 'gt', -4.5));
    expect(parseFilter('a lt 1.5e3')).toEqual(cmp({ attr: 'a' }, 'lt', 1500));
    expect(parseFilter('a lt 2E-2')).toEqual(cmp({ attr: 'a' }, 'lt', 0.02));
    expect(parseFilter('a eq "true"')).toEqual(cmp({ attr: 'a' }, 'eq', 'true'));
    expect(parseFilter('a eq ""')).toEqual(cmp({ attr: 'a' }, 'eq', ''));
  });

  it('decodes JSON escapes in strings', () => {
    expect(parseFilter(String.raw`a eq "say \"hi\" \\ \/ \n\t \u00e9\u263A"`)).toEqual(
      cmp({ attr: 'a' }, 'eq', 'say "hi" \\ / \n\t é☺'),
    );
    expect(parseFilter('a eq "x ) ] and b"')).toEqual(cmp({ attr: 'a' }, 'eq', 'x ) ] and b'));
  });

  it('ignores leading, trailing and repeated whitespace (spaces and tabs)', () => {
    expect(parseFilter('  \tuserName \t eq   "x"  ')).toEqual(cmp({ attr: 'userName' }, 'eq', 'x'));
  });
});

describe('parseFilter: Microsoft bare values', () => {
  it.each<[string, Filter]>([
    ['name.FamilyName eq Employee', cmp({ attr: 'name', sub: 'FamilyName' }, 'eq', 'Employee')],
    ['emails.Value co example.com', cmp({ attr: 'emails', sub: 'Value' }, 'co', 'example.com')],
    ['userName sw O', cmp({ attr: 'userName' }, 'sw', 'O')],
    [
      'meta.Created gt 2015-10-10T14:38:21.8617979-07:00',
      cmp({ attr: 'meta', sub: 'Created' }, 'gt', '2015-10-10T14:38:21.8617979-07:00'),
    ],
    ['externalId eq 12345', cmp({ attr: 'externalId' }, 'eq', 12345)],
    ['a eq 1.2.3', cmp({ attr: 'a' }, 'eq', '1.2.3')],
    ['a eq trueish', cmp({ attr: 'a' }, 'eq', 'trueish')],
  ])('%s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it('ends a bare value at ) and ]', () => {
    expect(parseFilter('(a eq x)')).toEqual(cmp({ attr: 'a' }, 'eq', 'x'));
    expect(parseFilter('emails[value co x.com]')).toEqual({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: cmp({ attr: 'value' }, 'co', 'x.com'),
    });
  });
});

describe('parseFilter: logic', () => {
  const a = cmp({ attr: 'a' }, 'eq', 1);
  const b = cmp({ attr: 'b' }, 'eq', 2);
  const c = cmp({ attr: 'c' }, 'eq', 3);

  it('gives and precedence over or', () => {
    expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toEqual(or(a, and(b, c)));
    expect(parseFilter('a eq 1 and b eq 2 or c eq 3')).toEqual(or(and(a, b), c));
  });

  it('is left-associative', () => {
    expect(parseFilter('a eq 1 or b eq 2 or c eq 3')).toEqual(or(or(a, b), c));
    expect(parseFilter('a eq 1 and b eq 2 and c eq 3')).toEqual(and(and(a, b), c));
  });

  it('groups with parentheses', () => {
    expect(parseFilter('(a eq 1 or b eq 2) and c eq 3')).toEqual(and(or(a, b), c));
    expect(parseFilter('((a eq 1))')).toEqual(a);
    expect(parseFilter('a eq 1 and(b eq 2)')).toEqual(and(a, b));
  });

  it('parses not, which binds tighter than and', () => {
    expect(parseFilter('not (a eq 1)')).toEqual(not(a));
    expect(parseFilter('not(a eq 1) and b eq 2')).toEqual(and(not(a), b));
    expect(parseFilter('a eq 1 or not (b eq 2 or c eq 3)')).toEqual(or(a, not(or(b, c))));
    expect(parseFilter('not (not (a eq 1))')).toEqual(not(not(a)));
  });

  it('still allows attributes named like keywords', () => {
    expect(parseFilter('not pr')).toEqual(pr({ attr: 'not' }));
    expect(parseFilter('and eq "x" or or pr')).toEqual(or(cmp({ attr: 'and' }, 'eq', 'x'), pr({ attr: 'or' })));
  });
});

describe('parseFilter: paths', () => {
  it('parses sub-attributes', () => {
    expect(parseFilter('name.familyName co "O\'Malley"')).toEqual(
      cmp({ attr: 'name', sub: 'familyName' }, 'co', "O'Malley"),
    );
    expect(parseFilter('members.$ref pr')).toEqual(pr({ attr: 'members', sub: '$ref' }));
  });

  it('parses URN-qualified paths, splitting at the last colon', () => {
    expect(parseFilter(`${ENT}:employeeNumber eq "1"`)).toEqual(cmp({ uri: ENT, attr: 'employeeNumber' }, 'eq', '1'));
    expect(parseFilter(`${ENT}:manager.value eq "x"`)).toEqual(
      cmp({ uri: ENT, attr: 'manager', sub: 'value' }, 'eq', 'x'),
    );
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName pr')).toEqual(
      pr({ uri: 'urn:ietf:params:scim:schemas:core:2.0:User', attr: 'userName' }),
    );
  });

  it('parses value paths with relative inner paths', () => {
    expect(parseFilter('emails[type eq "work" and value co "@example.com"]')).toEqual({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: and(cmp({ attr: 'type' }, 'eq', 'work'), cmp({ attr: 'value' }, 'co', '@example.com')),
    });
    expect(parseFilter('userType eq "Employee" and (emails[type eq "work"] or not (ims pr))')).toEqual(
      and(
        cmp({ attr: 'userType' }, 'eq', 'Employee'),
        or({ kind: 'valuePath', path: { attr: 'emails' }, filter: cmp({ attr: 'type' }, 'eq', 'work') }, not(pr({ attr: 'ims' }))),
      ),
    );
    expect(parseFilter(`${ENT}:manager[value eq "x"]`)).toEqual({
      kind: 'valuePath',
      path: { uri: ENT, attr: 'manager' },
      filter: cmp({ attr: 'value' }, 'eq', 'x'),
    });
  });

  it('parses the Entra form emails[...].value op value', () => {
    const inner = cmp({ attr: 'type' }, 'eq', 'work');
    expect(parseFilter('emails[type eq "work"].value eq "a@b.c"')).toEqual({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: and(inner, cmp({ attr: 'value' }, 'eq', 'a@b.c')),
    });
    expect(parseFilter('emails[type eq "work"].value pr')).toEqual({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: and(inner, pr({ attr: 'value' })),
    });
    expect(parseFilter('emails[type eq "work"].value Eq "a" and userName pr')).toEqual(
      and(
        { kind: 'valuePath', path: { attr: 'emails' }, filter: and(inner, cmp({ attr: 'value' }, 'eq', 'a')) },
        pr({ attr: 'userName' }),
      ),
    );
  });
});

describe('parseFilter: errors', () => {
  it.each<[string, RegExp]>([
    ['', /empty/],
    ['   ', /empty/],
    ['(userName eq "x"', /expected '\)'.*position 1.*position 17/],
    ['userName eq "x")', /unbalanced '\)'/],
    ['emails[type eq "work"', /expected '\]'/],
    ['emails[type eq "work"]]', /unbalanced '\]'/],
    ['userName eq', /missing value.*position 12/],
    ['userName eq )', /missing value/],
    ['userName', /expected an operator/],
    ['userName xx "a"', /unknown operator 'xx' at position 10/],
    ['userName eq "a" "b"', /unexpected '"'/],
    ['userName eq "a" foo', /unexpected 'f'/],
    ['userName eq "a" and', /expected an attribute path/],
    ['and', /expected an operator/],
    ['userName eq "abc', /unterminated string/],
    ['userName eq "a\\qb"', /invalid escape/],
    ['userName eq "\\u12"', /\\u escape/],
    ['emails[type eq "work" and addresses[type eq "x"]]', /nested/],
    ['name.familyName[value eq "x"]', /sub-attribute/],
    ['a.b.c eq 1', /more than one sub-attribute/],
    ['1abc eq 1', /invalid attribute name '1abc'/],
    ['user@name eq 1', /expected an operator, found '@'/],
    ['not userName eq "x"', /expected '\(' after 'not'/],
    ['not', /expected '\(' after 'not'|expected an operator/],
    ['()', /expected an attribute path/],
    ['a eq 1e999', /out of range/],
    ['emails[type eq "work"].value', /expected an operator/],
    ['emails[type eq "work"].', /expected an attribute path/],
    [':a eq 1', /malformed schema URI/],
  ])('rejects %j', (text, detail) => {
    expectInvalid(text, detail);
  });

  it('rejects filters longer than 4096 characters', () => {
    expectInvalid(`userName eq "${'x'.repeat(4090)}"`, /longer than 4096/);
  });

  it('rejects nesting deeper than 50', () => {
    expect(parseFilter(`${'('.repeat(50)}a pr${')'.repeat(50)}`)).toEqual(pr({ attr: 'a' }));
    expectInvalid(`${'('.repeat(51)}a pr${')'.repeat(51)}`, /nested more than 50/);
    expectInvalid(`${'not ('.repeat(60)}a pr${')'.repeat(60)}`, /nested more than 50/);
  });

  it('never throws anything but a ScimError on garbage', () => {
    let seed = 0x2545f491;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const chars = ' \t()[]"\\.:$-_aZ09eqnotandorpr\u00e9u';
    const words = ['eq', 'pr', 'and', 'or', 'not', '(', ')', '[', ']', '"x"', 'userName', 'emails', '.value', ' ', '1', 'true', '"', `${ENT}:`, '\\u'];
    for (let i = 0; i < 600; i++) {
      const len = rand(30);
      let text = '';
      for (let j = 0; j < len; j++) {
        text += i % 2 === 0 ? chars[rand(chars.length)] : `${words[rand(words.length)]}${rand(3) === 0 ? '' : ' '}`;
      }
      try {
        parseFilter(text);
      } catch (e) {
        expect(e, JSON.stringify(text)).toBeInstanceOf(ScimError);
      }
    }
  });
});
