/**
 * Photos end to end over HTTP: admin upload and capture, the review queue, the self-upload
 * link a person opens on their phone (a real multipart form post), and the verification page
 * showing the approved photo only while the credential is valid.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, PATCH_OP, startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { groupPhoto, portrait as samplePortrait } from './helpers/sample-photos.js';

let srv: TestServer;
let key: string;
let list: TestList;
let portrait: Buffer;
let group: Buffer;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList({ name: 'Staff' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
  portrait = await samplePortrait();
  group = groupPhoto();
});
afterAll(() => srv.close());

const api = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => call(`${srv.origin}/api/v1${p}`, {
  method,
  headers: { authorization: `Bearer ${key}`, ...(body !== undefined && !(body instanceof Buffer) ? { 'content-type': 'application/json' } : {}), ...headers },
  body: body === undefined ? undefined : body instanceof Buffer ? new Uint8Array(body) : JSON.stringify(body),
});
const upload = (personId: string, img: Buffer, source = 'admin') => api('POST', `/lists/${list.id}/people/${personId}/photo?source=${source}`, img, { 'content-type': 'image/jpeg' });
async function person(userName: string): Promise<string> {
  const r = await list.req('POST', '/Users', user(userName, { displayName: `${userName} Photo` }));
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}
async function postForm(url: string, img: Buffer | undefined, consent: boolean) {
  const fd = new FormData();
  if (img) fd.set('photo', new Blob([new Uint8Array(img)], { type: 'image/jpeg' }), 'IMG_0001.jpg');
  if (consent) fd.set('consent', 'yes');
  const r = await fetch(url, { method: 'POST', body: fd });
  const text = await r.text();
  return { status: r.status, text };
}

describe('admin upload and review', () => {
  it('checks an upload, keeps it for review, and approves it; the approved photo replaces the older one', async () => {
    const id = await person('ada');
    const bad = await upload(id, group);
    expect(bad.status).toBe(422);
    expect(bad.body.error).toBe('photo_rejected');
    expect(bad.body.problems.map((p: { code: string }) => p.code)).toContain('several_faces');
    expect(bad.body.detail).toMatch(/more than one face/);
    expect((await api('POST', `/lists/${list.id}/people/${id}/photo`, 'not an image')).status).toBe(400);

    const first = await upload(id, portrait);
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ status: 'pending', source: 'admin', width: 600, height: 800, uploadedBy: expect.stringMatching(/^admin-key:/) });
    const queue = await api('GET', `/lists/${list.id}/photos?status=pending`);
    expect(queue.body.photos.map((p: { id: string }) => p.id)).toContain(first.body.id);
    expect(queue.body.photos.find((p: { id: string }) => p.id === first.body.id).personName).toBe('ada Photo');
    const img = await fetch(`${srv.origin}/api/v1/lists/${list.id}/photos/${first.body.id}/image`, { headers: { authorization: `Bearer ${key}` } });
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await img.arrayBuffer())).metadata()).height).toBe(800);

    expect((await api('POST', `/lists/${list.id}/photos/${first.body.id}/approve`)).body.status).toBe('approved');
    expect((await api('POST', `/lists/${list.id}/photos/${first.body.id}/approve`)).status).toBe(409);
    const second = await upload(id, portrait, 'capture');
    await api('POST', `/lists/${list.id}/photos/${second.body.id}/approve`);
    const all = (await api('GET', `/lists/${list.id}/people/${id}/photos`)).body.photos;
    expect(all.map((p: { status: string; source: string }) => `${p.source}:${p.status}`).sort()).toEqual(['admin:superseded', 'capture:approved']);
    expect((await fetch(`${srv.origin}/api/v1/lists/${list.id}/people/${id}/photo`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it('rejects with a reason the person sees, approves in bulk, and records each decision under the person', async () => {
    const a = await person('grace'), b = await person('linus'), c = await person('hedy');
    const [pa, pb, pc] = [(await upload(a, portrait)).body.id, (await upload(b, portrait)).body.id, (await upload(c, portrait)).body.id];
    expect((await api('POST', `/lists/${list.id}/photos/${pa}/reject`, {})).status).toBe(400);
    expect((await api('POST', `/lists/${list.id}/photos/${pa}/reject`, { reason: 'Please remove your sunglasses.' })).body).toMatchObject({ status: 'rejected', rejectReason: 'Please remove your sunglasses.' });
    const bulk = await api('POST', `/lists/${list.id}/photos/approve`, { ids: [pb, pc, pa] });
    expect(bulk.body.approved).toEqual([pb, pc]);
    expect(bulk.body.skipped).toEqual([{ id: pa, reason: expect.stringMatching(/rejected/) }]);
    const history = (await api('GET', `/lists/${list.id}/audit/events?person=${a}&order=asc`)).body.events.map((e: { action: string }) => e.action);
    expect(history).toEqual(['person.created', 'photo.uploaded', 'photo.rejected']);
    const rejected = (await api('GET', `/lists/${list.id}/audit/events?person=${a}&action=photo.rejected`)).body.events[0];
    expect(rejected.detail.reason).toBe('Please remove your sunglasses.');
    expect(rejected.changes).toEqual([{ field: 'photo.status', before: 'pending', after: 'rejected' }]);
  });
});

describe('the review queue pages by (time, id)', () => {
  it('neither skips nor repeats photos uploaded in the same millisecond, and has no next page after the last', async () => {
    const q = await srv.newList({ name: 'Paging' });
    const at = '2026-11-28T12:00:00.000Z';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const who = (await q.req('POST', '/Users', user(`pager${i}`))).body.id as string;
      const id = `00000000-0000-4000-8000-00000000000${i}`;
      ids.push(id);
      await srv.muster.store.photos.insert({
        id, list_id: q.id, person_id: who, status: 'pending', source: 'admin', image: Buffer.from('x'), width: 600, height: 800, metrics: '{}',
        reject_reason: null, uploaded_by: 'test', created_at: at, decided_at: null, decided_by: null,
      });
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const r = await api('GET', `/lists/${q.id}/photos?status=pending&limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      seen.push(...r.body.photos.map((p: { id: string }) => p.id));
      after = r.body.next;
      if (!after) break;
    }
    expect(seen).toEqual(ids);
    expect(after).toBeNull();
  });
});

describe('the self-upload link', () => {
  it('opens on a phone, says why a photo fails and how many tries are left, asks for consent, then accepts a good photo once', async () => {
    const id = await person('katherine');
    const link = await api('POST', `/lists/${list.id}/people/${id}/photo-link`, { attempts: 3, consentText: 'I agree that my photo is printed on my staff card.' });
    expect(link.status, link.text).toBe(201);
    expect(link.body.url).toMatch(new RegExp(`^${srv.origin}/p/[\\w-]{43}$`));
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(71 * 3600_000);

    const page = await fetch(link.body.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('Hello katherine Photo');
    expect(html).toContain('capture="user"');
    expect(html).toContain('I agree that my photo is printed on my staff card.');

    expect((await postForm(link.body.url, portrait, false)).status).toBe(400);
    const bad = await postForm(link.body.url, group, true);
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/more than one face/);
    expect(bad.text).toMatch(/2 tries left/);
    const good = await postForm(link.body.url, portrait, true);
    expect(good.status).toBe(201);
    expect(good.text).toMatch(/Your photo was received/);
    expect((await fetch(link.body.url)).status).toBe(410);

    const queue = (await api('GET', `/lists/${list.id}/people/${id}/photos`)).body.photos;
    expect(queue).toEqual([expect.objectContaining({ status: 'pending', source: 'self', uploadedBy: 'self-upload' })]);
    const actions = (await api('GET', `/lists/${list.id}/audit/events?person=${id}&order=asc`)).body.events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['person.created', 'photo.link_created', 'photo.upload_refused', 'photo.uploaded']);
  });

  it('refuses an expired link, a link out of tries, and a made-up one', async () => {
    const id = await person('barbara');
    const expired = await api('POST', `/lists/${list.id}/people/${id}/photo-link`, { hours: 1 });
    await srv.muster.store.db.updateTable('photo_links').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('person_id', '=', id).execute();
    const r = await fetch(expired.body.url);
    expect(r.status).toBe(410);
    expect(await r.text()).toMatch(/expired/);
    const once = await api('POST', `/lists/${list.id}/people/${id}/photo-link`, { attempts: 1 });
    const last = await postForm(once.body.url, group, false);
    expect(last.status).toBe(410);
    expect(last.text).toMatch(/last try/);
    expect((await fetch(`${srv.origin}/p/${'x'.repeat(43)}`)).status).toBe(404);
    expect((await api('POST', `/lists/${list.id}/people/${id}/photo-link`, { hours: 0 })).status).toBe(400);
  });
});

describe('the verification page', () => {
  it('shows the approved photo while the credential is valid, and no photo once the IdP deactivates the holder', async () => {
    const id = await person('margaret');
    await api('POST', `/lists/${list.id}/photos/${(await upload(id, portrait)).body.id}/approve`);
    const card = (await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'card' })).body;
    const page = await (await fetch(card.verifyUrl)).text();
    expect(page).toContain(`<img src="/v/${card.verifyUrl.split('/v/')[1]}/photo"`);
    const photo = await fetch(`${card.verifyUrl}/photo`);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    await list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(await (await fetch(card.verifyUrl)).text()).not.toContain('<img');
    expect((await fetch(`${card.verifyUrl}/photo`)).status).toBe(404);
  });
});
