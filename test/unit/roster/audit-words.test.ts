import { describe, expect, it } from 'vitest';
import { changeSentence, changesInWords, dateInWords, detailFacts, eventTitle, referencedIds, valueInWords } from '../../../src/roster/audit-words.js';
import { defaultSchema } from '../../../src/roster/fields.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const { fields, mapping } = defaultSchema('employeeNumber');
const ctx = { fields, mapping, names: new Map([['m-1', 'Grace Hopper'], ['m-2', 'Ada Lovelace']]) };

describe('changesInWords', () => {
  it('merges a SCIM attribute and the roster field derived from it into one change, labelled as the list labels it', () => {
    const out = changesInWords([
      { field: `${ENT}:department`, before: 'Emergency', after: 'Intensive Care' },
      { field: 'roster:department', before: 'Emergency', after: 'Intensive Care' },
    ], ctx);
    expect(out).toEqual([{ label: 'Department', field: 'department', before: 'Emergency', after: 'Intensive Care', paths: [`${ENT}:department`, 'roster:department'] }]);
    expect(changeSentence(out[0]!)).toBe('Department: Emergency → Intensive Care');
  });

  it('uses the list\'s own labels, in the list\'s field order, whatever the stored order', () => {
    const renamed = fields.map((f) => (f.key === 'department' ? { ...f, label: 'Ward' } : f));
    const out = changesInWords([
      { field: 'name.givenName', before: 'Jane', after: 'Janet' },
      { field: `${ENT}:department`, before: 'A', after: 'B' },
      { field: 'roster:department', before: 'A', after: 'B' },
      { field: 'roster:first_name', before: 'Jane', after: 'Janet' },
    ], { ...ctx, fields: renamed });
    expect(out.map(changeSentence)).toEqual(['First name: Jane → Janet', 'Ward: A → B']);
  });

  it('names the manager, whole complex value and all, instead of showing ids', () => {
    const changes = [
      { field: `${ENT}:manager.value`, before: 'm-1', after: 'm-2' },
      { field: `${ENT}:manager.displayName`, before: 'Grace', after: 'Ada' },
      { field: 'roster:manager', before: 'm-1', after: 'm-2' },
    ];
    expect(referencedIds(changes, ctx).sort()).toEqual(['m-1', 'm-2']);
    const out = changesInWords(changes, ctx);
    expect(out).toHaveLength(1);
    expect(changeSentence(out[0]!)).toBe('Manager: Grace Hopper → Ada Lovelace');
    expect(out[0]!.paths).toHaveLength(3);
    expect(changeSentence(changesInWords([{ field: 'roster:manager', before: null, after: 'gone' }], ctx)[0]!)).toBe('Manager: (empty) → a person not on this list (id gone)');
  });

  it('says booleans and dates in words, and a multi-valued attribute by its values', () => {
    const out = changesInWords([
      { field: 'active', before: true, after: false },
      { field: 'roster:active', before: true, after: false },
      { field: 'emails', before: null, after: [{ value: 'a@example.com', type: 'work', primary: true }] },
      { field: 'roster:work_email', before: null, after: 'a@example.com' },
      { field: 'urn:acme:2.0:User:startDate', before: null, after: '2026-01-31' },
    ], ctx);
    expect(out.map(changeSentence)).toEqual(['Work email: (empty) → a@example.com', 'Active: Yes → No', 'Start date: (empty) → 31 January 2026']);
    expect(out[0]!.paths).toEqual(['emails', 'roster:work_email']);
  });

  it('keeps a SCIM change that no roster field stands for, with a plain label and no JSON', () => {
    const out = changesInWords([{ field: 'members', before: null, after: ['m-1', 'x'] }, { field: 'status', before: 'valid', after: 'revoked' }], { ...ctx, mapping: [] });
    expect(out.map(changeSentence)).toEqual(['Members: (empty) → Grace Hopper, a person not on this list (id x)', 'Status: valid → revoked']);
    for (const c of out) expect(`${c.before}${c.after}`).not.toMatch(/[{}[\]"]/);
  });

  it('shows a SCIM change whose roster value did not change (the transform gave the same value) under the field label', () => {
    const out = changesInWords([{ field: 'title', before: 'Nurse ', after: 'Nurse' }], ctx);
    expect(out).toEqual([{ label: 'Job title', field: 'job_title', before: 'Nurse ', after: 'Nurse', paths: ['title'] }]);
  });

  it('reads a mapping change as what changed for each field, not as the whole mapping', () => {
    const after = mapping.map((m) => (m.field === 'department' ? { ...m, source: `${ENT}:division`, transform: 'upper' as const } : m));
    expect(changesInWords([{ field: 'mapping', before: mapping, after }], { ...ctx, mapping: [] }).map(changeSentence))
      .toEqual([`Mapping of Department: ${ENT}:department → ${ENT}:division (upper)`]);
    expect(changesInWords([{ field: 'mapping', before: null, after: mapping }], ctx).map(changeSentence)).toEqual(['Mapping: (empty) → 27 SCIM attributes mapped to roster fields']);
  });

  it('does not mistake a list\'s own "name" change for a person\'s name', () => {
    expect(changesInWords([{ field: 'name', before: 'A', after: 'B' }], ctx)).toEqual([{ label: 'Name', field: null, before: 'A', after: 'B', paths: ['name'] }]);
  });
});

describe('values and details in words', () => {
  it('dates by month name, date-times in UTC, no JSON for objects', () => {
    expect(dateInWords('2026-02-01')).toBe('1 February 2026');
    expect(dateInWords('2026-02-01T09:05:00.000Z')).toBe('1 February 2026, 09:05 UTC');
    expect(dateInWords('2026-13-01')).toBeUndefined();
    expect(valueInWords({ count: 12000, ids: ['m-1'], truncated: true }, 'reference', ctx.names)).toBe('Grace Hopper and 11999 more');
    expect(valueInWords({ streetAddress: '1 Main St', locality: 'Leeds' })).toBe('Street address: 1 Main St; Locality: Leeds');
    expect(valueInWords('')).toBeNull();
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    expect(valueInWords(deep)).toBe('A: B: C: …');
  });

  it('titles and facts: credential kind, reason, photo problems, the print job, Google\'s state', () => {
    expect(eventTitle('credential.revoked', { kind: 'card', personId: 'p' })).toBe('Credential revoked: printed card');
    expect(eventTitle('credential.google_object_updated', { state: 'EXPIRED' })).toBe('Google Wallet pass expired');
    expect(detailFacts('credential.revoked', { kind: 'card', personId: 'p', reason: 'person deactivated' })).toEqual([
      { label: 'Credential', text: 'printed card' }, { label: 'Reason', text: 'person deactivated' },
    ]);
    expect(detailFacts('photo.upload_refused', { problems: ['too_dark', 'no_face'], source: 'self' })).toEqual([
      { label: 'Why', text: 'too dark; no face found' }, { label: 'Source', text: 'the person, with their link' },
    ]);
    expect(detailFacts('cards.printed', { jobId: 'j1', template: 'Staff', people: ['p'], printed: 1 })).toEqual([
      { label: 'Print job', text: 'j1' }, { label: 'Template', text: 'Staff' }, { label: 'Cards printed', text: '1' },
    ]);
  });
});
