/**
 * Fuzzing SCIM resource bodies (RFC 7644 §3.3 POST, §3.5.1 PUT, §3.7 Bulk) for Users and Groups:
 * valid bodies with one field mutated into something hostile, on a fresh list per run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BULK, groupBody, handle, mutate, mutation, node, toJson, userBody, type JNode } from './arbitraries.js';
import { CLOSE_TIMEOUT_MS, PROPERTY_TIMEOUT_MS, assertAuditVerifies, check, scimHeaders, send, startFuzzServer, type FuzzServer } from './harness.js';

const FILE = 'test/fuzz/scim-bodies.test.ts';
let f: FuzzServer;
beforeAll(async () => { f = await startFuzzServer(); });
afterAll(() => f?.close(), CLOSE_TIMEOUT_MS);

/** A fresh list with one valid person and group to PUT over and refer to; the token is used once, so its first use is behind us. */
async function freshList() {
  const list = await f.srv.newList({ name: 'Fuzz bodies' });
  const u = await list.req('POST', '/Users', userBody('seed'));
  const g = await list.req('POST', '/Groups', groupBody('seed', [u.body.id]));
  if (u.status !== 201 || g.status !== 201) throw new Error(`seeding failed: ${u.text} ${g.text}`);
  return { list, userId: u.body.id as string, groupId: g.body.id as string };
}

describe('SCIM bodies: POST and PUT of Users and Groups, and Bulk', () => {
  it('never 5xx, change nothing when refused, leave Object.prototype alone and keep the audit chain', async () => {
    const body = fc.record({ name: handle, target: fc.constantFrom('user', 'group'), method: fc.constantFrom('POST', 'PUT'), m: mutation });
    await check(FILE, fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 3 }), async (reqs) => {
      const { list, userId, groupId } = await freshList();
      for (const r of reqs) {
        const base = r.target === 'user' ? userBody(r.name, r.method === 'PUT' ? { id: userId } : {}) : groupBody(r.name, [userId]);
        const path = `/${r.target === 'user' ? 'Users' : 'Groups'}${r.method === 'PUT' ? `/${r.target === 'user' ? userId : groupId}` : ''}`;
        await send(f, list.id, { method: r.method, url: list.base + path, headers: scimHeaders(list.token), body: toJson(mutate(node(base), r.m)) });
      }
      await assertAuditVerifies(f, list.id);
    }), 40);
  }, PROPERTY_TIMEOUT_MS);

  it('Bulk requests with a mutated operation or body do the same', async () => {
    const op = fc.record({ name: handle, kind: fc.constantFrom('postUser', 'postGroup', 'patchUser', 'putUser', 'deleteGroup') });
    await check(FILE, fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 4 }), mutation, fc.boolean(), async (ops, m, failOnErrors) => {
      const { list, userId, groupId } = await freshList();
      const operations = ops.map((o, i) => ({
        postUser: { method: 'POST', path: '/Users', bulkId: `u${i}`, data: userBody(o.name) },
        postGroup: { method: 'POST', path: '/Groups', bulkId: `g${i}`, data: groupBody(o.name, [userId, ...(i > 0 ? ['bulkId:u0'] : [])]) },
        patchUser: { method: 'PATCH', path: `/Users/${userId}`, data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: o.name }] } },
        putUser: { method: 'PUT', path: `/Users/${userId}`, data: userBody('seed', { title: o.name }) },
        deleteGroup: { method: 'DELETE', path: `/Groups/${groupId}` },
      }[o.kind]));
      const base: JNode = node({ schemas: [BULK], ...(failOnErrors ? { failOnErrors: 1 } : {}), Operations: operations });
      const r = await send(f, list.id, { method: 'POST', url: `${list.base}/Bulk`, headers: scimHeaders(list.token), body: toJson(mutate(base, m)) });
      // Each operation's own answer (RFC 7644 §3.7.3) must not be a server error either.
      const statuses = Array.isArray(r.body?.Operations) ? r.body.Operations.map((o: { status?: unknown }) => Number(o.status)) : [];
      const bad = statuses.filter((s: number) => s >= 500);
      if (bad.length) throw new Error(`Bulk operation answered ${bad.join(', ')}: ${r.text.slice(0, 600)}`);
      await assertAuditVerifies(f, list.id);
    }), 30);
  }, PROPERTY_TIMEOUT_MS);
});
