/**
 * Issue 13, items 1 and 2: a list created with a name only, its unique identifier chosen on the
 * Sync tab while it is empty (and refused, in words, after), the same from the CLI's service, a
 * token created from an IdP guide labelled after the IdP, and the guide's live check counting the
 * list's SCIM operations and putting failures in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, call, patch, startServer, user, type TestServer } from './helpers/server.js';

let srv: TestServer;
let adminKey: string;

beforeAll(async () => {
  srv = await startServer();
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  adminKey = await srv.adminKey(org.id);
});
afterAll(() => srv.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin API JSON
const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> =>
  call(`${srv.origin}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${adminKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const scim = (base: string, token: string, method: string, path: string, body?: unknown, ua = 'Okta SCIM Client 1.0.0') => call(base + path, {
  method, headers: { authorization: `Bearer ${token}`, 'user-agent': ua, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
  body: body === undefined ? undefined : JSON.stringify(body),
});

async function nameOnlyList(name: string) {
  const r = await admin('POST', '/lists', { name });
  expect(r.status, r.text).toBe(201);
  return r.body as { list: { id: string; uidAttribute: string; scimBaseUrl: string }; token: { secret: string } };
}

describe('the unique identifier is chosen on the Sync tab', () => {
  it('a list created with a name only starts keyed on username; it can change while empty, and not after', async () => {
    const { list } = await nameOnlyList('Staff');
    expect(list.uidAttribute).toBe('userName');
    const changed = await admin('PATCH', `/lists/${list.id}`, { uidAttribute: 'employeeNumber' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.uidAttribute).toBe('employeeNumber');
    const fields = (await admin('GET', `/lists/${list.id}/fields`)).body.fields as { key: string; unique: boolean; required: boolean }[];
    expect(fields).toHaveLength(27);
    expect(fields.filter((f) => f.unique).map((f) => f.key)).toEqual(['employee_number']);
    expect(fields.find((f) => f.key === 'username')).toMatchObject({ unique: false, required: false });
    const ev = (await admin('GET', `/lists/${list.id}/audit/events?action=list.configured`)).body.events;
    expect(ev[0].changes).toEqual([{ field: 'uidAttribute', before: 'userName', after: 'employeeNumber' }]);

    // A token from the Okta guide, then one person: the identifier is fixed now.
    const tok = await admin('POST', `/lists/${list.id}/tokens`, { label: 'Okta' });
    expect(tok.status).toBe(201);
    const base = `${srv.origin}/scim/v2/lists/${list.id}`;
    expect((await scim(base, tok.body.secret, 'POST', '/Users', user('ada', { [ENTERPRISE]: { employeeNumber: 'E1' } }))).status).toBe(201);
    const refused = await admin('PATCH', `/lists/${list.id}`, { uidAttribute: 'email', name: 'Renamed' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('uid_locked');
    expect(refused.body.detail).toMatch(/already has 1 person.*Create a new list.*remove everyone/);
    const now = (await admin('GET', `/lists/${list.id}`)).body;
    expect(now).toMatchObject({ uidAttribute: 'employeeNumber', name: 'Staff' });
    expect((await admin('PATCH', `/lists/${list.id}`, { uidAttribute: 'nickname' })).status).toBe(400);
  });

  it('changing the identifier drops only the "required" the identifier implied; a field the admin made required stays required', async () => {
    const { list } = await nameOnlyList('Required kept');
    type F = { key: string; unique: boolean; required: boolean };
    const field = async (key: string) => ((await admin('GET', `/lists/${list.id}/fields`)).body.fields as F[]).find((f) => f.key === key);
    // The admin makes the work email required on purpose, before it is the identifier.
    expect((await admin('PATCH', `/lists/${list.id}/fields/work_email`, { required: true })).status).toBe(200);
    expect((await admin('PATCH', `/lists/${list.id}`, { uidAttribute: 'email' })).status).toBe(200);
    // username was required only because it was the identifier: no longer.
    expect(await field('username')).toMatchObject({ unique: false, required: false });
    expect(await field('work_email')).toMatchObject({ unique: true, required: true });
    // Away from the email again: the admin's "required" on the work email is kept.
    expect((await admin('PATCH', `/lists/${list.id}`, { uidAttribute: 'employeeNumber' })).status).toBe(200);
    expect(await field('work_email')).toMatchObject({ unique: false, required: true });
    expect(await field('employee_number')).toMatchObject({ unique: true, required: true });
    // The employee number was required only as the identifier: dropped when it stops being one.
    expect((await admin('PATCH', `/lists/${list.id}`, { uidAttribute: 'userName' })).status).toBe(200);
    expect(await field('employee_number')).toMatchObject({ unique: false, required: false });
    expect(await field('work_email')).toMatchObject({ unique: false, required: true });
    expect(await field('username')).toMatchObject({ unique: true, required: true });
  });

  it('the CLI\'s service: a list created without --uid, configured with --uid while empty, refused after', async () => {
    const r = await srv.muster.lists.createList({ name: 'From the CLI', org: 'Test organisation' });
    expect(r.list.uidAttribute).toBe('userName');
    expect((await srv.muster.lists.changeUid(r.list.id, 'email')).uidAttribute).toBe('email');
    await expect(srv.muster.lists.changeUid(r.list.id, 'nope')).rejects.toMatchObject({ code: 'MUSTER_LIST_UID_INVALID' });
    const base = `${srv.origin}/scim/v2/lists/${r.list.id}`;
    expect((await scim(base, r.token!.secret, 'POST', '/Users', user('grace'))).status).toBe(201);
    await expect(srv.muster.lists.changeUid(r.list.id, 'userName')).rejects.toMatchObject({ code: 'MUSTER_LIST_UID_LOCKED' });
    expect((await srv.muster.lists.requireList(r.list.id)).uidAttribute).toBe('email');
  });
});

describe('IdP guides and their live check', () => {
  it('the Okta guide names this list\'s matching attribute and mapping; its token is labelled "Okta" in the audit trail', async () => {
    const { list } = await nameOnlyList('Guided');
    await admin('PATCH', `/lists/${list.id}`, { uidAttribute: 'employeeNumber' });
    const g = await admin('GET', `/lists/${list.id}/setup/okta`);
    expect(g.status).toBe(200);
    expect(g.body.tokenLabel).toBe('Okta');
    expect(g.body.markdown).toContain(list.scimBaseUrl);
    expect(g.body.markdown).toContain('| Employee number (unique identifier) |');
    expect(g.body.markdown).toMatch(/Unique identifier field for users\*\*: `userName` \(how Okta looks people up\)\. This roster is keyed on the employee number/);
    // The step itself reads right for this list: Okta looks people up by username, the roster is keyed on the employee number.
    expect(g.body.markdown).toMatch(/5\. In \*\*Unique identifier field for users\*\*, type `userName`: this is how Okta looks people up, whatever this list is keyed on\. This roster is keyed on the employee number/);
    for (const bad of ['muster ', 'curl', 'src/', 'docs/']) expect(g.body.markdown).not.toContain(bad);
    const tok = await admin('POST', `/lists/${list.id}/tokens`, { label: g.body.tokenLabel });
    const ev = (await admin('GET', `/lists/${list.id}/audit/events?action=token.created`)).body.events;
    expect(ev[0].target).toMatchObject({ type: 'token', name: 'Okta', id: tok.body.token.id });
  });

  it('counts the list\'s SCIM operations since the guide was opened, and puts failures in words', async () => {
    const { list, token } = await nameOnlyList('Live');
    const base = `${srv.origin}/scim/v2/lists/${list.id}`;
    // Before the guide opens: one person, which the check must not count.
    expect((await scim(base, token.secret, 'POST', '/Users', user('before'))).status).toBe(201);
    const start = await admin('GET', `/lists/${list.id}/setup/okta/check`);
    expect(start.status, start.text).toBe(200);
    expect(start.body).toMatchObject({ requests: 0, created: 0, updated: 0, failed: 0, failures: [] });
    const since = new URLSearchParams({ seq: String(start.body.since.seq), request: String(start.body.since.request), time: start.body.since.time }).toString();

    const tok = (await admin('POST', `/lists/${list.id}/tokens`, { label: 'Okta' })).body.secret as string;
    const ids: string[] = [];
    for (const n of ['a1', 'a2', 'a3']) {
      const r = await scim(base, tok, 'POST', '/Users', user(n, { [ENTERPRISE]: { department: 'Emergency' } }));
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    expect((await scim(base, tok, 'PATCH', `/Users/${ids[0]}`, patch({ op: 'replace', value: { active: false } }))).status).toBe(200);
    expect((await scim(base, tok, 'PATCH', `/Users/${ids[1]}`, patch({ op: 'replace', path: 'title', value: 'Nurse' }))).status).toBe(200);
    // Failures: a duplicate, a wrong token.
    expect((await scim(base, tok, 'POST', '/Users', user('a1'))).status).toBe(409);
    expect((await scim(base, 'not-the-token', 'GET', '/Users')).status).toBe(401);

    // The request log is written in batches; poll as the web app does.
    await expect.poll(async () => (await admin('GET', `/lists/${list.id}/setup/okta/check?${since}`)).body.requests).toBe(7);
    const check = (await admin('GET', `/lists/${list.id}/setup/okta/check?${since}`)).body;
    expect(check).toMatchObject({ created: 3, updated: 1, deactivated: 1, failed: 2 });
    const [unauth, dup] = check.failures;
    expect(unauth).toMatchObject({ status: 401, method: 'GET' });
    expect(unauth.what).toMatch(/Okta was refused: the token it sent is wrong/);
    expect(unauth.fix).toMatch(/Create a new token/);
    expect(dup).toMatchObject({ status: 409, scimType: 'uniqueness' });
    expect(dup.what).toMatch(/whose username \(or external id\) is already on this list/);
    expect(dup.fix).toMatch(/matching attribute/);
    expect((await admin('GET', `/lists/${list.id}/setup/okta/check?seq=1`)).status).toBe(400);
    expect((await admin('GET', `/lists/${list.id}/setup/myspace/check`)).status).toBe(404);
  });

  it('after SCIM is turned off, the IdP\'s next request is refused, and the check says so in words', async () => {
    const { list, token } = await nameOnlyList('Was SCIM');
    const start = (await admin('GET', `/lists/${list.id}/setup/okta/check`)).body;
    expect((await admin('PATCH', `/lists/${list.id}`, { syncMethod: 'none' })).status).toBe(200);
    const r = await scim(`${srv.origin}/scim/v2/lists/${list.id}`, token.secret, 'GET', '/Users');
    expect([401, 403]).toContain(r.status);
    const since = new URLSearchParams({ seq: String(start.since.seq), request: String(start.since.request), time: start.since.time }).toString();
    await expect.poll(async () => (await admin('GET', `/lists/${list.id}/setup/okta/check?${since}`)).body.failed).toBe(1);
    const c = (await admin('GET', `/lists/${list.id}/setup/okta/check?${since}`)).body;
    expect(c.failures[0].what).toMatch(/Okta was refused/);
  });
});

describe('failure words', () => {
  it('maps a 400 invalidValue and a 403 to what to change in the IdP', async () => {
    const { failureInWords } = await import('../src/lists/setup-guides.js');
    const body = (status: number, scimType: string, detail: string) => JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), scimType, detail });
    const iv = failureInWords({ status: 400, method: 'POST', response_body: body(400, 'invalidValue', 'userName is required') }, 'Okta', 'employee number');
    expect(iv.what).toMatch(/often a missing employee number.*userName is required/);
    expect(iv.fix).toMatch(/every person has a employee number|every person has an employee number|every person has a/);
    const forbidden = failureInWords({ status: 403, method: 'GET', response_body: '{"detail":"this list is synced from Entra ID"}' }, 'Okta', 'username');
    expect(forbidden.what).toMatch(/does not take SCIM requests.*synced from Entra ID/);
  });
});
