/**
 * scimJson writes a ListResponse a resource at a time (src/http/scim-response.ts, encode): text
 * spliced in as JsonText, bytes past BYTES_FROM characters. Whatever the page, what is sent must
 * be what JSON.stringify writes for the same answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BYTES_FROM, scimJson, withHeaders } from '../../../src/http/scim-response.js';
import { JsonText, listEnvelope } from '../../../src/scim/json-text.js';

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const text = fc.string({ unit: fc.constantFrom(...'ab "\\[]{}:,é😀\u0001'), maxLength: 20 });
const resource = fc.dictionary(fc.oneof(text, fc.constantFrom('Resources', 'id', '__proto__')), fc.oneof(text, fc.integer(), fc.constant(null), fc.array(text, { maxLength: 3 })), { maxKeys: 5 });

describe('a ListResponse written a resource at a time', () => {
  it('is byte for byte what JSON.stringify writes, resources as text or as values, small or large', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(resource, fc.boolean()), { maxLength: 40 }),
      fc.option(text, { nil: undefined }),
      fc.integer({ min: 0, max: 400 }),
      async (items, cursor, pad) => {
        const plain = items.map(([r]) => ({ ...r, pad: 'x'.repeat(pad) }));
        // An envelope string holding what the splice looks for ("Resources":0) must not confuse it.
        const envelope = { schemas: [LIST], totalResults: plain.length, ...(cursor !== undefined ? { nextCursor: `${cursor}"Resources":0` } : {}), itemsPerPage: plain.length };
        const expected = JSON.stringify({ ...envelope, Resources: plain });
        const res = scimJson({ ...envelope, Resources: plain.map((r, i) => (items[i]![1] ? new JsonText(JSON.stringify(r)) : r)) });
        const sent = Buffer.from(await res.clone().arrayBuffer());
        expect(sent.toString('utf8')).toBe(expected);
        expect(withHeaders(res, {}).text()).toBe(expected);
      }), { numRuns: 200, seed: 1606 });
  });

  it('a large page is the same page (past BYTES_FROM characters it is sent as bytes)', async () => {
    const people = Array.from({ length: 60 }, (_, i) => new JsonText(JSON.stringify({ id: `p${i}`, title: '😀 Ünïcödé '.repeat(40) })));
    const res = scimJson({ schemas: [LIST], totalResults: 60, Resources: people });
    const sent = Buffer.from(await res.arrayBuffer());
    expect(sent.length).toBeGreaterThan(BYTES_FROM);
    expect(JSON.parse(sent.toString('utf8')).Resources).toEqual(people.map((p) => JSON.parse(p.text)));
  });

  it('an element with no JSON is written null, as JSON.stringify writes it in an array; an empty page as it is', async () => {
    const odd = scimJson({ schemas: [LIST], Resources: [undefined, { a: 1 }, () => 1] });
    expect(await odd.text()).toBe(JSON.stringify({ schemas: [LIST], Resources: [undefined, { a: 1 }, () => 1] }));
    expect(await scimJson({ schemas: [LIST], totalResults: 0, Resources: [] }).text()).toBe(`{"schemas":["${LIST}"],"totalResults":0,"Resources":[]}`);
  });

  it('listEnvelope cuts any envelope where its Resources go: as JSON.stringify writes it when they are last, moved last otherwise', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.oneof(text, fc.constantFrom('schemas', 'totalResults', '__proto__', 'nextCursor')), fc.oneof(text, fc.integer(), fc.constant(null), fc.constant('"Resources":0}'), resource)), { maxLength: 6 }),
      fc.integer({ min: 0, max: 6 }),
      fc.array(resource, { maxLength: 4 }),
      (members, where, resources) => {
        // An envelope with Resources at any place among its members (a '__proto__' key as an own member).
        const body: Record<string, unknown> = {};
        const at = Math.min(where, members.length);
        members.slice(0, at).forEach(([k, v]) => Object.defineProperty(body, k, { value: v, enumerable: true, writable: true, configurable: true }));
        body.Resources = 'placeholder';
        members.slice(at).forEach(([k, v]) => { if (k !== 'Resources') Object.defineProperty(body, k, { value: v, enumerable: true, writable: true, configurable: true }); });
        const { head, tail } = listEnvelope(body);
        const written = `${head}${resources.map((r) => JSON.stringify(r)).join(',')}${tail}`;
        const withResources: Record<string, unknown> = { ...body, Resources: resources };
        expect(JSON.parse(written)).toEqual(JSON.parse(JSON.stringify(withResources)));
        const keys = Object.keys(body);
        if (keys[keys.length - 1] === 'Resources') expect(written).toBe(JSON.stringify(withResources));
        else expect(Object.keys(JSON.parse(written)).at(-1)).toBe('Resources');
      }), { numRuns: 300, seed: 2077 });
  });

  it('JSON.stringify of a JsonText gives its value, not its wrapper', () => {
    expect(JSON.stringify({ r: [new JsonText('{"a":[1,"x"]}')] })).toBe('{"r":[{"a":[1,"x"]}]}');
  });
});
