import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, PATCH_OP, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let key: string;
let list: TestList;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList({ name: 'Staff', tokenLabel: 'Okta' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
});
afterAll(() => srv.close());

const api = (method: string, path: string, body?: unknown) => call(`${srv.origin}/api/v1${path}`, {
  method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
});
const verify = async (url: string) => (await call(url, { headers: { accept: 'application/json' } })).body;
const okta = { 'user-agent': 'Okta SCIM Client 1.0.0' };

async function personWithCard(userName: string) {
  const created = await list.req('POST', '/Users', user(userName, { displayName: `${userName} Lovelace` }), okta);
  expect(created.status, created.text).toBe(201);
  const card = await api('POST', `/lists/${list.id}/people/${created.body.id}/credentials`, { kind: 'card' });
  expect(card.status, card.text).toBe(201);
  return { id: created.body.id as string, card: card.body };
}

describe('credentials follow their holder\'s lifecycle', () => {
  it('a SCIM deactivation revokes the card in the same request; the QR URL answers revoked at once, and reactivation reinstates it', async () => {
    const { id, card } = await personWithCard('ada');
    expect(card).toMatchObject({ kind: 'card', status: 'valid', verifyUrl: expect.stringMatching(new RegExp(`^${srv.origin}/v/[\\w-]{43}$`)) });
    expect(await verify(card.verifyUrl)).toMatchObject({ status: 'valid', holder: 'ada Lovelace', organisation: 'Test organisation', list: 'Staff' });

    // Okta deactivates with a PATCH replace of active (a string "False" in Okta's older dialect).
    const off = await list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: 'False' } }] }, okta);
    expect([200, 204], off.text).toContain(off.status);
    const t0 = Date.now();
    const after = await verify(card.verifyUrl);
    expect(after.status).toBe('revoked');
    expect(Date.now() - t0).toBeLessThan(5000);
    const page = await call(card.verifyUrl, {});
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toMatch(/<h1>Revoked<\/h1>/);

    const ev = (await api('GET', `/lists/${list.id}/audit/events?order=asc&action=person.deactivated,credential.revoked,credential.issued`)).body.events
      .filter((e: { target: { id: string }; detail: { personId?: string } }) => e.target.id === id || e.detail?.personId === id);
    expect(ev.map((e: { action: string }) => e.action)).toEqual(['credential.issued', 'person.deactivated', 'credential.revoked']);
    const [, deact, revoked] = ev;
    expect(revoked.requestId).toBe(deact.requestId);
    expect(revoked.idp?.name).toBe('Okta');
    expect(revoked.changes).toEqual([{ field: 'status', before: 'valid', after: 'revoked' }]);
    expect(revoked.detail).toMatchObject({ kind: 'card', reason: 'person deactivated' });

    expect([200, 204]).toContain((await list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] }, okta)).status);
    expect((await verify(card.verifyUrl)).status).toBe('valid');
    const reinstated = (await api('GET', `/lists/${list.id}/audit/events?action=credential.reinstated`)).body.events;
    expect(reinstated[0].target.id).toBe(card.id);
  });

  it('the credentials a roster change may touch: a person\'s kinds on this list, suspended ones included, revoked ones not', async () => {
    const repo = srv.muster.store.credentials;
    const { id, card } = await personWithCard('ivy');
    const { id: other } = await personWithCard('jon');
    expect(await repo.liveKinds(list.id, id)).toEqual(['card']);
    const elsewhere = await srv.newList({ name: 'Contractors', tokenLabel: 'Okta' });
    expect(await repo.liveKinds(elsewhere.id, id)).toEqual([]);
    expect((await api('POST', `/lists/${list.id}/credentials/${card.id}/suspend`, { reason: 'lost' })).status).toBe(200);
    expect(await repo.liveKinds(list.id, id)).toEqual(['card']);
    expect((await api('POST', `/lists/${list.id}/credentials/${card.id}/revoke`, { reason: 'stolen' })).status).toBe(200);
    expect(await repo.liveKinds(list.id, id)).toEqual([]);
    expect(await repo.liveKinds(list.id, other)).toEqual(['card']);
    // A card does not follow the roster (only wallet passes do): no pass, nothing to refresh.
    expect(await srv.muster.credentials.hasLivePasses(list.id, other)).toBe(false);
  });

  it('an admin suspends and reinstates; an admin revocation is final and survives reactivation', async () => {
    const { id, card } = await personWithCard('grace');
    expect((await api('POST', `/lists/${list.id}/credentials/${card.id}/suspend`, { reason: 'lost card reported' })).body.status).toBe('suspended');
    expect((await verify(card.verifyUrl)).status).toBe('suspended');
    expect((await api('POST', `/lists/${list.id}/credentials/${card.id}/reinstate`)).body.status).toBe('valid');
    expect((await api('POST', `/lists/${list.id}/credentials/${card.id}/revoke`, { reason: 'stolen' })).body).toMatchObject({ status: 'revoked', statusReason: 'stolen' });
    const again = await api('POST', `/lists/${list.id}/credentials/${card.id}/reinstate`);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/cannot be reinstated: issue a new one/);
    await list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] });
    expect((await verify(card.verifyUrl)).status).toBe('revoked');
    const suspended = (await api('GET', `/lists/${list.id}/audit/events?action=credential.suspended`)).body.events;
    expect(suspended[0]).toMatchObject({ actor: expect.stringMatching(/^admin-key:/), detail: { reason: 'lost card reported' } });
  });

  it('a deleted person\'s card is revoked; a deactivated person gets no new card; unknown codes are refused', async () => {
    const { id, card } = await personWithCard('linus');
    expect((await list.req('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(await verify(card.verifyUrl)).toMatchObject({ status: 'revoked' });
    const { id: id2 } = await personWithCard('barbara');
    await list.req('PATCH', `/Users/${id2}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    const refused = await api('POST', `/lists/${list.id}/people/${id2}/credentials`, { kind: 'card' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('person_inactive');
    expect((await api('POST', `/lists/${list.id}/people/${id2}/credentials`, { kind: 'tattoo' })).status).toBe(400);
    const unknown = await call(`${srv.origin}/v/${'x'.repeat(43)}`, { headers: { accept: 'application/json' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.status).toBe('unknown');
  });

  it('a Bulk deactivation revokes too, and every verification is logged', async () => {
    const { id, card } = await personWithCard('katherine');
    expect((await verify(card.verifyUrl)).status).toBe('valid');
    const bulk = await list.req('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'PATCH', path: `/Users/${id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] } }],
    });
    expect(bulk.status, bulk.text).toBe(200);
    expect((await verify(card.verifyUrl)).status).toBe('revoked');
    const logged = await srv.muster.store.credentials.verifications(card.id, 10);
    expect(logged.map((v) => v.status)).toEqual(['revoked', 'valid']);
    const listed = await api('GET', `/lists/${list.id}/people/${id}/credentials`);
    expect(listed.body.credentials).toEqual([expect.objectContaining({ id: card.id, status: 'revoked', statusReason: 'person deactivated' })]);
  });

  it('a deactivation and reactivation give back exactly what the card was: a suspension survives, and an admin can make the revocation final meanwhile', async () => {
    const { id, card } = await personWithCard('lost-card');
    const { card: other } = await (async () => ({ card: (await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'card' })).body }))();
    await api('POST', `/lists/${list.id}/credentials/${card.id}/suspend`, { reason: 'reported lost' });
    const setActive = (value: boolean) => list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value }] });
    await setActive(false);
    expect((await verify(card.verifyUrl)).status).toBe('revoked');
    // While deactivated, the second card is revoked for good by an admin.
    const final = await api('POST', `/lists/${list.id}/credentials/${other.id}/revoke`, { reason: 'not returned' });
    expect(final.status, final.text).toBe(200);
    await setActive(true);
    const creds = (await api('GET', `/lists/${list.id}/people/${id}/credentials`)).body.credentials;
    expect(creds.find((c: { id: string }) => c.id === card.id)).toMatchObject({ status: 'suspended', statusReason: 'reported lost' });
    expect(creds.find((c: { id: string }) => c.id === other.id)).toMatchObject({ status: 'revoked', statusReason: 'not returned' });
    expect((await verify(card.verifyUrl)).status).toBe('suspended');
  });
});

