import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DICTIONARY_1_BYTES, PACK_FROM, pack, packOrNull, unpack } from '../../../../src/store/sqlite/packed-text.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** A person.created event's changes as the audit trail writes them: every attribute, then every roster field. */
const createdChanges = (i: number) => JSON.stringify([
  { after: true, before: null, field: 'active' },
  { after: [{ primary: true, type: 'work', value: `person${i}@school.example.org` }], before: null, field: 'emails' },
  { after: `Family${i}`, before: null, field: 'name.familyName' }, { after: `Given${i}`, before: null, field: 'name.givenName' },
  { after: 'Teacher', before: null, field: 'title' }, { after: String(200000 + i), before: null, field: `${ENT}:employeeNumber` },
  { after: 'Science', before: null, field: `${ENT}:department` }, { after: `person${i}@school.example.org`, before: null, field: 'userName' },
  ...['active', 'department', 'employee_number', 'first_name', 'job_title', 'last_name', 'username', 'work_email'].map((k) => ({ after: `${k} ${i}`, before: null, field: `roster:${k}` })),
]);

describe('packed text (SQLite storage of long JSON)', () => {
  it('format 1\'s dictionary never changes: stored rows depend on it', () => {
    expect(createHash('sha256').update(DICTIONARY_1_BYTES).digest('hex')).toBe(DICTIONARY_DIGEST);
  });

  it('gives back exactly the text it was given, packed or not, for any text', () => {
    const long = fc.string({ unit: 'binary', minLength: PACK_FROM, maxLength: 3000 });
    const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), long, json, fc.string({ unit: 'grapheme', minLength: 100 }).map((s) => s.repeat(8))), (text) => {
      expect(unpack(pack(text))).toBe(text);
      expect(unpack(pack(text, 1))).toBe(text); // packed whenever that is shorter
    }), { numRuns: 500 });
  });

  it('packs a created event to under a sixth of its bytes; short text and text with a lone surrogate stay text', () => {
    const text = createdChanges(7);
    const packed = pack(text);
    expect(packed).toBeInstanceOf(Uint8Array);
    expect((packed as Uint8Array).length).toBeLessThan(Buffer.byteLength(text) / 6);
    expect(pack('[]')).toBe('[]');
    // A PATCH's few changes stay text by default (a call into zlib costs more than it saves there).
    const patchChanges = JSON.stringify([{ after: 'Teacher', before: 'Tutor', field: 'title' }, { after: 'Teacher', before: 'Tutor', field: 'roster:job_title' }]);
    expect(pack(patchChanges)).toBe(patchChanges);
    expect(pack(patchChanges, 100)).toBeInstanceOf(Uint8Array);
    const lone = `${'x'.repeat(PACK_FROM)}\ud800${'y'.repeat(PACK_FROM)}`;
    expect(pack(lone)).toBe(lone);
    expect(packOrNull(null)).toBeNull();
    expect(unpack(null)).toBeNull();
  });

  it('reads bytes that do not unpack as a marker, never throws (verification then names the event)', () => {
    expect(unpack(Buffer.from([1, 0xff, 0xfe, 0x00]))).toMatch(/^\[stored value of 4 bytes that does not unpack: /);
    expect(unpack(Buffer.from([9, 1, 2]))).toMatch(/unknown format 9/);
    expect(unpack(new Uint8Array(0))).toMatch(/does not unpack/);
  });
});

const DICTIONARY_DIGEST = 'd5be4c152e55574fbe2d77bd8daf5adf61bd600fc3853ffcdeacb8da5d25168a';
