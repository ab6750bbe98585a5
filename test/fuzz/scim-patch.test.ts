/**
 * Fuzzing SCIM PATCH (RFC 7644 §3.5.2): operations and paths on Users and Groups, valid ones mixed
 * with hostile paths (prototype keys as URN prefixes and segments, deep or long paths) and values,
 * and whole PatchOp bodies with one field mutated.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ENTERPRISE, PATCH_OP, groupBody, handle, hugeArray, mutate, mutation, nastyString, nastyValue, node, patchPath, toJson, userBody, type JNode } from './arbitraries.js';
import { CLOSE_TIMEOUT_MS, PROPERTY_TIMEOUT_MS, assertAuditVerifies, check, scimHeaders, send, startFuzzServer, type FuzzServer } from './harness.js';

const FILE = 'test/fuzz/scim-patch.test.ts';
let f: FuzzServer;
beforeAll(async () => { f = await startFuzzServer(); });
afterAll(() => f?.close(), CLOSE_TIMEOUT_MS);

const opName = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'REMOVE') }, { weight: 1, arbitrary: nastyString });

/** Operations a real IdP sends (Okta, Entra), so that many PATCHes succeed. */
const validUserOp = (name: string): fc.Arbitrary<Record<string, unknown>> => fc.constantFrom(
  { op: 'replace', path: 'name.givenName', value: `G${name}` },
  { op: 'add', path: 'emails', value: [{ value: `${name}@home.example`, type: 'home' }] },
  { op: 'replace', path: 'emails[type eq "work"].value', value: `${name}@work.example` },
  { op: 'replace', value: { active: false, title: name } },
  { op: 'Replace', path: 'active', value: 'False' },
  { op: 'remove', path: 'title' },
  { op: 'add', path: `${ENTERPRISE}:department`, value: `D${name}` },
  { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'nobody' } },
  { op: 'replace', value: { [ENTERPRISE]: { employeeNumber: `N${name}` } } },
  { op: 'remove', path: 'phoneNumbers[type eq "work"]' },
);
const validGroupOp = (name: string, userId: string): fc.Arbitrary<Record<string, unknown>> => fc.constantFrom(
  { op: 'replace', path: 'displayName', value: `Renamed ${name}` },
  { op: 'remove', path: `members[value eq "${userId}"]` },
  { op: 'add', path: 'members', value: [{ value: userId }] },
  { op: 'replace', value: { displayName: `R ${name}` } },
  { op: 'remove', path: 'members' },
);

/** An operation: a valid one, or one with a hostile path and/or value. */
const operation = (target: 'user' | 'group', name: string, userId: string): fc.Arbitrary<JNode> => fc.oneof(
  { weight: 3, arbitrary: (target === 'user' ? validUserOp(name) : validGroupOp(name, userId)).map((o) => node(o)) },
  { weight: 4, arbitrary: fc.record({ op: opName, path: fc.option(patchPath, { nil: undefined }), value: fc.option(nastyValue, { nil: undefined }) })
    .map(({ op, path, value }): JNode => ({ k: 'obj', entries: [['op', node(op)], ...(path !== undefined ? [['path', node(path)] as [string, JNode]] : []), ...(value !== undefined ? [['value', value] as [string, JNode]] : [])] })) },
);

describe('SCIM PATCH', () => {
  it('operations and paths: never 5xx, nothing changed when refused, Object.prototype untouched, the audit chain verifies', async () => {
    const patchArb = fc.tuple(fc.constantFrom<'user' | 'group'>('user', 'group'), handle)
      .chain(([t, n]) => fc.tuple(fc.constant(t), fc.array(operation(t, n, 'USER'), { minLength: 1, maxLength: 4 }), mutation));
    await check(FILE, fc.asyncProperty(fc.array(patchArb, { minLength: 1, maxLength: 3 }), async (patches) => {
        const list = await f.srv.newList({ name: 'Fuzz PATCH' });
        const u = await list.req('POST', '/Users', userBody('seed'));
        const g = await list.req('POST', '/Groups', groupBody('seed', [u.body.id]));
        if (u.status !== 201 || g.status !== 201) throw new Error(`seeding failed: ${u.text} ${g.text}`);
        for (const [target, ops, m] of patches) {
          const base: JNode = { k: 'obj', entries: [['schemas', node([PATCH_OP])], ['Operations', { k: 'arr', items: ops }]] };
          // The placeholder member id becomes the seeded person's.
          const body = toJson(mutate(base, m)).replaceAll('"USER"', JSON.stringify(u.body.id));
          const id = target === 'user' ? u.body.id : g.body.id;
          await send(f, list.id, { method: 'PATCH', url: `${list.base}/${target === 'user' ? 'Users' : 'Groups'}/${id}`, headers: scimHeaders(list.token), body });
        }
        await assertAuditVerifies(f, list.id);
      },
    ), 40);
  }, PROPERTY_TIMEOUT_MS);

  it('many operations, or huge values, in one PATCH', async () => {
    await check(FILE, fc.asyncProperty(fc.constantFrom('Users', 'Groups'), hugeArray, fc.constantFrom('Operations', 'value'), async (resource, huge, where) => {
      const list = await f.srv.newList({ name: 'Fuzz PATCH sizes' });
      const u = await list.req('POST', '/Users', userBody('seed'));
      const g = await list.req('POST', '/Groups', groupBody('seed', [u.body.id]));
      const id = resource === 'Users' ? u.body.id : g.body.id;
      const path = resource === 'Users' ? 'emails' : 'members';
      const body = where === 'Operations'
        ? `{"schemas":["${PATCH_OP}"],"Operations":${toJson(huge)}}`
        : `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"${path}","value":${toJson(huge)}}]}`;
      await send(f, list.id, { method: 'PATCH', url: `${list.base}/${resource}/${id}`, headers: scimHeaders(list.token), body });
      await assertAuditVerifies(f, list.id);
    }), 10);
  }, PROPERTY_TIMEOUT_MS);
});