describe('credentials on a list filled by CSV import', () => {
  it('an import that deactivates someone revokes their card in the same transaction', async () => {
    const csvList = await srv.muster.lists.createList({ name: 'Imported', uid: 'userName', org: 'Test organisation', syncMethod: 'none' });
    const importCsv = (csv: string) => call(`${srv.origin}/api/v1/lists/${csvList.list.id}/import`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: csv });
    expect((await importCsv('username,active\nana,true\n')).status).toBe(200);
    const ana = (await api('GET', `/lists/${csvList.list.id}/people?search=ana`)).body.people[0];
    const card = (await api('POST', `/lists/${csvList.list.id}/people/${ana.id}/credentials`, { kind: 'card' })).body;
    expect((await verify(card.verifyUrl)).status).toBe('valid');
    const r = await importCsv('username,active\nana,false\n');
    expect(r.status, r.text).toBe(200);
    expect((await verify(card.verifyUrl)).status).toBe('revoked');
    const ev = (await api('GET', `/lists/${csvList.list.id}/audit/events?action=person.deactivated,credential.revoked&order=asc`)).body.events;
    expect(ev.map((e: { action: string }) => e.action)).toEqual(['person.deactivated', 'credential.revoked']);
    expect(ev[1].requestId).toBe(ev[0].requestId);
  });
});

describe('the public verification page under load', () => {
  it('is throttled per client address (MUSTER_PUBLIC_RATE_LIMIT), so a scanner loop cannot fill the verification log', async () => {
    const busy = await startServer({ MUSTER_PUBLIC_RATE_LIMIT: '2' });
    try {
      const answers: number[] = [];
      for (let i = 0; i < 8; i++) answers.push((await fetch(`${busy.origin}/v/${'x'.repeat(43)}`)).status);
      // 2 a second, bursts of 6: the first six are answered (404: unknown code), then 429.
      expect(answers.slice(0, 6)).toEqual(Array(6).fill(404));
      expect(answers.slice(6)).toEqual([429, 429]);
      const r = await fetch(`${busy.origin}/v/${'x'.repeat(43)}`);
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await busy.close();
    }
  });
});
