/**
 * The audit trail in roster words (issue 13, items 3 and 4): one change per roster field with the
 * list's labels, people by name; filters by a person's name, email or identifier, the IdP in any
 * case, action and dates; a person's whole history (photos, credentials, card prints) and its CSV.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../src/roster/csv.js';
import { call, ENTERPRISE, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { groupPhoto, portrait as samplePortrait } from './helpers/sample-photos.js';

let srv: TestServer;
let key: string;

beforeAll(async () => {
  srv = await startServer();
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
});
afterAll(() => srv.close());

const api = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => call(`${srv.origin}/api/v1${p}`, {
  method,
  headers: { authorization: `Bearer ${key}`, ...(body !== undefined && !(body instanceof Buffer) ? { 'content-type': 'application/json' } : {}), ...headers },
  body: body === undefined ? undefined : body instanceof Buffer ? new Uint8Array(body) : JSON.stringify(body),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin API JSON
async function events(list: TestList, query: string): Promise<any[]> {
  const r = await api('GET', `/lists/${list.id}/audit/events?order=asc&limit=1000&${query}`);
  expect(r.status, r.text).toBe(200);
  return r.body.events;
}

const staff = (userName: string, given: string, family: string, employeeNumber: string, department: string, extra: Record<string, unknown> = {}) =>
  user(userName, { name: { givenName: given, familyName: family }, [ENTERPRISE]: { employeeNumber, department, ...extra } });

describe('changes in the list\'s words', () => {
  it('a department edit is one change, "Department: Emergency → Intensive Care", with both stored paths; the manager by name', async () => {
    const list = await srv.newList({ name: 'Ward', uid: 'employeeNumber', tokenLabel: 'Okta production' });
    const boss = (await list.req('POST', '/Users', staff('grace@example.com', 'Grace', 'Hopper', 'E-1', 'Board'))).body.id;
    const id = (await list.req('POST', '/Users', staff('ada@example.com', 'Ada', 'Lovelace', 'E-2', 'Emergency'))).body.id;
    const r = await list.req('PATCH', `/Users/${id}`, patch(
      { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Intensive Care' },
      { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: boss } },
    ));
    expect(r.status, r.text).toBeLessThan(300);
    const updated = (await events(list, `personId=${id}&action=person.updated`))[0];
    // Stored as before: the SCIM attribute and the roster field, separately (the chain covers these bytes).
    expect(updated.changes.map((c: { field: string }) => c.field)).toEqual(expect.arrayContaining([`${ENTERPRISE}:department`, 'roster:department']));
    const dept = updated.words.changes.filter((c: { label: string }) => c.label === 'Department');
    expect(dept).toEqual([{ label: 'Department', field: 'department', before: 'Emergency', after: 'Intensive Care', paths: [`${ENTERPRISE}:department`, 'roster:department'] }]);
    const manager = updated.words.changes.find((c: { label: string }) => c.label === 'Manager');
    expect(manager).toMatchObject({ before: null, after: 'Grace Hopper' });
    expect(updated.words.title).toBe('Person updated');
    // Nothing on screen is JSON: every before/after is words.
    for (const c of updated.words.changes) expect(`${c.before ?? ''} ${c.after ?? ''}`).not.toMatch(/[{}"]/);
    const created = (await events(list, `personId=${id}&action=person.created`))[0];
    expect(created.words.changes.find((c: { label: string }) => c.label === 'Active')).toMatchObject({ before: null, after: 'Yes' });
    expect(created.words.changes.filter((c: { label: string }) => c.label === 'First name')).toHaveLength(1);
    expect(await srv.muster.audit.verify(srv.muster.store, list.id)).toMatchObject({ ok: true });
  });

  it('the CSV export uses the same labels, keeps the raw paths and JSON in their own columns, and stays formula-safe', async () => {
    const list = await srv.newList({ name: 'Export', uid: 'employeeNumber', tokenLabel: 'Okta production' });
    const id = (await list.req('POST', '/Users', staff('csv@example.com', '=HYPERLINK("x")', 'Doe', 'E-9', 'Emergency'))).body.id;
    await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Intensive Care' }));
    const csv = await api('GET', `/lists/${list.id}/audit/export?format=csv&personId=${id}`);
    expect(csv.status).toBe(200);
    const [head, ...rows] = parseCsv(csv.text);
    expect(head).toEqual(['seq', 'time', 'action', 'event', 'target_type', 'target_id', 'target_name', 'idp', 'idp_evidence', 'token_label', 'request_id', 'actor',
      'changes', 'fields', 'change_paths', 'details', 'changes_json', 'detail_json', 'normalisations', 'hash']);
    const col = (row: string[], name: string) => row[head!.indexOf(name)]!;
    const upd = rows.find((r) => col(r, 'action') === 'person.updated')!;
    expect(col(upd, 'event')).toBe('Person updated');
    expect(col(upd, 'changes').split('\n')).toContain('Department: Emergency → Intensive Care');
    expect(col(upd, 'fields').split('\n')).toContain('Department');
    expect(col(upd, 'change_paths').split('\n')).toContain(`${ENTERPRISE}:department + roster:department`);
    expect(JSON.parse(col(upd, 'changes_json'))).toEqual(expect.arrayContaining([{ field: 'roster:department', before: 'Emergency', after: 'Intensive Care' }]));
    const created = rows.find((r) => col(r, 'action') === 'person.created')!;
    // A value a spreadsheet would run as a formula starts its cell only behind a quote.
    expect(col(created, 'changes').split('\n').find((l) => l.startsWith('First name'))).toBe('First name: (empty) → =HYPERLINK("x")');
    for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@]/);
  });
});

describe('filters', () => {
  it('find a person by name, email or identifier, the IdP in any case, combined with action and dates, on both engines', async () => {
    const list = await srv.newList({ name: 'Filters', uid: 'employeeNumber', tokenLabel: 'Okta production' });
    const ada = (await list.req('POST', '/Users', staff('ada@example.com', 'Ada', 'Lovelace', 'E-100', 'Maths'))).body.id;
    const alan = (await list.req('POST', '/Users', staff('alan@example.com', 'Alan', 'Turing', 'E-200', 'Maths'))).body.id;
    await list.req('PATCH', `/Users/${ada}`, patch({ op: 'replace', path: 'active', value: false }));
    const targets = async (q: string) => [...new Set((await events(list, q)).map((e) => e.target?.id))];
    expect(await targets('person=Ada%20Lovelace')).toEqual([ada]);
    expect(await targets('person=lovelace')).toEqual([ada]);
    expect(await targets('person=alan%40work.example')).toEqual([alan]);
    expect(await targets('person=E-200')).toEqual([alan]);
    expect(await targets(`person=${ada}`)).toEqual([ada]);
    expect(await targets('person=Nobody')).toEqual([]);
    expect((await events(list, 'person=maths')).map((e) => e.action)).toEqual(['person.created', 'person.created', 'person.deactivated']);
    for (const idp of ['okta', 'OKTA', 'Okta']) expect((await events(list, `idp=${idp}`)).length, idp).toBe(3);
    expect((await events(list, 'idp=pingone')).length).toBe(0);
    const combined = await events(list, 'person=Ada&action=person.deactivated&idp=okta');
    expect(combined.map((e) => e.action)).toEqual(['person.deactivated']);
    expect(await events(list, 'person=Ada&since=2999-01-01')).toEqual([]);
    expect((await events(list, 'person=Ada&until=2999-01-01&since=2000-01-01')).length).toBe(2);
    const one = await events(list, `event=${combined[0].seq}`);
    expect(one.map((e) => e.seq)).toEqual([combined[0].seq]);
    expect((await api('GET', `/lists/${list.id}/audit/events?event=first`)).status).toBe(400);
  });
});

describe('a person\'s whole history', () => {
  it('lists photos (refused with why, uploaded, approved), credentials (issued, revoked by the IdP request) and the card print, and exports them', async () => {
    const list = await srv.newList({ name: 'Lifecycle', uid: 'employeeNumber', tokenLabel: 'Okta production' });
    const id = (await list.req('POST', '/Users', staff('kay@example.com', 'Kay', 'Sun', 'E-7', 'Security'))).body.id;
    const other = (await list.req('POST', '/Users', staff('sam@example.com', 'Sam', 'Other', 'E-8', 'Security'))).body.id;
    const refused = await api('POST', `/lists/${list.id}/people/${id}/photo`, groupPhoto(), { 'content-type': 'image/jpeg' });
    expect(refused.status).toBe(422);
    const up = await api('POST', `/lists/${list.id}/people/${id}/photo`, await samplePortrait(), { 'content-type': 'image/jpeg' });
    expect(up.status, up.text).toBe(201);
    expect((await api('POST', `/lists/${list.id}/photos/${up.body.id}/approve`)).status).toBe(200);
    const templateId = (await api('GET', `/lists/${list.id}/card-templates`)).body.templates[0].id;
    const job = await api('POST', `/lists/${list.id}/print-jobs`, { templateId, layout: 'card', sides: 'front', personIds: [id] });
    expect(job.status, job.text).toBe(202);
    for (let i = 0; i < 300; i++) {
      const j = await api('GET', `/lists/${list.id}/jobs/${job.body.id}`);
      if (j.body.status === 'done' || j.body.status === 'failed') {
        expect(j.body.status, JSON.stringify(j.body)).toBe('done');
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const deactivated = await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }));
    expect(deactivated.status).toBeLessThan(300);

    const history = await events(list, `personId=${id}`);
    expect(history.map((e) => e.action)).toEqual([
      'person.created', 'photo.upload_refused', 'photo.uploaded', 'photo.approved', 'credential.issued', 'cards.printed', 'person.deactivated', 'credential.revoked',
    ]);
    const at = (a: string) => history.find((e) => e.action === a);
    expect(at('photo.upload_refused').words.facts).toContainEqual({ label: 'Why', text: expect.stringMatching(/more than one face/) });
    expect(at('cards.printed').words.facts).toContainEqual({ label: 'Print job', text: job.body.id });
    const revoked = at('credential.revoked');
    expect(revoked.words.title).toBe('Credential revoked: printed card');
    expect(revoked.words.facts).toContainEqual({ label: 'Reason', text: 'person deactivated' });
    // The IdP request that caused it: the deactivation's request id and IdP.
    expect(revoked.requestId).toBe(deactivated.headers.get('x-request-id'));
    expect(revoked.requestId).toBe(at('person.deactivated').requestId);
    expect(revoked.idp.name).toBe('Okta');
    // The other person's history has none of it.
    expect((await events(list, `personId=${other}`)).map((e) => e.action)).toEqual(['person.created']);
    // The audit trail's person filter (by name) finds the same set.
    expect((await events(list, 'person=Kay%20Sun')).map((e) => e.seq)).toEqual(history.map((e) => e.seq));

    const csv = await api('GET', `/lists/${list.id}/audit/export?format=csv&personId=${id}`);
    const [head, ...rows] = parseCsv(csv.text);
    const col = (r: string[], name: string) => r[head!.indexOf(name)]!;
    expect(rows.map((r) => col(r, 'action'))).toEqual(history.map((e) => e.action));
    expect(rows.map((r) => col(r, 'event'))).toContain('Credential revoked: printed card');
    expect(col(rows.find((r) => col(r, 'action') === 'credential.revoked')!, 'details')).toContain('Reason: person deactivated');
    expect(await srv.muster.audit.verify(srv.muster.store, list.id)).toMatchObject({ ok: true });
  });
});

describe('migration 017', () => {
  it('files the events recorded before it under their people, credential and print events included', async () => {
    const { fillAuditPeople } = await import('../src/store/migrations/017-audit-people.js');
    const list = await srv.newList({ name: 'Backfill', uid: 'employeeNumber' });
    const id = (await list.req('POST', '/Users', staff('old@example.com', 'Old', 'Timer', 'E-50', 'Archive'))).body.id;
    expect((await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'card' })).status).toBe(201);
    const before = (await events(list, `personId=${id}`)).map((e) => e.seq);
    expect(before).toHaveLength(2);
    // As if the events had been written before the index existed.
    const db = srv.muster.store.db;
    const saved = await db.selectFrom('audit_people').selectAll().execute();
    // Only the credential's event is filed under the person: index audit_list_target finds their own (issue 16).
    const issued = (await events(list, `personId=${id}&action=credential.issued`)).map((e) => e.seq);
    expect(issued).toHaveLength(1);
    expect(saved.filter((r) => r.list_id === list.id).map((r) => ({ person: r.person_id, seq: Number(r.seq) }))).toEqual([{ person: id, seq: issued[0] }]);
    await db.deleteFrom('audit_people').execute();
    expect(await events(list, `personId=${id}&action=credential.issued`)).toEqual([]);
    await fillAuditPeople(db as unknown as Kysely<unknown>);
    expect((await events(list, `personId=${id}`)).map((e) => e.seq)).toEqual(before);
    expect((await db.selectFrom('audit_people').selectAll().execute()).length).toBe(saved.length);
  });
});
