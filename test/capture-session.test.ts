/**
 * Capture sessions for whoever walks up (issue 14, item 3): the operator finds the person by
 * name, email, identifier or by scanning their card's barcode, takes the photo, and — when the
 * organisation allows it — approves it in the same step, recorded as approved by that admin.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, ENTERPRISE, startServer, user, type ScimResult, type TestList, type TestServer } from './helpers/server.js';
import { portrait } from './helpers/sample-photos.js';

let srv: TestServer;
let list: TestList;
let orgId: string;
const PASSWORD = 'a long enough passphrase';

/** An admin signed in to the web app: session cookie and CSRF token, as the browser sends them. */
class Admin {
  cookie = '';
  csrf = '';
  constructor(readonly email: string) {}
  async req(method: string, p: string, body?: unknown, raw?: { type: string; bytes: Buffer }): Promise<ScimResult> {
    const r = await call(`${srv.origin}/api/v1${p}`, {
      method,
      headers: {
        origin: srv.origin, ...(this.cookie ? { cookie: this.cookie } : {}), ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...(raw ? { 'content-type': raw.type } : body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: raw ? new Uint8Array(raw.bytes) : body === undefined ? undefined : JSON.stringify(body),
    });
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    if (r.body?.csrfToken) this.csrf = r.body.csrfToken;
    return r;
  }
}

async function signedIn(email: string): Promise<Admin> {
  await srv.muster.accounts.create(orgId, { email, name: email.split('@')[0], role: 'admin', password: PASSWORD });
  const a = new Admin(email);
  const r = await a.req('POST', '/auth/sign-in', { email, password: PASSWORD });
  expect(r.status, r.text).toBe(200);
  return a;
}

// A new server, list and organisation for each test (one turns the organisation's setting on).
beforeEach(async () => {
  srv = await startServer();
  list = await srv.newList({ name: 'Students', tokenLabel: 'Okta' });
  orgId = (await srv.muster.lists.resolveOrganisation('Test organisation')).id;
});
afterEach(() => srv.close());

const okta = { 'user-agent': 'Okta SCIM Client 1.0.0' };
async function person(userName: string, given: string, family: string, employeeNumber: string): Promise<string> {
  const r = await list.req('POST', '/Users', user(userName, { name: { givenName: given, familyName: family }, [ENTERPRISE]: { employeeNumber } }), okta);
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}
const search = (a: Admin, q: string) => a.req('GET', `/lists/${list.id}/capture/people?q=${encodeURIComponent(q)}`);
const ids = (r: ScimResult) => (r.body.people as Array<{ id: string }>).map((p) => p.id);

describe('capture session search', () => {
  it('finds whoever walks up by name, email, identifier, and by the value their card\'s barcode holds', async () => {
    const a = await signedIn('searcher@school.example');
    const wanda = await person('wanda.maximoff', 'Wanda', 'Maximoff', 'S-40017');
    const pietro = await person('pietro.maximoff', 'Pietro', 'Maximoff', 'S-40018');
    await person('vision', 'Vision', 'Synth', 'S-40019');

    expect(ids(await search(a, 'maximoff')).sort()).toEqual([wanda, pietro].sort());
    expect(ids(await search(a, 'Wanda Maximoff'))).toEqual([wanda]);
    expect(ids(await search(a, 'pietro.maximoff@work.example'))).toEqual([pietro]);
    const byNumber = await search(a, 'S-40017');
    expect(byNumber.body.people).toEqual([expect.objectContaining({ id: wanda, matchedBy: 'exact', photo: null })]);

    // A card whose barcode is bound to {verifyUrl}: scanning it gives the verification URL.
    const card = await a.req('POST', `/lists/${list.id}/people/${pietro}/credentials`, { kind: 'card' });
    expect(card.status, card.text).toBe(201);
    const scanned = await search(a, card.body.verifyUrl as string);
    expect(scanned.body.people).toEqual([expect.objectContaining({ id: pietro, matchedBy: 'barcode' })]);
    // Some scanners hand over only the code, and a code of another list finds nobody here.
    const code = String(card.body.verifyUrl).split('/v/')[1]!;
    expect(ids(await search(a, code))).toEqual([pietro]);
    expect((await search(a, `${srv.origin}/v/${'x'.repeat(43)}`)).body.people).toEqual([]);
    expect((await search(a, '   ')).status).toBe(400);
  });
});

describe('approving a capture-session photo in the same step', () => {
  it('is refused while the organisation\'s setting is off (the default), and the photo waits for review as before', async () => {
    const a = await signedIn('photographer1@school.example');
    expect((await a.req('GET', '/capture-settings')).body).toEqual({ approveOnCapture: false });
    const id = await person('kate.bishop', 'Kate', 'Bishop', 'S-50001');
    const bytes = await portrait();
    const refused = await a.req('POST', `/lists/${list.id}/people/${id}/photo?source=capture&approve=true`, undefined, { type: 'image/jpeg', bytes });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('capture_approval_off');
    const pending = await a.req('POST', `/lists/${list.id}/people/${id}/photo?source=capture`, undefined, { type: 'image/jpeg', bytes });
    expect(pending.status, pending.text).toBe(201);
    expect(pending.body.status).toBe('pending');
    expect((await search(a, 'S-50001')).body.people[0].photo).toBe('pending');
  });

  it('with the setting on, the photo an admin takes is approved at once, and the trail says that admin approved it', async () => {
    const a = await signedIn('photographer2@school.example');
    const on = await a.req('PUT', '/capture-settings', { approveOnCapture: true });
    expect(on.status, on.text).toBe(200);
    expect(on.body).toEqual({ approveOnCapture: true });
    expect((await a.req('PUT', '/capture-settings', { approveOnCapture: 'yes' })).status).toBe(400);

    const id = await person('america.chavez', 'America', 'Chavez', 'S-50002');
    const found = await search(a, 'america');
    expect(found.body.people).toEqual([expect.objectContaining({ id, photo: null })]);
    const shot = await a.req('POST', `/lists/${list.id}/people/${id}/photo?source=capture&approve=true`, undefined, { type: 'image/jpeg', bytes: await portrait() });
    expect(shot.status, shot.text).toBe(201);
    expect(shot.body.status).toBe('approved');
    expect((await search(a, 'S-50002')).body.people[0].photo).toBe('approved');
    // Only capture-session shots: an ordinary upload cannot skip the review.
    expect((await a.req('POST', `/lists/${list.id}/people/${id}/photo?source=admin&approve=true`, undefined, { type: 'image/jpeg', bytes: await portrait() })).status).toBe(400);

    const trail = await a.req('GET', `/lists/${list.id}/audit/events?order=asc&limit=1000`);
    const events = trail.body.events as Array<{ action: string; actor: string; target: { id: string } | null; detail: Record<string, unknown>; changes: unknown }>;
    const mine = events.filter((e) => e.target?.id === id);
    expect(mine.map((e) => e.action)).toEqual(['person.created', 'photo.uploaded', 'photo.approved']);
    const approved = mine.find((e) => e.action === 'photo.approved')!;
    expect(approved.actor).toBe('admin:photographer2@school.example');
    expect(approved.detail).toMatchObject({ photoId: shot.body.id, inCaptureSession: true });
    expect(mine.find((e) => e.action === 'photo.uploaded')!.detail).toMatchObject({ source: 'capture' });
    const setting = events.find((e) => e.action === 'photo.capture_settings_changed')!;
    expect(setting.actor).toBe('admin:photographer2@school.example');
    expect(setting.changes).toEqual([{ field: 'capture.approveOnCapture', before: false, after: true }]);
  });
});
