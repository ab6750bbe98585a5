import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { ScimService } from '../src/lists/scim-service.js';

let srv: TestServer;
let list: TestList;
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

beforeAll(async () => {
  srv = await startServer({ MUSTER_BULK_MAX_OPERATIONS: '5' });
  list = await srv.newList();
});
afterAll(() => srv.close());

describe('discovery (RFC 7644 §4)', () => {
  it('ServiceProviderConfig advertises what is enforced; /serviceConfiguration is an alias', async () => {
    const r = await list.req('GET', '/ServiceProviderConfig');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      patch: { supported: true }, bulk: { supported: true, maxOperations: 5, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 1000 }, sort: { supported: true }, etag: { supported: true }, changePassword: { supported: false },
    });
    expect(r.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
    expect(r.body.meta.location).toBe(`${list.base}/ServiceProviderConfig`);
    expect((await list.req('GET', '/serviceConfiguration')).body.patch.supported).toBe(true);
  });

  it('ResourceTypes and Schemas, each also by id', async () => {
    const rts = await list.req('GET', '/ResourceTypes');
    expect(rts.body.Resources.map((x: { id: string }) => x.id)).toEqual(['User', 'Group']);
    const u = await list.req('GET', '/ResourceTypes/User');
    expect(u.body).toMatchObject({ endpoint: '/Users', schema: 'urn:ietf:params:scim:schemas:core:2.0:User' });
    const schemas = await list.req('GET', '/Schemas');
    expect(schemas.body.totalResults).toBe(3);
    const ent = await list.req('GET', '/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
    expect(ent.body.attributes.map((a: { name: string }) => a.name)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
    const core = await list.req('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    const pw = core.body.attributes.find((a: { name: string }) => a.name === 'password');
    expect(pw).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect((await list.req('GET', '/Schemas/urn:nope')).status).toBe(404);
  });
});

describe('Bulk (RFC 7644 §3.7)', () => {
  it('resolves bulkId references, in dependency order', async () => {
    const r = await list.req('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Bulk group', members: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }] } },
        { method: 'POST', path: '/Users', bulkId: 'u1', data: user('bulk.one@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'u2', data: user('bulk.two@example.com', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:u1' } } }) },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:BulkResponse']);
    expect(r.body.Operations.map((o: { status: string }) => o.status)).toEqual(['201', '201', '201']);
    const group = r.body.Operations.find((o: { bulkId: string }) => o.bulkId === 'g');
    const g = await list.req('GET', `/Groups/${group.location.split('/').pop()}`);
    expect(g.body.members).toHaveLength(2);
    const u2 = r.body.Operations.find((o: { bulkId: string }) => o.bulkId === 'u2');
    const u1 = r.body.Operations.find((o: { bulkId: string }) => o.bulkId === 'u1');
    const two = await list.req('GET', `/Users/${u2.location.split('/').pop()}`);
    expect(two.body['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager.value).toBe(u1.location.split('/').pop());
    // Each created resource's answer (no resource is rendered for it) names where it is and the version a GET then gives.
    for (const op of r.body.Operations) {
      const got = await list.req('GET', new URL(op.location).pathname.replace(/^.*\/lists\/[^/]+/, ''));
      expect(got.status).toBe(200);
      expect(got.body.meta.location).toBe(op.location);
      expect(op.version).toBe(got.body.meta.version);
      expect(got.headers.get('etag')).toBe(op.version);
    }
    // A group created with its members is at its first version.
    expect(group.version).toBe('W/"1"');
  });

  it('reports each failure, stops after failOnErrors, and refuses more than maxOperations with 413', async () => {
    const r = await list.req('POST', '/Bulk', {
      schemas: [BULK], failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] } },
        { method: 'POST', path: '/Users', data: user('never.created@example.com') },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.Operations).toHaveLength(1);
    expect(r.body.Operations[0]).toMatchObject({ status: '400', response: { scimType: 'invalidValue' } });
    const f = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "never.created@example.com"')}`);
    expect(f.body.totalResults).toBe(0);
    const many = await list.req('POST', '/Bulk', { schemas: [BULK], Operations: Array.from({ length: 6 }, () => ({ method: 'DELETE', path: '/Users/x' })) });
    expect(many.status).toBe(413);
    const circular = await list.req('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Groups', bulkId: 'a', data: { displayName: 'A', members: [{ value: 'bulkId:b' }] } },
        { method: 'POST', path: '/Groups', bulkId: 'b', data: { displayName: 'B', members: [{ value: 'bulkId:a' }] } },
      ],
    });
    expect(circular.body.Operations.map((o: { status: string }) => o.status)).toEqual(['409', '409']);
  });

  it('PUT, PATCH and DELETE in a bulk', async () => {
    const c = await list.req('POST', '/Users', user('bulk.edit@example.com'));
    const id = c.body.id;
    const r = await list.req('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'PATCH', path: `/Users/${id}`, data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Bulk' }] } },
        { method: 'PUT', path: `/Users/${id}`, version: 'W/"1"', data: user('bulk.edit@example.com') },
        { method: 'DELETE', path: `/Users/${id}` },
      ],
    });
    expect(r.body.Operations.map((o: { status: string }) => o.status)).toEqual(['200', '412', '204']); // a User PATCH is 200, as on /Users (issue 12)
  });

  it('a PUT in a bulk answers the version a GET then gives: changed, unchanged, and a group whose members alone changed', async () => {
    const u = await list.req('POST', '/Users', user('bulk.put@example.com'));
    const g = await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Bulk PUT group' });
    expect([u.status, g.status]).toEqual([201, 201]);
    const id = u.body.id as string, gid = g.body.id as string;
    const put = async (path: string, data: unknown) => {
      const r = await list.req('POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'PUT', path, data }] });
      expect(r.status, r.text).toBe(200);
      const [op] = r.body.Operations;
      expect(op.status).toBe('200');
      const got = await list.req('GET', path);
      expect(op.location).toBe(got.body.meta.location);
      expect(got.headers.get('etag')).toBe(op.version);
      return op.version as string;
    };
    expect(await put(`/Users/${id}`, user('bulk.put@example.com', { title: 'Changed' }))).toBe('W/"2"');
    expect(await put(`/Users/${id}`, user('bulk.put@example.com', { title: 'Changed' }))).toBe('W/"2"'); // the same document: no new version
    const group = (displayName: string, members: string[]) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName, members: members.map((value) => ({ value })) });
    expect(await put(`/Groups/${gid}`, group('Bulk PUT group', [id]))).toBe('W/"2"'); // members alone
    expect((await list.req('GET', `/Groups/${gid}`)).body.members.map((m: { value: string }) => m.value)).toEqual([id]);
    expect(await put(`/Groups/${gid}`, group('Renamed', []))).toBe('W/"3"'); // name and members: one new version
    expect(await put(`/Groups/${gid}`, group('Renamed', []))).toBe('W/"3"'); // nothing changed
  });
});

