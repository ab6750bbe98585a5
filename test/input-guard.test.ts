/**
 * Issue 12, defects 1 (prototype pollution), 3 (Unicode and NUL) and 6 (deep JSON), against a real
 * server on both engines: every refused request answers its 400 with the right scimType (or the
 * admin API's code), leaves Object.prototype, the roster and the audit trail as they were, and the
 * audit chain still verifies.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/scim/input-guard.js';
import { up as renormaliseUserNames } from '../src/store/migrations/015-user-name-nfc.js';
import { ENTERPRISE, PATCH_OP, USER_SCHEMA, call, patch, startServer, user, type ScimResult, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let adminKey: string;
const protoNames = Object.getOwnPropertyNames(Object.prototype);

beforeAll(async () => {
  srv = await startServer();
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  adminKey = await srv.adminKey(org.id);
});
afterAll(() => srv.close());

const admin = (method: string, path: string, body?: unknown): Promise<ScimResult> => call(`${srv.origin}/api/v1${path}`, {
  method,
  headers: { authorization: `Bearer ${adminKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});

/** Everything a refused request must leave as it was: the people, the groups, the audit trail. */
async function state(list: TestList): Promise<unknown> {
  const users = await list.req('GET', '/Users?count=1000');
  const groups = await list.req('GET', '/Groups?count=1000');
  const events = await admin('GET', `/lists/${list.id}/audit/events?order=asc&limit=1000`);
  expect(events.status, events.text).toBe(200);
  return { users: users.body.Resources, groups: groups.body.Resources, events: events.body.events };
}

async function verified(list: TestList): Promise<void> {
  const v = await admin('GET', `/lists/${list.id}/audit/verify`);
  expect(v.body.ok, v.text).toBe(true);
}

function prototypeUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(protoNames);
  const probe = {} as Record<string, unknown>;
  expect(probe.detail).toBeUndefined();
  expect(probe.x).toBeUndefined();
  expect(probe.polluted).toBeUndefined();
}

/** Sends a refused request and checks that it changed nothing at all. */
async function refused(list: TestList, send: () => Promise<ScimResult>, status: number, scimType: string | undefined): Promise<ScimResult> {
  const before = await state(list);
  const r = await send();
  expect(r.status, r.text).toBe(status);
  if (scimType !== undefined) expect(r.body?.scimType ?? r.body?.error, r.text).toBe(scimType);
  prototypeUntouched();
  expect(await state(list)).toEqual(before);
  await verified(list);
  return r;
}

const raw = (list: TestList, method: string, path: string, body: string | Uint8Array): Promise<ScimResult> =>
  call(list.base + path, { method, headers: { authorization: `Bearer ${list.token}`, 'content-type': 'application/scim+json' }, body });

/** `{"x":{"x":…"leaf"…}}` nested `depth` levels, as text (JSON.stringify would recurse as deep). */
const deepText = (depth: number): string => `${'{"x":'.repeat(depth - 1)}{"leaf":1}${'}'.repeat(depth - 1)}`;

