/**
 * Every IdP lifecycle in test/fixtures/idp/ replays with the statuses that IdP accepts, and every
 * change it makes is attributed to that IdP in the audit trail (by User-Agent where the IdP sends
 * one, else by the token's label, as docs/audit.md recommends).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, user, type TestServer } from './helpers/server.js';
import { replay } from './helpers/replay.js';

const IDP_NAMES: Readonly<Record<string, string>> = {
  okta: 'Okta', entra: 'Microsoft Entra ID', pingfederate: 'PingFederate', pingone: 'PingOne', onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud', google: 'Google Workspace', rippling: 'Rippling',
};
const fixtures = fs.readdirSync(path.join(import.meta.dirname, 'fixtures', 'idp')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());

describe('IdP lifecycle replays', () => {
  it('covers every IdP Muster documents', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['entra', 'okta']));
    for (const f of fixtures) expect(Object.keys(IDP_NAMES), `${f}.json has no IdP name`).toContain(f);
  });

  it.each(fixtures)('%s: every step gets a status the IdP accepts, and every change is attributed to it', async (name) => {
    const idp = IDP_NAMES[name]!;
    const list = await srv.newList({ name: `${name} replay`, tokenLabel: `${idp} production` });
    const manager = (await list.req('POST', '/Users', user(`manager.${name}@example.com`))).body.id;
    const vars: Record<string, string> = { token: list.token, randomGuid: randomUUID(), managerId: manager };
    await replay(name, vars, list.base);
    const events = await srv.muster.store.audit.query({ listId: list.id, order: 'asc', limit: 1000 });
    const byIdp = events.filter((e) => e.actor === 'scim' && e.token_id && e.target_name !== `manager.${name}@example.com` && e.action !== 'token.first_used');
    expect(byIdp.length, `${name} made no change`).toBeGreaterThan(0);
    for (const e of byIdp) expect(e.idp, `${e.action} ${e.idp_evidence}`).toBe(idp);
  });
});
