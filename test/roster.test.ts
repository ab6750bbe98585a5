import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEACTIVATED, WITH_PROBLEMS } from '../src/store/roster-repo.js';
import { call, ENTERPRISE, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { loadSteps, replay } from './helpers/replay.js';
import { portrait } from './helpers/sample-photos.js';

let srv: TestServer;
let key: string;
beforeAll(async () => {
  srv = await startServer();
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id, 'roster tests');
});
afterAll(() => srv.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin API JSON
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  return call(`${srv.origin}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin API JSON
async function person(list: TestList, id: string): Promise<any> {
  const r = await api('GET', `/lists/${list.id}/people/${id}`);
  expect(r.status, r.text).toBe(200);
  return r.body;
}
async function waitForJob(list: TestList, jobId: string): Promise<{ status: string; done: number; total: number; percent: number; result: { changed: number } }> {
  for (let i = 0; i < 200; i++) {
    const j = await api('GET', `/lists/${list.id}/jobs/${jobId}`);
    if (j.body.status === 'done' || j.body.status === 'failed') return j.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('job did not finish');
}

describe('default schema and mapping', () => {
  it('a SCIM list gets 27 typed fields, its unique identifier required, each mapped from a SCIM attribute', async () => {
    const list = await srv.newList({ uid: 'employeeNumber' });
    const fields = (await api('GET', `/lists/${list.id}/fields`)).body.fields;
    expect(fields).toHaveLength(27);
    expect(fields.filter((f: { unique: boolean }) => f.unique)).toEqual([{ key: 'employee_number', label: 'Employee number', type: 'text', required: true, unique: true }]);
    const mapping = (await api('GET', `/lists/${list.id}/mapping`)).body.entries;
    expect(mapping).toHaveLength(27);
    expect(mapping).toContainEqual({ source: 'emails[type eq "work"].value', field: 'work_email', transform: 'copy' });
    expect(mapping).toContainEqual({ source: `${ENTERPRISE}:manager.value`, field: 'manager', transform: 'copy' });
  });
});

describe('Okta and Entra lifecycles fill the roster', () => {
  it('shows the right roster fields for each person, then a custom extension attribute once an admin maps it', async () => {
    const list = await srv.newList({ uid: 'employeeNumber', name: 'Roster', tokenLabel: 'Entra ID' });
    const okta = { token: list.token } as Record<string, string>;
    await replay('okta', okta, list.base);
    const jdoe = await person(list, okta.userId!);
    // The sequence ends with Okta's AIW-style full PUT carrying active:false and no enterprise attributes.
    expect(jdoe.fields).toMatchObject({
      username: 'jdoe@example.com', first_name: 'Janet', last_name: 'Doe-Smith', display_name: 'Janet Doe-Smith',
      work_email: 'jdoe@example.com', department: null, external_id: '00ujl29u0le5T6Aj10h7', active: false, employee_number: null,
    });
    // Okta sent no employee number: a sync problem on the person, not a refused request.
    expect(jdoe.problems).toEqual([{ field: 'employee_number', value: null, problem: 'Employee number is required but the IdP sent no value for it' }]);
    expect(jdoe.lastOperation).toMatchObject({ action: 'person.deactivated', idp: 'Okta' });

    const entra = { token: list.token, randomGuid: randomUUID(), managerId: jdoe.id } as Record<string, string>;
    const steps = loadSteps('entra');
    await replayUntilDelete(list, steps, entra);
    const jane = await person(list, entra.userId!);
    expect(jane.fields).toMatchObject({
      username: 'jdoe@contoso.com', first_name: 'Janet', last_name: 'Doe-Smith', employee_number: '701984', job_title: 'Engineer',
      department: 'Platform', manager: jdoe.id, work_email: 'jdoe-smith@contoso.com', full_name: 'Jane Doe', active: true,
    });
    expect(jane.problems).toEqual([]);
    expect(jane.groups).toEqual([]);

    const attrs = (await api('GET', `/lists/${list.id}/attributes`)).body.attributes;
    const custom = attrs.find((a: { path: string }) => a.path === 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag');
    expect(custom).toMatchObject({ sample: '701984', mapped: false });
    expect(custom.count).toBeGreaterThanOrEqual(1);
    expect(attrs.find((a: { path: string }) => a.path === 'emails[type eq "work"].value')).toMatchObject({ mapped: true });

    const added = await api('POST', `/lists/${list.id}/fields`, { key: 'badge_tag', label: 'Badge tag', type: 'number' });
    expect(added.status, added.text).toBe(201);
    const mapping = (await api('GET', `/lists/${list.id}/mapping`)).body.entries;
    const saved = await api('PUT', `/lists/${list.id}/mapping`, { entries: [...mapping, { source: custom.path, field: 'badge_tag', transform: 'copy' }] });
    expect(saved.status, saved.text).toBe(202);
    const job = await waitForJob(list, saved.body.job.id);
    expect(job).toMatchObject({ status: 'done', percent: 100 });
    expect((await person(list, entra.userId!)).fields.badge_tag).toBe(701985); // Entra's PATCH changed the tag after create
    const schemas = await list.req('GET', '/Schemas');
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toContain('urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User');
    const rt = await list.req('GET', '/ResourceTypes/User');
    expect(rt.body.schemaExtensions).toContainEqual({ schema: 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User', required: false });
  });
});

async function replayUntilDelete(list: TestList, steps: ReturnType<typeof loadSteps>, vars: Record<string, string>) {
  for (const step of steps.slice(0, steps.findIndex((s) => s.method === 'DELETE'))) {
    const fill = (s: string) => s.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => vars[k]!);
    const r = await call(list.base + fill(step.path).replace(/^\/scim\/v2/, ''), {
      method: step.method, headers: Object.fromEntries(Object.entries(step.headers ?? {}).map(([k, v]) => [k, fill(v)])),
      body: step.body === undefined || step.body === null ? undefined : fill(JSON.stringify(step.body)),
    });
    expect(r.status).toBeLessThan(300);
    if (r.status === 201 && /\/Users$/.test(step.path)) vars.userId = r.body.id;
    if (r.status === 201 && /\/Groups$/.test(step.path)) vars.groupId = r.body.id;
  }
}

describe('field types, transforms and mapping forms', () => {
  it('values that do not fit their type become sync problems, never refused requests or silent drops', async () => {
    const list = await srv.newList({ uid: 'userName', name: 'Types' });
    for (const f of [
      { key: 'headcount', label: 'Headcount', type: 'number' },
      { key: 'start_date', label: 'Start date', type: 'date' },
      { key: 'contractor', label: 'Contractor', type: 'boolean' },
      { key: 'shirt', label: 'Shirt size', type: 'dropdown', options: ['S', 'M', 'L'] },
      { key: 'site_email', label: 'Site email', type: 'email' },
    ]) expect((await api('POST', `/lists/${list.id}/fields`, f)).status).toBe(201);
    const X = 'urn:ietf:params:scim:schemas:extension:Site:2.0:User';
    const mapping = [...(await api('GET', `/lists/${list.id}/mapping`)).body.entries,
      { source: `${X}:headcount`, field: 'headcount' }, { source: `${X}:start`, field: 'start_date' },
      { source: `${X}:contractor`, field: 'contractor' }, { source: `${X}:shirt`, field: 'shirt', transform: 'upper' },
      { source: `${X}:siteEmail`, field: 'site_email', transform: 'trim' },
      { field: 'full_name', transform: 'template', template: '{name.givenName} {name.familyName}' },
      { source: 'userName', field: 'username', transform: 'lower' }];
    const put = await api('PUT', `/lists/${list.id}/mapping`, { entries: mapping.filter((m) => m.field !== 'full_name' || m.transform === 'template').filter((m, i, all) => m.field !== 'username' || all.findIndex((x) => x.field === 'username') !== i || m.transform === 'lower') });
    expect(put.status, put.text).toBe(202);
    await waitForJob(list, put.body.job.id);

    const good = await list.req('POST', '/Users', user('Good.Person@Example.com', { [X]: { headcount: '12', start: '2026-03-01T09:00:00Z', contractor: 'True', shirt: 'm', siteEmail: '  site@example.com ' } }));
    expect(good.status).toBe(201);
    expect((await person(list, good.body.id)).fields).toMatchObject({
      username: 'good.person@example.com', headcount: 12, start_date: '2026-03-01', contractor: true, shirt: 'M', site_email: 'site@example.com', full_name: 'Ada Lovelace',
    });
    const bad = await list.req('POST', '/Users', user('bad@example.com', { phoneNumbers: [{ type: 'work', value: 'call me' }], [X]: { headcount: 'lots', start: 'soon', contractor: 'perhaps', shirt: 'XXL', siteEmail: 'nope' } }));
    expect(bad.status).toBe(201);
    const p = await person(list, bad.body.id);
    expect(p.problems.map((x: { field: string }) => x.field).sort()).toEqual(['contractor', 'headcount', 'shirt', 'site_email', 'start_date', 'work_phone']);
    expect(p.problems.find((x: { field: string }) => x.field === 'headcount')).toEqual({ field: 'headcount', value: 'lots', problem: '"lots" is not a number' });
    expect(p.fields.headcount).toBeNull();
    const withProblems = await api('GET', `/lists/${list.id}/people?problems=true`);
    expect(withProblems.body.people.map((x: { id: string }) => x.id)).toEqual([bad.body.id]);
    expect(withProblems.body.counts).toEqual({ total: 2, active: 2, synced: 1, withProblems: 1 });
    expect((await api('GET', `/lists/${list.id}/people?problems=false`)).body.people.map((x: { id: string }) => x.id)).toEqual([good.body.id]);
    // The filter reads the index of the people with problems, which holds no one else (migration 042).
    const store = srv.muster.store;
    const planOf = async (c: CompiledQuery) => store.engine === 'sqlite'
      ? (await store.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${c.sql}`, [...c.parameters]))).rows.map((r) => r.detail).join('\n')
      : store.db.transaction().execute(async (tx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(tx);
        return (await tx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${c.sql}`, [...c.parameters]))).rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    const people = (where: typeof WITH_PROBLEMS) => store.db.selectFrom('users').select('users.id').where('users.list_id', '=', list.id).where(where).compile();
    expect(await planOf(people(WITH_PROBLEMS))).toMatch(/users_list_problems/);
    // So does the "deactivated" filter, from the index of the deactivated (migration 044).
    expect(await planOf(people(DEACTIVATED))).toMatch(/users_list_deactivated/);
  });

  it('refuses a mapping that names unknown fields, bad paths or drops the unique identifier, and changes nothing', async () => {
    const list = await srv.newList({ uid: 'email', name: 'Refusals' });
    const before = (await api('GET', `/lists/${list.id}/mapping`)).body;
    for (const entries of [
      [{ source: 'title', field: 'nope' }],
      [{ source: 'emails[type eq', field: 'work_email' }],
      [{ source: 'title', field: 'job_title' }],
      [{ source: 'emails[type eq "work"].value', field: 'work_email', transform: 'shout' }],
      [{ field: 'work_email', transform: 'template', template: 'no parts' }],
    ]) {
      const r = await api('PUT', `/lists/${list.id}/mapping`, { entries });
      expect(r.status, JSON.stringify(entries)).toBe(400);
      expect(r.body.error).toBe('invalid_mapping');
    }
    expect((await api('GET', `/lists/${list.id}/mapping`)).body).toEqual(before);
    expect((await api('DELETE', `/lists/${list.id}/fields/work_email`)).status).toBe(400);
    expect((await api('POST', `/lists/${list.id}/fields`, { key: 'Bad Key', label: 'x', type: 'text' })).status).toBe(400);
    expect((await api('POST', `/lists/${list.id}/fields`, { key: 'work_email', label: 'again', type: 'text' })).status).toBe(409);
  });
});

describe('remapping is a background job that does not block provisioning', () => {
  it('re-derives every person with progress, records what changed, and SCIM keeps working meanwhile', async () => {
    const list = await srv.newList({ uid: 'userName', name: 'Remap' });
    const bulk = await list.req('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: Array.from({ length: 300 }, (_, i) => ({ method: 'POST', path: '/Users', data: user(`remap${i}@example.com`, { title: `  Engineer ${i}  ` }) })),
    });
    expect(bulk.body.Operations.every((o: { status: string }) => o.status === '201')).toBe(true);
    const mapping = (await api('GET', `/lists/${list.id}/mapping`)).body.entries.map((m: { field: string }) => (m.field === 'job_title' ? { ...m, transform: 'upper' } : m));
    const saved = await api('PUT', `/lists/${list.id}/mapping`, { entries: mapping });
    expect(saved.status).toBe(202);
    expect(saved.body.job).toMatchObject({ kind: 'rederive', total: 300 });
    // Provisioning goes on while the job runs.
    const during = await list.req('POST', '/Users', user('during@example.com', { title: 'new hire' }));
    expect(during.status).toBe(201);
    const job = await waitForJob(list, saved.body.job.id);
    expect(job).toMatchObject({ status: 'done', percent: 100 });
    // 300, or 301 when the job reached the end after the new hire arrived (who was derived with the new mapping anyway).
    expect([300, 301]).toContain(job.done);
    const people = (await api('GET', `/lists/${list.id}/people?limit=500&sort=username`)).body.people;
    expect(people.every((p: { fields: { job_title: string } }) => p.fields.job_title === p.fields.job_title.toUpperCase())).toBe(true);
    expect(people.find((p: { fields: { username: string } }) => p.fields.username === 'during@example.com').fields.job_title).toBe('NEW HIRE');
    const events = (await call(`${srv.origin}/api/v1/lists/${list.id}/audit/events?action=person.updated&limit=1000`, { headers: { authorization: `Bearer ${key}` } })).body.events;
    const byJob = events.filter((e: { actor: string }) => e.actor === 'system');
    expect(byJob.length).toBeGreaterThanOrEqual(300);
    expect(byJob[0].changes).toEqual([{ field: 'roster:job_title', before: expect.stringMatching(/Engineer|new hire/), after: expect.stringMatching(/ENGINEER|NEW HIRE/) }]);
  });
});

describe('remapping a list whose people came from a file before its sync was turned on', () => {
  it('keeps the imported people\'s fields as the file gave them, and re-derives the people the IdP sent', async () => {
    const created = await srv.muster.lists.createList({ name: `Imported first ${randomUUID()}`, uid: 'email', org: 'Test organisation', syncMethod: 'none' });
    const id = created.list.id;
    const imported = await call(`${srv.origin}/api/v1/lists/${id}/import`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: 'work_email,first_name,department,job_title\nfile@example.com,Fay,Ops,engineer\n',
    });
    expect(imported.status, imported.text).toBe(200);
    const { token } = await srv.muster.lists.setSyncMethod(id, 'scim');
    const scim = (method: string, path: string, body?: unknown) => call(`${srv.origin}/scim/v2/lists/${id}${path}`, {
      method, headers: { authorization: `Bearer ${token!.secret}`, 'content-type': 'application/scim+json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const fromIdp = await scim('POST', '/Users', user('idp@example.com', { title: 'analyst', emails: [{ value: 'idp@example.com', type: 'work', primary: true }] }));
    expect(fromIdp.status, fromIdp.text).toBe(201);
    const mapping = (await api('GET', `/lists/${id}/mapping`)).body.entries.map((m: { field: string }) => (m.field === 'job_title' ? { ...m, transform: 'upper' } : m));
    const saved = await api('PUT', `/lists/${id}/mapping`, { entries: mapping });
    expect(saved.status, saved.text).toBe(202);
    const job = await waitForJob({ id } as TestList, saved.body.job.id);
    expect(job).toMatchObject({ status: 'done', result: { changed: 1 } });
    const people = (await api('GET', `/lists/${id}/people?sort=work_email`)).body.people;
    expect(people.map((p: { fields: Record<string, unknown> }) => [p.fields.work_email, p.fields.first_name, p.fields.department, p.fields.job_title])).toEqual([
      ['file@example.com', 'Fay', 'Ops', 'engineer'],
      ['idp@example.com', 'Ada', null, 'ANALYST'],
    ]);
    // The IdP deactivates the imported person, and says nothing else: their fields stay.
    const found = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "file@example.com"')}`);
    const fileId = found.body.Resources[0].id;
    expect((await scim('PATCH', `/Users/${fileId}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
    const fay = await person({ id } as TestList, fileId);
    expect(fay.fields).toMatchObject({ work_email: 'file@example.com', first_name: 'Fay', department: 'Ops', job_title: 'engineer', active: false });
    const [event] = (await call(`${srv.origin}/api/v1/lists/${id}/audit/events?action=person.deactivated`, { headers: { authorization: `Bearer ${key}` } })).body.events;
    expect(event.changes.map((c: { field: string }) => c.field)).toEqual(['active', 'roster:active']);
    // A rename follows into the fields the mapping feeds from userName; the file's other values stay.
    expect((await scim('PATCH', `/Users/${fileId}`, patch({ op: 'replace', path: 'userName', value: 'fay@example.com' }))).status).toBe(200);
    expect((await person({ id } as TestList, fileId)).fields).toMatchObject({ username: 'fay@example.com', work_email: 'file@example.com', first_name: 'Fay', department: 'Ops', active: false });
    // An IdP that then sends the whole person takes them over: their fields come from what it sent.
    expect((await scim('PUT', `/Users/${fileId}`, user('file@example.com', { title: 'lead', emails: [{ value: 'file@example.com', type: 'work', primary: true }] }))).status).toBe(200);
    expect((await person({ id } as TestList, fileId)).fields).toMatchObject({ first_name: 'Ada', department: null, job_title: 'LEAD', active: true });
  });
});

describe('removing a field from a list whose people came from a file', () => {
  it('takes the field from the imported people too, and keeps their other values', async () => {
    const created = await srv.muster.lists.createList({ name: `Imported, field removed ${randomUUID()}`, uid: 'email', org: 'Test organisation', syncMethod: 'none' });
    const id = created.list.id;
    const imported = await call(`${srv.origin}/api/v1/lists/${id}/import`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: 'work_email,first_name,department\nkim@example.com,Kim,Ops\n',
    });
    expect(imported.status, imported.text).toBe(200);
    await srv.muster.lists.setSyncMethod(id, 'scim');
    const removed = await api('DELETE', `/lists/${id}/fields/department`);
    expect(removed.status, removed.text).toBe(200);
    const job = await waitForJob({ id } as TestList, removed.body.jobId);
    expect(job).toMatchObject({ status: 'done', result: { changed: 1 } });
    const [kim] = (await api('GET', `/lists/${id}/people`)).body.people;
    expect(kim.fields).toMatchObject({ work_email: 'kim@example.com', first_name: 'Kim' });
    expect(kim.fields).not.toHaveProperty('department');
    expect((await api('GET', `/lists/${id}/people?search=ops`)).body.people).toEqual([]);
  });
});

describe('the roster through the admin API', () => {
  it('searches across fields, filters by status, sorts, counts, exports CSV, and shows a person with groups', async () => {
    const list = await srv.newList({ uid: 'userName', name: 'People' });
    const ids: string[] = [];
    for (const [n, dept] of [['zoe', 'Sales'], ['adam', 'Research'], ['mia', 'Sales']] as const) {
      ids.push((await list.req('POST', '/Users', user(`${n}@example.com`, { name: { givenName: n, familyName: 'Test' }, [ENTERPRISE]: { department: dept } }))).body.id);
    }
    await list.req('PATCH', `/Users/${ids[2]}`, patch({ op: 'replace', path: 'active', value: false }));
    const g = await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Sales team', members: [{ value: ids[0] }] });
    const q = async (query: string) => (await api('GET', `/lists/${list.id}/people?${query}`)).body;
    expect((await q('search=sales')).people.map((p: { userName: string }) => p.userName)).toEqual(['zoe@example.com', 'mia@example.com']);
    expect((await q('search=sales zoe')).total).toBe(1);
    expect((await q('status=deactivated')).people.map((p: { id: string }) => p.id)).toEqual([ids[2]]);
    expect((await q('sort=first_name')).people.map((p: { fields: { first_name: string } }) => p.fields.first_name)).toEqual(['adam', 'mia', 'zoe']);
    expect((await q('sort=first_name&order=desc&limit=1&offset=1')).people[0].fields.first_name).toBe('mia');
    expect((await q('')).counts).toEqual({ total: 3, active: 2, synced: 3, withProblems: 0 });
    expect((await api('GET', `/lists/${list.id}/people?sort=shoe`)).status).toBe(400);
    const zoe = await person(list, ids[0]!);
    expect(zoe.groups).toEqual([{ id: g.body.id, displayName: 'Sales team' }]);
    const csv = await call(`${srv.origin}/api/v1/lists/${list.id}/people/export`, { headers: { authorization: `Bearer ${key}` } });
    const lines = csv.text.trim().split('\r\n');
    expect(lines).toHaveLength(4);
    // Muster's id and the count of sync problems, then every field (active among them, once).
    expect(lines[0]!.startsWith('id,sync_problems,username,first_name,last_name')).toBe(true);
    expect(lines[0]!.split(',').filter((h) => h === 'active')).toHaveLength(1);
    expect(lines[3]).toContain(`${ids[2]},0,mia@example.com,mia,Test`);
    const summary = await api('GET', `/lists/${list.id}`);
    expect(summary.body.counts.total).toBe(3);
  });

  it('previews a mapping on a real person without saving it', async () => {
    const list = await srv.newList({ uid: 'userName', name: 'Preview' });
    const id = (await list.req('POST', '/Users', user('prev@example.com', { title: 'cto' }))).body.id;
    const r = await api('POST', `/lists/${list.id}/mapping/preview`, { personId: id, entries: [{ source: 'userName', field: 'username' }, { source: 'title', field: 'job_title', transform: 'upper' }] });
    expect(r.status, r.text).toBe(200);
    expect(r.body.values).toMatchObject({ username: 'prev@example.com', job_title: 'CTO', first_name: null });
    expect((await person(list, id)).fields.job_title).toBe('cto');
  });
});

describe("a person's last change", () => {
  it('is the newest write the audit trail holds: SCIM with its IdP and request, a CSV import with its source, none once retention dropped it', async () => {
    const list = await srv.newList({ name: 'Last change', tokenLabel: 'Okta' });
    const created = await list.req('POST', '/Users', user('last.change@example.com'), { 'user-agent': 'Okta SCIM Client 1.0.0' });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    // The trail's event of each write, in the API's form: what the person page must show as the last change.
    const newest = async (action: string) => (await api('GET', `/lists/${list.id}/audit/events?action=${action}`)).body.events[0] as { time: string; requestId: string };
    const afterCreate = await person(list, id);
    const createdEvent = await newest('person.created');
    expect(afterCreate.lastOperation).toEqual({ action: 'person.created', time: createdEvent.time, idp: 'Okta', requestId: createdEvent.requestId });
    const patched = await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }));
    expect(patched.status, patched.text).toBe(200);
    const deactivated = await person(list, id);
    const deactivatedEvent = await newest('person.deactivated');
    expect(deactivated.lastOperation).toEqual({ action: 'person.deactivated', time: deactivatedEvent.time, idp: 'Okta', requestId: deactivatedEvent.requestId });
    // The People page shows the same as the person page.
    const page = (await api('GET', `/lists/${list.id}/people`)).body.people;
    expect(page.find((p: { id: string }) => p.id === id).lastOperation).toEqual(deactivated.lastOperation);
    // A photo is about the person too, and in the trail after it, but is not a change of their roster row.
    const photo = await srv.muster.photos.upload((await srv.muster.store.lists.get(list.id))!, id, await portrait(), 'admin', { actor: 'test' });
    await srv.muster.photos.decide((await srv.muster.store.lists.get(list.id))!, photo.id, 'approve', { actor: 'test' });
    const photoEvents = (await api('GET', `/lists/${list.id}/audit/events?personId=${id}`)).body.events as { action: string }[];
    expect(photoEvents[0]!.action).toMatch(/^photo\./);
    expect((await person(list, id)).lastOperation).toEqual(deactivated.lastOperation);

    // Retention drops events older than its cutoff: the person then shows no last change, not a wrong one.
    await srv.muster.audit.prune(srv.muster.store, list.id, new Date(Date.now() + 60_000).toISOString());
    expect((await person(list, id)).lastOperation).toBeNull();

    const csvList = (await srv.muster.lists.createList({ name: 'Last change by file', uid: 'email', org: 'Test organisation', syncMethod: 'none' })).list.id;
    const imported = await call(`${srv.origin}/api/v1/lists/${csvList}/import`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: 'work_email,department\nfile@example.com,Ops\n' });
    expect(imported.status, imported.text).toBe(200);
    const [fromFile] = (await api('GET', `/lists/${csvList}/people`)).body.people;
    const fileEvent = (await api('GET', `/lists/${csvList}/audit/events?action=person.created`)).body.events[0];
    expect(fromFile.lastOperation).toEqual({ action: 'person.created', time: fileEvent.time, idp: null, requestId: fileEvent.requestId, source: 'csv import' });
    // Every field of the list comes out, the empty ones as null, though the row stores only those with a value.
    const fields = (await api('GET', `/lists/${csvList}/fields`)).body.fields as { key: string }[];
    expect(Object.keys(fromFile.fields)).toEqual(fields.map((f) => f.key));
    expect(fromFile.fields).toMatchObject({ work_email: 'file@example.com', department: 'Ops', first_name: null, job_title: null });
    const stored = await srv.muster.store.db.selectFrom('users').select('fields').where('id', '=', fromFile.id).executeTakeFirstOrThrow();
    // By slot: the list's fields' values at their slots, "" for the empty ones, nothing after the last value.
    const slots = await srv.muster.store.roster.slots(csvList);
    const items = JSON.parse(stored.fields!) as unknown[];
    expect(items[slots.slotOf.get('work_email')!]).toBe('file@example.com');
    expect(items[slots.slotOf.get('department')!]).toBe('Ops');
    expect(items.filter((v) => v !== '')).toHaveLength(2);
    expect(items.length).toBe(Math.max(slots.slotOf.get('work_email')!, slots.slotOf.get('department')!) + 1);
  });
});

describe('CSV import for lists without a sync method', () => {
  it('dry-runs, then imports, matching rows by the unique identifier and reporting bad rows by number', async () => {
    const created = await srv.muster.lists.createList({ name: 'Contractors', uid: 'email', org: 'Test organisation', syncMethod: 'none' });
    expect(created.token).toBeNull();
    const id = created.list.id;
    const csv = [
      'Work email,first_name,Last name,department,active',
      'ana@example.com,Ana,"Lopez, Jr.",Ops,true',
      'ben@example.com,Ben,Ng,"Sales ""EMEA""",false',
      'not-an-email,Bad,Row,Ops,true',
      'cat@example.com,Cat,Ng,Ops,maybe',
      'ana@example.com,Ana,Again,Ops,true',
      'dan@example.com,Dan',
    ].join('\r\n');
    const post = (q: string, body: string) => call(`${srv.origin}/api/v1/lists/${id}/import${q}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body });
    const dry = await post('?dryRun=true', csv);
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, rows: 6, created: 2, updated: 0, unchanged: 0 });
    expect(dry.body.errors).toEqual([
      { row: 4, column: 'Work email', value: 'not-an-email', problem: '"not-an-email" is not an email address' },
      { row: 5, column: 'active', value: 'maybe', problem: '"maybe" is not true or false' },
      { row: 6, column: 'Work email', value: 'ana@example.com', problem: 'the same Work email is on row 2' },
      { row: 7, problem: 'has 2 cells; the header has 5' },
    ]);
    expect((await api('GET', `/lists/${id}/people`)).body.total).toBe(0);
    const real = await post('', csv);
    expect(real.body).toMatchObject({ dryRun: false, created: 2, updated: 0 });
    const people = (await api('GET', `/lists/${id}/people?sort=work_email`)).body;
    expect(people.people.map((p: { fields: Record<string, unknown> }) => [p.fields.work_email, p.fields.last_name, p.fields.department, p.fields.active])).toEqual([
      ['ana@example.com', 'Lopez, Jr.', 'Ops', true], ['ben@example.com', 'Ng', 'Sales "EMEA"', false],
    ]);
    expect(people.counts).toMatchObject({ total: 2, active: 1 });
    const again = await post('', 'work_email,department\nana@example.com,Ops\nben@example.com,Marketing\n');
    expect(again.body).toMatchObject({ created: 0, updated: 1, unchanged: 1, errors: [] });
    const ev = (await api('GET', `/lists/${id}/audit/events?action=person.updated`)).body.events;
    expect(ev[0].changes).toEqual([{ field: 'roster:department', before: 'Sales "EMEA"', after: 'Marketing' }]);
    expect(ev[0].detail).toEqual({ source: 'csv import', row: 3 });

    // The roster's own export, edited and imported again as it is: Muster's columns are read back as nothing.
    const exported = await (await fetch(`${srv.origin}/api/v1/lists/${id}/people/export`, { headers: { authorization: `Bearer ${key}` } })).text();
    const header = exported.split(/\r?\n/)[0]!.split(',');
    expect(header.filter((h) => h === 'active')).toHaveLength(1);
    const edited = exported.replace('Marketing', 'Sales');
    const back = await post('', edited);
    expect(back.status, back.text).toBe(200);
    expect(back.body).toMatchObject({ created: 0, updated: 1, unchanged: 1, errors: [] });

    // A required field the file has no column for: a new person is refused with why; people already on the list are updated.
    expect((await call(`${srv.origin}/api/v1/lists/${id}/fields/department`, { method: 'PATCH', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ required: true }) })).status).toBe(200);
    const partial = await post('', 'work_email,last_name\nnew@example.com,New\nana@example.com,Lopez\n');
    expect(partial.body).toMatchObject({ created: 0, updated: 1 });
    expect(partial.body.errors).toEqual([{ row: 2, column: 'Department', problem: 'Department is required for a new person, and the file has no value for it' }]);
  });

  it('refuses imports into SCIM lists, unknown columns and broken quoting, with what to do', async () => {
    const scim = await srv.newList({ name: 'Fed by SCIM' });
    const post = (listId: string, body: string) => call(`${srv.origin}/api/v1/lists/${listId}/import`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body });
    expect((await post(scim.id, 'username\nx')).status).toBe(409);
    const none = await srv.muster.lists.createList({ name: 'Manual', uid: 'employeeNumber', org: 'Test organisation', syncMethod: 'none' });
    const unknown = await post(none.list.id, 'employee_number,shoe_size\n1,44');
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/unknown column\(s\) "shoe_size"/);
    expect((await post(none.list.id, 'first_name\nAda')).body.detail).toMatch(/unique identifier column "employee_number"/);
    expect((await post(none.list.id, 'employee_number,first_name\n1,"Ada\n')).body.detail).toMatch(/row 2: a quoted value is never closed/);
  });
});

describe('OneLogin legacy URNs', () => {
  it('reads urn:scim:schemas:extension:enterprise:2.0 as the enterprise extension, so its fields map', async () => {
    const list = await srv.newList({ uid: 'employeeNumber', name: 'OneLogin legacy', tokenLabel: 'OneLogin' });
    const r = await list.req('POST', '/Users', {
      schemas: ['urn:scim:schemas:core:2.0', 'urn:scim:schemas:extension:enterprise:2.0'], id: null,
      userName: 'legacy@example.com', active: 'true', 'urn:scim:schemas:extension:enterprise:2.0': { employeeNumber: 'E-77', department: 'Ops' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('x-muster-normalisations')).toContain('legacy-urn');
    expect(r.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE]);
    expect((await person(list, r.body.id)).fields).toMatchObject({ employee_number: 'E-77', department: 'Ops', active: true });
  });
});