describe('prototype pollution (defect 1)', () => {
  it('PATCH with a __proto__ schema prefix is 400 invalidPath and writes nothing anywhere', async () => {
    const list = await srv.newList({ name: 'Proto patch' });
    const id = (await list.req('POST', '/Users', user('ada@example.com'))).body.id;
    for (const path of ['__proto__:detail', '__proto__:x.y', 'constructor:prototype', 'urn:x:constructor:2.0:User', 'name.constructor', 'prototype', 'emails[constructor eq "x"].value']) {
      await refused(list, () => list.req('PATCH', `/Users/${id}`, patch({ op: 'add', path, value: { x: 1 } })), 400, 'invalidPath');
    }
    // After all of that the node still serves everyone.
    expect((await call(`${srv.origin}/healthz`, {})).status).toBe(200);
    expect((await admin('GET', '/lists')).status).toBe(200);
  });

  it('"schemas": ["constructor"] is 400 invalidValue, not 500', async () => {
    const list = await srv.newList({ name: 'Proto schemas' });
    await refused(list, () => list.req('POST', '/Users', { schemas: ['constructor'], userName: 'c@example.com' }), 400, 'invalidValue');
    await refused(list, () => list.req('POST', '/Users', { schemas: [USER_SCHEMA, 'urn:x:__proto__:2.0:User'], userName: 'c@example.com' }), 400, 'invalidValue');
    const id = (await list.req('POST', '/Users', user('c@example.com'))).body.id;
    await refused(list, () => list.req('PATCH', `/Users/${id}`, { schemas: ['prototype'], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }), 400, 'invalidValue');
  });

  it('reserved keys in POST, PUT, PATCH and Bulk bodies are 400 invalidValue', async () => {
    const list = await srv.newList({ name: 'Proto keys' });
    const id = (await list.req('POST', '/Users', user('k@example.com'))).body.id;
    const bodies: [string, string, string][] = [
      ['POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"p@example.com","__proto__":{"polluted":1}}`],
      ['POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"p@example.com","urn:acme:2.0:User":{"constructor":{"prototype":{"polluted":1}}}}`],
      ['POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"p@example.com","urn:__proto__:2.0:User":{"polluted":1}}`],
      ['PUT', `/Users/${id}`, `{"schemas":["${USER_SCHEMA}"],"userName":"k@example.com","name":{"__proto__":{"polluted":1}}}`],
      ['PATCH', `/Users/${id}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":{"__proto__":{"polluted":1}}}]}`],
      ['PATCH', `/Users/${id}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":{"name.constructor":"x"}}]}`],
      ['POST', '/Bulk', `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"b@example.com","__proto__":{"polluted":1}}}]}`],
    ];
    for (const [method, path, body] of bodies) await refused(list, () => raw(list, method, path, body), 400, 'invalidValue');
  });

  it('reserved names in filters, attributes, sortBy and URL segments are refused, never a 500', async () => {
    const list = await srv.newList({ name: 'Proto query' });
    await list.req('POST', '/Users', user('q@example.com'));
    await refused(list, () => list.req('GET', `/Users?filter=${encodeURIComponent('__proto__:detail eq "x"')}`), 400, 'invalidFilter');
    await refused(list, () => list.req('GET', `/Users?filter=${encodeURIComponent('emails[constructor pr]')}`), 400, 'invalidFilter');
    await refused(list, () => list.req('GET', '/Users?attributes=constructor'), 400, 'invalidValue');
    await refused(list, () => list.req('GET', '/Users?excludedAttributes=__proto__:x'), 400, 'invalidValue');
    await refused(list, () => list.req('GET', '/Users?sortBy=name.prototype'), 400, 'invalidFilter');
    await refused(list, () => list.req('POST', '/.search', { filter: 'constructor eq "x"' }), 400, 'invalidFilter');
    for (const seg of ['/constructor', '/__proto__', '/Users/constructor', '/Schemas/__proto__']) {
      const r = await list.req('GET', seg);
      expect(r.status, seg).toBe(404);
    }
    // A value may be any word: only names are reserved.
    expect((await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "constructor"')}`)).status).toBe(200);
  });

  it('admin API: reserved field keys, mapping sources and body keys are refused with its own error codes', async () => {
    const list = await srv.newList({ name: 'Proto admin' });
    await list.req('POST', '/Users', user('adm@example.com'));
    const fields = () => admin('GET', `/lists/${list.id}/fields`);
    const before = await fields();
    for (const key of ['constructor', 'prototype']) {
      await refused(list, () => admin('POST', `/lists/${list.id}/fields`, { key, label: 'X', type: 'text' }), 400, 'invalid_field');
    }
    const mapping = (await admin('GET', `/lists/${list.id}/mapping`)).body;
    const entries = [...mapping.entries, { source: '__proto__:detail', field: mapping.entries[0].field, transform: 'copy' }];
    await refused(list, () => admin('PUT', `/lists/${list.id}/mapping`, { entries }), 400, 'invalid_mapping');
    const template = [...mapping.entries, { source: '', field: mapping.entries[0].field, transform: 'template', template: '{constructor} {name.givenName}' }];
    await refused(list, () => admin('PUT', `/lists/${list.id}/mapping`, { entries: template }), 400, 'invalid_mapping');
    await refused(list, () => admin('PATCH', `/lists/${list.id}`, '{"name":"x","__proto__":{"polluted":1}}'), 400, 'invalid_input');
    await refused(list, () => admin('POST', `/lists/${list.id}/mapping/preview`, '{"entries":[],"constructor":{"prototype":{"polluted":1}}}'), 400, 'invalid_input');
    expect((await fields()).body).toEqual(before.body);
  });
});

describe('Unicode and NUL (defect 3)', () => {
  it('a lone surrogate or NUL in any string is 400 invalidValue naming the attribute, and the chain stays whole', async () => {
    const list = await srv.newList({ name: 'Unicode' });
    const id = (await list.req('POST', '/Users', user('u@example.com'))).body.id;
    const r = await refused(list, () => raw(list, 'POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"eve\\udfff@example.com"}`), 400, 'invalidValue');
    expect(r.body.detail).toContain('"userName"');
    const nul = await refused(list, () => raw(list, 'POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"n@example.com","name":{"givenName":"a\\u0000b"}}`), 400, 'invalidValue');
    expect(nul.body.detail).toContain('"name.givenName"');
    await refused(list, () => raw(list, 'PATCH', `/Users/${id}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","path":"title","value":"\\ud800"}]}`), 400, 'invalidValue');
    await refused(list, () => raw(list, 'PATCH', `/Users/${id}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":{"${ENTERPRISE}":{"department":"x\\u0000"}}}]}`), 400, 'invalidValue');
    await refused(list, () => raw(list, 'POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"k@example.com","urn:acme:2.0:User":{"a\\udc00":"x"}}`), 400, 'invalidValue');
  });

  it('bytes that are not UTF-8 are 400 invalidSyntax, not U+FFFD', async () => {
    const list = await srv.newList({ name: 'Bytes' });
    const body = Buffer.concat([Buffer.from(`{"schemas":["${USER_SCHEMA}"],"userName":"eve`), Buffer.from([0xed, 0xbf, 0xbf]), Buffer.from('@example.com"}')]);
    await refused(list, () => raw(list, 'POST', '/Users', body), 400, 'invalidSyntax');
    await refused(list, () => raw(list, 'POST', '/Users', Buffer.from([0x7b, 0xff, 0x7d])), 400, 'invalidSyntax');
  });

  it('NUL and lone surrogates in query parameters and URL segments are refused, on SCIM and on the admin API', async () => {
    const list = await srv.newList({ name: 'Query text' });
    await refused(list, () => list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "a\u0000"')}`), 400, 'invalidValue');
    await refused(list, () => list.req('GET', '/Users/%00'), 400, 'invalidValue');
    await refused(list, () => list.req('DELETE', '/Users/abc%00'), 400, 'invalidValue');
    await refused(list, () => admin('GET', `/lists/${list.id}/people?search=%00`), 400, 'invalid_input');
    await refused(list, () => admin('GET', '/lists/%00'), 400, 'invalid_input');
    await refused(list, () => admin('POST', '/auth/sign-in', { email: 'a\u0000@example.com', password: 'x' }), 400, 'invalid_input');
    await refused(list, () => call(`${srv.origin}/passkit/v1/devices/a%00/registrations/pass.example`, {}), 400, undefined);
  });

  it('NFC and NFD spellings of one userName are one user (RFC 7613), case-insensitively', async () => {
    const list = await srv.newList({ name: 'NFC' });
    const nfc = 'Jos\u00e9@example.com', nfd = 'jose\u0301@EXAMPLE.com';
    const created = await list.req('POST', '/Users', user(nfc));
    expect(created.status).toBe(201);
    const dup = await list.req('POST', '/Users', user(nfd));
    expect([dup.status, dup.body.scimType]).toEqual([409, 'uniqueness']);
    for (const v of [nfc, nfd, nfd.toUpperCase()]) {
      const r = await list.req('GET', `/Users?filter=${encodeURIComponent(`userName eq "${v}"`)}`);
      expect(r.body.Resources.map((u: { id: string }) => u.id), v).toEqual([created.body.id]);
    }
    const sw = await list.req('GET', `/Users?filter=${encodeURIComponent('userName sw "jose\u0301"')}`);
    expect(sw.body.totalResults).toBe(1);
    // The stored userName is kept as sent.
    expect((await list.req('GET', `/Users/${created.body.id}`)).body.userName).toBe(nfc);
    await verified(list);
  });

  it('migration 015 re-keys userNames stored before, and leaves a pair that now collides valid', async () => {
    const list = await srv.newList({ name: 'Re-key' });
    const db = srv.muster.store.db;
    const a = (await list.req('POST', '/Users', user('Rene\u0301@example.com'))).body.id;
    const b = (await list.req('POST', '/Users', user('zoe@example.com'))).body.id;
    const c = (await list.req('POST', '/Users', user('other@example.com'))).body.id;
    // As the previous version keyed them: lower case only. b and c become an NFC/NFD pair of one name.
    await sql`UPDATE users SET user_name_lc = ${'rene\u0301@example.com'} WHERE id = ${a}`.execute(db);
    await sql`UPDATE users SET user_name = ${'Zo\u00eb@example.com'}, user_name_lc = ${'zo\u00eb@example.com'} WHERE id = ${b}`.execute(db);
    await sql`UPDATE users SET user_name = ${'Zoe\u0308@example.com'}, user_name_lc = ${'zoe\u0308@example.com'} WHERE id = ${c}`.execute(db);
    await renormaliseUserNames(db as unknown as Kysely<unknown>, srv.muster.store.engine);
    const keys = await sql<{ id: string; user_name_lc: string }>`SELECT id, user_name_lc FROM users WHERE list_id = ${list.id}`.execute(db);
    const key = new Map(keys.rows.map((r) => [r.id, r.user_name_lc]));
    expect(key.get(a)).toBe('ren\u00e9@example.com');
    expect(key.get(b)).toBe('zo\u00eb@example.com');
    expect(key.get(c)).toBe('zoe\u0308@example.com'); // kept: the NFC key is b's
    const found = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "REN\u00c9@example.com"')}`);
    expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([a]);
  });
});

describe('deep JSON (defect 6)', () => {
  it(`a body nested ${MAX_JSON_DEPTH} levels is accepted; 2,000 and 100,000 levels are 400 invalidSyntax with no write and no audit event`, async () => {
    const list = await srv.newList({ name: 'Deep' });
    const id = (await list.req('POST', '/Users', user('d@example.com'))).body.id;
    for (const depth of [MAX_JSON_DEPTH + 1, 2_000, 100_000]) {
      const ext = `{"schemas":["${USER_SCHEMA}"],"userName":"deep${depth}@example.com","urn:acme:2.0:User":${deepText(depth - 1)}}`;
      await refused(list, () => raw(list, 'POST', '/Users', ext), 400, 'invalidSyntax');
      await refused(list, () => raw(list, 'PATCH', `/Users/${id}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"urn:acme:2.0:User:x","value":${deepText(depth - 3)}}]}`), 400, 'invalidSyntax');
      await refused(list, () => admin('PATCH', `/lists/${list.id}`, deepText(depth)), 400, 'invalid_input');
    }
    // Exactly at the limit: accepted, and the person can still be changed and deactivated.
    const legal = `{"schemas":["${USER_SCHEMA}"],"userName":"legal@example.com","urn:acme:2.0:User":${deepText(MAX_JSON_DEPTH - 1)}}`;
    const ok = await raw(list, 'POST', '/Users', legal);
    expect(ok.status, ok.text).toBe(201);
    expect((await list.req('PATCH', `/Users/${ok.body.id}`, patch({ op: 'replace', path: 'title', value: 'Engineer' }))).status).toBeLessThan(300);
    expect((await list.req('PATCH', `/Users/${ok.body.id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBeLessThan(300);
    expect((await list.req('GET', `/Users/${ok.body.id}`)).body.active).toBe(false);
    await verified(list);
  });

  it('a person stored before the limit with a 2,000-level extension can still be read, PATCHed and deactivated', async () => {
    const list = await srv.newList({ name: 'Deep stored' });
    const created = await list.req('POST', '/Users', user('old@example.com'));
    const doc = { ...created.body, 'urn:acme:2.0:User': JSON.parse(deepText(2_000)) as unknown };
    delete doc.meta;
    // As an earlier version stored it: written straight into the row.
    await sql`UPDATE users SET data = ${JSON.stringify(doc)} WHERE id = ${created.body.id}`.execute(srv.muster.store.db);
    expect((await list.req('GET', `/Users/${created.body.id}`)).status).toBe(200);
    const p1 = await list.req('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: 'title', value: 'Kept' }));
    expect(p1.status, p1.text).toBeLessThan(300);
    const p2 = await list.req('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: 'active', value: false }));
    expect(p2.status, p2.text).toBeLessThan(300);
    const after = await list.req('GET', `/Users/${created.body.id}?attributes=active,title`);
    expect([after.body.active, after.body.title]).toEqual([false, 'Kept']);
    const ev = await admin('GET', `/lists/${list.id}/audit/events?action=person.deactivated`);
    expect(ev.body.events).toHaveLength(1);
    await verified(list);
  });

  it('the request log cannot fail a response', async () => {
    const list = await srv.newList({ name: 'Request log' });
    const log = srv.muster.requestLog;
    const add = log.add.bind(log);
    log.add = () => {
      throw new Error('request log down');
    };
    try {
      const r = await list.req('POST', '/Users', user('rl@example.com'));
      expect(r.status, r.text).toBe(201);
      const bad = await list.req('POST', '/Users', { schemas: [USER_SCHEMA] });
      expect([bad.status, bad.body.scimType]).toEqual([400, 'invalidValue']);
    } finally {
      log.add = add;
    }
    expect((await list.req('GET', '/Users')).body.totalResults).toBe(1);
  });
});
