import { describe, expect, it } from 'vitest';
import { ScimError } from '../../../src/scim/errors.js';
import type { FieldType, MappingEntry, RosterField } from '../../../src/roster/fields.js';
import { checkValue, deriveFields, parseSource, readPath } from '../../../src/roster/mapping.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User';

const field = (type: FieldType, extra: Partial<RosterField> = {}): RosterField => ({
  key: 'f',
  label: 'F',
  type,
  required: false,
  unique: false,
  ...extra,
});

const copy = (source: string, fieldKey: string): MappingEntry => ({ source, field: fieldKey, transform: 'copy' });

/** A user as Entra ID / Okta would provision one (RFC 7643 §8.2). */
const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT, CUSTOM],
  id: '2819c223',
  userName: 'bjensen@example.com',
  name: { givenName: 'Barbara', familyName: 'Jensen', formatted: 'Ms. Barbara J Jensen III' },
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [
    { value: '555-555-5555', type: 'work' },
    { value: '+1 555 555 4444', type: 'mobile' },
  ],
  addresses: [
    { type: 'home', locality: 'Springfield', country: 'US' },
    { type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', postalCode: '91608', country: 'USA' },
  ],
  [ENT]: {
    employeeNumber: '701984',
    department: 'Tour Operations',
    costCenter: '4130',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
  [CUSTOM]: { costCode: 'CC-42' },
};

describe('checkValue', () => {
  describe('empty values', () => {
    it.each([undefined, null, ''])('%j is null for every type', (raw) => {
      for (const t of ['text', 'number', 'email', 'phone', 'date', 'boolean', 'dropdown', 'reference'] as const) {
        expect(checkValue(field(t), raw)).toEqual({ value: null });
      }
    });
  });

  describe('objects and lists are problems, whatever the type', () => {
    it.each(['text', 'number', 'email', 'phone', 'date', 'boolean', 'dropdown', 'reference'] as const)('%s', (t) => {
      expect(checkValue(field(t), { value: 'x' })).toEqual({ problem: `expected a single ${t} value, got an object` });
      expect(checkValue(field(t), ['x'])).toEqual({ problem: `expected a single ${t} value, got a list` });
    });
  });

  it('text keeps strings as they are and stringifies scalars', () => {
    expect(checkValue(field('text'), '  Tour Guide ')).toEqual({ value: '  Tour Guide ' });
    expect(checkValue(field('text'), 42)).toEqual({ value: '42' });
    expect(checkValue(field('text'), true)).toEqual({ value: 'true' });
  });

  describe('number', () => {
    it.each<[unknown, number]>([
      [42, 42],
      [-3.5, -3.5],
      [0, 0],
      ['42', 42],
      [' 7 ', 7],
      ['-12.25', -12.25],
      ['1e3', 1000],
    ])('%j → %j', (raw, n) => {
      expect(checkValue(field('number'), raw)).toEqual({ value: n });
    });

    it.each<[unknown]>([['twelve'], ['12abc'], ['Infinity'], [Number.NaN], [Number.POSITIVE_INFINITY], [true]])(
      '%j is a problem',
      (raw) => {
        const r = checkValue(field('number'), raw);
        expect(r).toEqual({ problem: `"${String(raw)}" is not a number` });
      },
    );
  });

  describe('email', () => {
    it('accepts an address, trimmed', () => {
      expect(checkValue(field('email'), ' bjensen@example.com ')).toEqual({ value: 'bjensen@example.com' });
    });
    it.each(['bjensen', 'bjensen@example', 'b jensen@example.com', '@example.com', 'a@@b.c'])('%j is a problem', (raw) => {
      expect(checkValue(field('email'), raw)).toEqual({ problem: `"${raw}" is not an email address` });
    });
  });

  describe('phone', () => {
    it.each(['555-555-5555', '+1 (555) 555-4444', '+44 20 7946 0958', '555.555.5555 x123', '020 7946 0958 ext. 12', ' +4915112345678 '])(
      '%j is a phone number, trimmed',
      (raw) => {
        expect(checkValue(field('phone'), raw)).toEqual({ value: raw.trim() });
      },
    );
    it.each(['call me', '12', '555-CALL-NOW', 'n/a'])('%j is a problem', (raw) => {
      expect(checkValue(field('phone'), raw)).toEqual({ problem: `"${raw}" is not a phone number` });
    });
  });

  describe('date', () => {
    it.each<[string, string]>([
      ['2024-01-15', '2024-01-15'],
      ['2024-01-15T10:00:00Z', '2024-01-15'],
      ['2024-01-15T23:30:00.000-05:00', '2024-01-15'],
      [' 2024-02-29 ', '2024-02-29'],
    ])('%j → %j', (raw, out) => {
      expect(checkValue(field('date'), raw)).toEqual({ value: out });
    });
    it.each(['15/01/2024', 'yesterday', '2024-13-01', '2024-01-15garbage', '20240115'])('%j is a problem', (raw) => {
      expect(checkValue(field('date'), raw)).toEqual({ problem: `"${raw}" is not a date (YYYY-MM-DD)` });
    });
  });

  describe('boolean', () => {
    it.each<[unknown, boolean]>([
      [true, true],
      [false, false],
      ['true', true],
      ['True', true],
      ['TRUE', true],
      ['false', false],
      ['False', false],
      [' false ', false],
    ])('%j → %j', (raw, b) => {
      expect(checkValue(field('boolean'), raw)).toEqual({ value: b });
    });
    it.each<[unknown]>([['yes'], ['1'], [1], [0], ['truthy']])('%j is a problem', (raw) => {
      expect(checkValue(field('boolean'), raw)).toEqual({ problem: `"${String(raw)}" is not true or false` });
    });
  });

  describe('dropdown', () => {
    const size = field('dropdown', { options: ['Small', 'Medium', 'Large'] });
    it.each(['medium', 'MEDIUM', ' Medium ', 'Medium'])('%j matches the canonical option "Medium"', (raw) => {
      expect(checkValue(size, raw)).toEqual({ value: 'Medium' });
    });
    it('a value that is no option is a problem listing the options', () => {
      expect(checkValue(size, 'XL')).toEqual({ problem: '"XL" is not one of the options (Small, Medium, Large)' });
    });
    it('a dropdown without options accepts nothing', () => {
      expect(checkValue(field('dropdown'), 'x')).toHaveProperty('problem');
    });
  });

  it('reference keeps the id as a string', () => {
    expect(checkValue(field('reference'), '26118915-6090-4610-87e4-49d8ca9f808d')).toEqual({ value: '26118915-6090-4610-87e4-49d8ca9f808d' });
    expect(checkValue(field('reference'), 123)).toEqual({ value: '123' });
  });
});

describe('readPath', () => {
  it('reads a core attribute', () => {
    expect(readPath(user, 'userName')).toBe('bjensen@example.com');
    expect(readPath(user, 'active')).toBe(true);
  });

  it('reads a core attribute qualified with the core URN', () => {
    expect(readPath(user, 'urn:ietf:params:scim:schemas:core:2.0:User:userName')).toBe('bjensen@example.com');
  });

  it('reads a sub-attribute', () => {
    expect(readPath(user, 'name.givenName')).toBe('Barbara');
    expect(readPath(user, 'name.middleName')).toBeUndefined();
  });

  it('matches attribute and sub-attribute names case-insensitively (RFC 7643 §2.1)', () => {
    expect(readPath(user, 'USERNAME')).toBe('bjensen@example.com');
    expect(readPath(user, 'Name.GivenName')).toBe('Barbara');
    expect(readPath(user, 'Emails[Type eq "work"].Value')).toBe('bjensen@example.com');
    expect(readPath(user, `${ENT.toLowerCase()}:Department`)).toBe('Tour Operations');
  });

  it('reads a value-filtered sub-attribute', () => {
    expect(readPath(user, 'emails[type eq "work"].value')).toBe('bjensen@example.com');
    expect(readPath(user, 'phoneNumbers[type eq "mobile"].value')).toBe('+1 555 555 4444');
    expect(readPath(user, 'phoneNumbers[type eq "work"].value')).toBe('555-555-5555');
    expect(readPath(user, 'addresses[type eq "work"].locality')).toBe('Hollywood');
    expect(readPath(user, 'addresses[type eq "home"].locality')).toBe('Springfield');
  });

  it('filter values compare case-insensitively', () => {
    expect(readPath(user, 'emails[type eq "WORK"].value')).toBe('bjensen@example.com');
  });

  it('a filter nothing matches gives undefined', () => {
    expect(readPath(user, 'phoneNumbers[type eq "fax"].value')).toBeUndefined();
    expect(readPath({ userName: 'x' }, 'emails[type eq "work"].value')).toBeUndefined();
  });

  it('emails[type ne "work"].value picks a non-work email', () => {
    expect(readPath(user, 'emails[type ne "work"].value')).toBe('babs@jensen.org');
    const untyped = { emails: [{ value: 'w@example.com', type: 'work' }, { value: 'other@example.com' }] };
    expect(readPath(untyped, 'emails[type ne "work"].value')).toBe('other@example.com');
    expect(readPath({ emails: [{ value: 'w@example.com', type: 'work' }] }, 'emails[type ne "work"].value')).toBeUndefined();
  });

  it('a multi-valued attribute without a filter gives the primary value', () => {
    const doc = { emails: [{ value: 'a@example.com' }, { value: 'b@example.com', primary: true }] };
    expect(readPath(doc, 'emails.value')).toBe('b@example.com');
  });

  it('a multi-valued attribute without a filter or primary gives the first value', () => {
    const doc = { emails: [{ value: 'a@example.com' }, { value: 'b@example.com' }] };
    expect(readPath(doc, 'emails.value')).toBe('a@example.com');
    expect(readPath({ emails: [{ value: 'a@example.com', primary: false }, { value: 'b@example.com' }] }, 'emails.value')).toBe('a@example.com');
  });

  it('a multi-valued attribute of plain strings gives the first', () => {
    expect(readPath({ nicknames: ['Babs', 'B'] }, 'nicknames')).toBe('Babs');
  });

  it('a filter with "True" as a string matches a boolean primary', () => {
    const doc = { emails: [{ value: 'a@example.com', primary: false }, { value: 'b@example.com', primary: true }] };
    expect(readPath(doc, 'emails[primary eq "True"].value')).toBe('b@example.com');
    expect(readPath(doc, 'emails[primary eq "false"].value')).toBe('a@example.com');
    expect(readPath(doc, 'emails[primary eq true].value')).toBe('b@example.com');
  });

  it('reads enterprise extension attributes', () => {
    expect(readPath(user, `${ENT}:department`)).toBe('Tour Operations');
    expect(readPath(user, `${ENT}:employeeNumber`)).toBe('701984');
    expect(readPath(user, `${ENT}:manager.value`)).toBe('26118915-6090-4610-87e4-49d8ca9f808d');
    expect(readPath(user, `${ENT}:manager.displayName`)).toBe('John Smith');
    expect(readPath(user, `${ENT}:division`)).toBeUndefined();
  });

  it('reads an Entra custom extension attribute', () => {
    expect(readPath(user, `${CUSTOM}:costCode`)).toBe('CC-42');
  });

  it('an extension attribute is not found at the top level when the extension is absent', () => {
    expect(readPath({ department: 'Top level' }, `${ENT}:department`)).toBeUndefined();
  });

  it('a whole-extension source is refused with 400 invalidPath', () => {
    let err: unknown;
    try {
      readPath(user, ENT);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScimError);
    expect(err).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(() => parseSource(CUSTOM)).toThrow(ScimError);
  });

  it('a malformed source is refused with 400 invalidPath', () => {
    expect(() => parseSource('emails[type eq "work"')).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidPath' }));
    expect(() => parseSource('')).toThrow(expect.objectContaining({ scimType: 'invalidPath' }));
    expect(() => parseSource('a.b.c')).toThrow(ScimError);
  });

  it('parseSource gives the same parse for the same source', () => {
    expect(parseSource('name.givenName')).toBe(parseSource('name.givenName'));
    expect(parseSource('emails[type eq "work"].value')).toEqual(parseSource('emails[type eq "work"].value'));
  });
});

describe('deriveFields', () => {
  const fields: RosterField[] = [
    { key: 'employee_number', label: 'Employee number', type: 'text', required: true, unique: true },
    { key: 'first_name', label: 'First name', type: 'text', required: false, unique: false },
    { key: 'work_email', label: 'Work email', type: 'email', required: false, unique: false },
    { key: 'start_date', label: 'Start date', type: 'date', required: false, unique: false },
    { key: 'badge_colour', label: 'Badge colour', type: 'dropdown', options: ['Red', 'Blue'], required: false, unique: false },
  ];

  it('maps values through the mapping', () => {
    const d = deriveFields(user, fields, [copy(`${ENT}:employeeNumber`, 'employee_number'), copy('name.givenName', 'first_name'), copy('emails[type eq "work"].value', 'work_email')]);
    expect(d.values).toEqual({ employee_number: '701984', first_name: 'Barbara', work_email: 'bjensen@example.com', start_date: null, badge_colour: null });
    expect(d.problems).toEqual([]);
  });

  it('a required unique field with no value is a problem naming the field', () => {
    const d = deriveFields({ userName: 'x', name: { givenName: 'X' } }, fields, [copy(`${ENT}:employeeNumber`, 'employee_number'), copy('name.givenName', 'first_name')]);
    expect(d.values.employee_number).toBeNull();
    expect(d.values.first_name).toBe('X');
    expect(d.problems).toEqual([{ field: 'employee_number', value: null, problem: 'Employee number is required but the IdP sent no value for it' }]);
  });

  it('a required field with no mapping at all is still a problem', () => {
    const d = deriveFields(user, fields, []);
    expect(d.problems.map((p) => p.field)).toEqual(['employee_number']);
  });

  it('a bad value is a problem that keeps the raw value, and the field stays null', () => {
    const doc = { ...user, emails: [{ type: 'work', value: 'not-an-email' }], startDate: 'next Tuesday', badge: 'Green' };
    const d = deriveFields(doc, fields, [
      copy(`${ENT}:employeeNumber`, 'employee_number'),
      copy('emails[type eq "work"].value', 'work_email'),
      copy('startDate', 'start_date'),
      copy('badge', 'badge_colour'),
    ]);
    expect(d.values.work_email).toBeNull();
    expect(d.values.start_date).toBeNull();
    expect(d.values.badge_colour).toBeNull();
    expect(d.problems).toEqual([
      { field: 'work_email', value: 'not-an-email', problem: '"not-an-email" is not an email address' },
      { field: 'start_date', value: 'next Tuesday', problem: '"next Tuesday" is not a date (YYYY-MM-DD)' },
      { field: 'badge_colour', value: 'Green', problem: '"Green" is not one of the options (Red, Blue)' },
    ]);
  });

  it('a bad value in a required field is one problem (the value), not two', () => {
    const d = deriveFields({ [ENT]: { employeeNumber: { id: 1 } } }, fields, [copy(`${ENT}:employeeNumber`, 'employee_number')]);
    expect(d.values.employee_number).toBeNull();
    expect(d.problems).toEqual([{ field: 'employee_number', value: { id: 1 }, problem: 'expected a single text value, got an object' }]);
  });

  it('an object or list where a single value belongs is a problem keeping the value', () => {
    const d = deriveFields(user, fields, [copy('employee_number_is_elsewhere', 'employee_number'), copy('name', 'first_name'), copy('emails', 'work_email')]);
    expect(d.problems).toContainEqual({ field: 'first_name', value: user.name, problem: 'expected a single text value, got an object' });
    // Without a filter or sub-attribute, a multi-valued attribute gives its primary value (an object).
    expect(d.problems).toContainEqual({ field: 'work_email', value: user.emails[0], problem: 'expected a single email value, got an object' });
  });

  it('the first mapping entry with a value wins when two feed one field', () => {
    const mapping = [copy('name.givenName', 'first_name'), copy('displayName', 'first_name')];
    expect(deriveFields(user, fields, mapping).values.first_name).toBe('Barbara');
    expect(deriveFields({ displayName: 'Babs' }, fields, mapping).values.first_name).toBe('Babs');
    const reversed = [copy('displayName', 'first_name'), copy('name.givenName', 'first_name')];
    expect(deriveFields(user, fields, reversed).values.first_name).toBe('Babs Jensen');
  });

  it('unmapped fields are null', () => {
    const d = deriveFields(user, fields, [copy(`${ENT}:employeeNumber`, 'employee_number')]);
    expect(d.values).toEqual({ employee_number: '701984', first_name: null, work_email: null, start_date: null, badge_colour: null });
  });

  it('entries naming no field of the list are ignored', () => {
    const d = deriveFields(user, fields, [copy('title', 'no_such_field'), copy(`${ENT}:employeeNumber`, 'employee_number')]);
    expect(Object.keys(d.values).sort()).toEqual(['badge_colour', 'employee_number', 'first_name', 'start_date', 'work_email']);
    expect(d.problems).toEqual([]);
  });

  it('typed values come out typed: booleans, numbers, normalised dates and dropdowns', () => {
    const typed: RosterField[] = [
      { key: 'active', label: 'Active', type: 'boolean', required: false, unique: false },
      { key: 'floor', label: 'Floor', type: 'number', required: false, unique: false },
      { key: 'start', label: 'Start', type: 'date', required: false, unique: false },
      { key: 'size', label: 'Size', type: 'dropdown', options: ['S', 'M'], required: false, unique: false },
    ];
    const doc = { active: 'False', floor: '3', start: '2024-03-01T09:00:00Z', size: 'm' };
    const d = deriveFields(doc, typed, [copy('active', 'active'), copy('floor', 'floor'), copy('start', 'start'), copy('size', 'size')]);
    expect(d.values).toEqual({ active: false, floor: 3, start: '2024-03-01', size: 'M' });
    expect(d.problems).toEqual([]);
  });

  describe('transforms', () => {
    const text: RosterField[] = [{ key: 'v', label: 'V', type: 'text', required: false, unique: false }];
    const run = (doc: Record<string, unknown>, entry: Omit<MappingEntry, 'field'>) => deriveFields(doc, text, [{ ...entry, field: 'v' }]).values.v;

    it('copy keeps the value as it is', () => {
      expect(run({ title: '  Tour Guide ' }, { source: 'title', transform: 'copy' })).toBe('  Tour Guide ');
    });
    it('trim', () => {
      expect(run({ title: '  Tour Guide \t' }, { source: 'title', transform: 'trim' })).toBe('Tour Guide');
    });
    it('lower', () => {
      expect(run({ userName: 'BJensen@Example.COM' }, { source: 'userName', transform: 'lower' })).toBe('bjensen@example.com');
    });
    it('upper', () => {
      expect(run({ title: 'Tour Guide' }, { source: 'title', transform: 'upper' })).toBe('TOUR GUIDE');
    });
    it('string transforms leave non-strings alone', () => {
      const nums: RosterField[] = [{ key: 'n', label: 'N', type: 'number', required: false, unique: false }];
      expect(deriveFields({ n: 5 }, nums, [{ source: 'n', field: 'n', transform: 'upper' }]).values.n).toBe(5);
    });

    const tpl = (template: string) => ({ source: '', transform: 'template' as const, template });
    it('template fills in each part', () => {
      expect(run(user, tpl('{name.givenName} {name.familyName}'))).toBe('Barbara Jensen');
      expect(run(user, tpl('{ name.familyName }, {name.givenName} ({emails[type eq "work"].value})'))).toBe('Jensen, Barbara (bjensen@example.com)');
      expect(run(user, tpl(`{title} / {${ENT}:department}`))).toBe('Tour Guide / Tour Operations');
    });
    it('template: a missing part collapses the whitespace around it', () => {
      expect(run({ name: { familyName: 'Jensen' } }, tpl('{name.givenName} {name.familyName}'))).toBe('Jensen');
      expect(run({ name: { givenName: 'Barbara' } }, tpl('{name.givenName} {name.familyName}'))).toBe('Barbara');
      expect(run(user, tpl('{name.givenName}  {name.middleName}  {name.familyName}'))).toBe('Barbara Jensen');
    });
    it('template: every part missing is null, not an empty string', () => {
      expect(run({ userName: 'x' }, tpl('{name.givenName} {name.familyName}'))).toBeNull();
      expect(run({ name: { givenName: '', familyName: '' } }, tpl('{name.givenName} {name.familyName}'))).toBeNull();
    });
    it('template: an object in a part counts as missing', () => {
      expect(run(user, tpl('{name} {title}'))).toBe('Tour Guide');
    });
    it('template: a template with no parts and no value gives null', () => {
      expect(run(user, { source: '', transform: 'template' })).toBeNull();
    });
  });
});

describe('regressions (found by these tests, fixed in mapping.ts)', () => {
  it('a calendar-impossible date (2024-02-30) is a problem, not stored', () => {
    // V8's Date.parse rolls 2024-02-30 over to 2024-03-01 instead of returning NaN.
    expect(checkValue(field('date'), '2024-02-30')).toEqual({ problem: '"2024-02-30" is not a date (YYYY-MM-DD)' });
    expect(checkValue(field('date'), '2023-02-29T00:00:00Z')).toEqual({ problem: '"2023-02-29T00:00:00Z" is not a date (YYYY-MM-DD)' });
  });

  it('a hexadecimal / binary / octal literal is not a number', () => {
    // Number("0x10") is 16; an IdP sending "0x10" for a floor number sent garbage.
    expect(checkValue(field('number'), '0x10')).toEqual({ problem: '"0x10" is not a number' });
    expect(checkValue(field('number'), '0b11')).toEqual({ problem: '"0b11" is not a number' });
  });

  it('readPath does not read inherited Object.prototype members', () => {
    // getCI once used `key in o`, which walks the prototype chain.
    expect(readPath({ name: {} }, 'name.toString')).toBeUndefined();
    // Since issue 12 (defect 1) a path naming constructor, prototype or __proto__ is refused outright.
    expect(() => readPath({}, 'constructor')).toThrow(/refused/);
    expect(() => readPath({}, 'name.prototype')).toThrow(/refused/);
  });
});

describe('blank values', () => {
  it.each(['text', 'number', 'email', 'phone', 'date', 'boolean', 'reference'] as const)('a whitespace-only %s is no value, not a problem', (type) => {
    expect(checkValue({ key: 'f', label: 'F', type, required: false, unique: false }, '   ')).toEqual({ value: null });
  });
});