describe('a Bulk operation that fails unexpectedly', () => {
  it('answers 500 with the request id and no internals, is logged with its stack, and the operations around it stand', async () => {
    const own = await startServer({ MUSTER_LOG_LEVEL: 'error' });
    const logged: string[] = [];
    const create = ScimService.prototype.create;
    let creates = 0;
    // A fault no client input can cause (the point of an internal error): the second create throws.
    const failing = vi.spyOn(ScimService.prototype, 'create').mockImplementation(function (this: ScimService, ...a: unknown[]) {
      if (++creates === 2) return Promise.reject(new Error('internals: /var/lib/muster/secret-path'));
      return (create as (...x: unknown[]) => Promise<never>).apply(this, a);
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    try {
      const l = await own.newList();
      const r = await l.req('POST', '/Bulk', {
        schemas: [BULK],
        Operations: ['one', 'two', 'three'].map((n) => ({ method: 'POST', path: '/Users', bulkId: n, data: user(`${n}@example.com`) })),
      });
      expect(r.status, r.text).toBe(200);
      expect(r.body.Operations.map((o: { status: string }) => o.status)).toEqual(['201', '500', '201']);
      const detail = r.body.Operations[1].response.detail as string;
      expect(detail).toMatch(/^internal error in this operation \(request id [0-9a-z]+\); it changed nothing, and the operations before it stand$/);
      expect(detail).not.toContain('secret-path');
      const requestId = /request id ([0-9a-z]+)/.exec(detail)![1];
      const line = logged.map((s) => { try { return JSON.parse(s) as Record<string, string>; } catch { return {}; } }).find((o) => o.msg === 'unhandled error in a Bulk operation');
      expect(line).toMatchObject({ level: 'error', requestId, method: 'POST', path: '/Users' });
      expect(line!.err).toMatch(/internals: \/var\/lib\/muster\/secret-path\n\s+at /);
      const names = (await l.req('GET', '/Users')).body.Resources.map((u: { userName: string }) => u.userName).sort();
      expect(names).toEqual(['one@example.com', 'three@example.com']);
    } finally {
      stderr.mockRestore();
      failing.mockRestore();
      await own.close();
    }
  });
});
