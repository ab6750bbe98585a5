/**
 * Replays Okta's and Entra ID's provisioning lifecycles, request by request, as those IdPs send
 * them (fixtures/idp/*.json, built from the IdPs' documentation and public issues, with the source
 * of each step in its note), and checks every status the IdP accepts as well as the roster state
 * they leave.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, user, type TestServer } from './helpers/server.js';
import { loadSteps as load, replay } from './helpers/replay.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());

describe('IdP lifecycle replays', () => {
  it('Okta: test credentials, exists-check, create, GET+PUT, group push, deactivate, reactivate, password, unlink', async () => {
    const list = await srv.newList({ name: 'Okta list' });
    const vars: Record<string, string> = { token: list.token };
    const results = await replay('okta', vars, list.base);
    expect(results).toHaveLength(16);
    const u = await list.req('GET', `/Users/${vars.userId}`);
    expect(u.status).toBe(200);
    expect(u.body.password).toBeUndefined();
    expect(u.body.userName).toBe('jdoe@example.com');
    expect((await list.req('GET', `/Groups/${vars.groupId}`)).status).toBe(404);
  });

  it('Entra ID: test connection, exists-check, create, manager, both PATCH dialects, groups, deactivate, hard delete', async () => {
    const list = await srv.newList({ name: 'Entra list' });
    const manager = await list.req('POST', '/Users', user('manager@contoso.com'));
    const vars: Record<string, string> = { token: list.token, randomGuid: randomUUID(), managerId: manager.body.id };
    const results = await replay('entra', vars, list.base);
    expect(results).toHaveLength(20);
    const first = results[0]!;
    expect(first.body).toMatchObject({ totalResults: 0, Resources: [] });
    expect((await list.req('GET', `/Users/${vars.userId}`)).status).toBe(404);
    expect((await list.req('GET', `/Groups/${vars.groupId}`)).status).toBe(404);
  });

  it('Entra ID: the user the lifecycle leaves before deletion has every change applied', async () => {
    const list = await srv.newList({ name: 'Entra state' });
    const manager = await list.req('POST', '/Users', user('boss@contoso.com'));
    const vars: Record<string, string> = { token: list.token, randomGuid: randomUUID(), managerId: manager.body.id };
    const steps = load('entra');
    const cut = steps.findIndex((s) => s.method === 'DELETE');
    const base = list.base;
    for (const step of steps.slice(0, cut)) {
      const url = base + step.path.replace(/^\/scim\/v2/, '').replace(/\{\{(\w+)\}\}/g, (_m, k: string) => vars[k]!);
      const body = step.body === undefined || step.body === null ? undefined : JSON.stringify(step.body).replace(/\{\{(\w+)\}\}/g, (_m, k: string) => vars[k]!);
      const r = await call(url, { method: step.method, headers: { authorization: `Bearer ${list.token}`, 'content-type': 'application/scim+json' }, body });
      if (r.status === 201 && /\/Users$/.test(step.path)) vars.userId = r.body.id;
      if (r.status === 201 && /\/Groups$/.test(step.path)) vars.groupId = r.body.id;
    }
    const u = (await list.req('GET', `/Users/${vars.userId}`)).body;
    expect(u.active).toBe(true); // deactivated, then reactivated
    expect(u['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager).toEqual({ value: manager.body.id });
    const g = (await list.req('GET', `/Groups/${vars.groupId}`)).body;
    expect(g.displayName).toBe('Engineering-Core');
    expect(g.members ?? []).toEqual([]);
  });
});
