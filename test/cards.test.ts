/**
 * Card templates and printing over HTTP: the default template, validation that reports every
 * problem, a preview on a real person, and a print batch as a background job whose PDF is
 * checked as pixels (rendered with PDFium): the approved photo and the name are on the card.
 */
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDark, rasterise } from './unit/credentials/test-fixtures.js';
import { call, ENTERPRISE, PATCH_OP, startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { portrait as samplePortrait } from './helpers/sample-photos.js';

let srv: TestServer;
let key: string;
let list: TestList;
let portrait: Buffer;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList({ name: 'Staff' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
  portrait = await samplePortrait();
});
afterAll(() => srv.close());

const api = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => call(`${srv.origin}/api/v1${p}`, {
  method,
  headers: { authorization: `Bearer ${key}`, ...(body !== undefined && !(body instanceof Buffer) ? { 'content-type': 'application/json' } : {}), ...headers },
  body: body === undefined ? undefined : body instanceof Buffer ? new Uint8Array(body) : JSON.stringify(body),
});
const bytes = async (p: string, body: unknown) => {
  const r = await fetch(`${srv.origin}/api/v1${p}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, type: r.headers.get('content-type'), data: new Uint8Array(await r.arrayBuffer()) };
};

async function person(userName: string, given: string, family: string, withPhoto: boolean): Promise<string> {
  const r = await list.req('POST', '/Users', user(userName, { name: { givenName: given, familyName: family }, title: 'Engineer', [ENTERPRISE]: { employeeNumber: `E-${userName}`, department: 'Research' } }));
  expect(r.status, r.text).toBe(201);
  if (withPhoto) {
    const up = await api('POST', `/lists/${list.id}/people/${r.body.id}/photo`, portrait, { 'content-type': 'image/jpeg' });
    expect(up.status, up.text).toBe(201);
    await api('POST', `/lists/${list.id}/photos/${up.body.id}/approve`);
  }
  return r.body.id;
}

async function waitForJob(jobId: string) {
  for (let i = 0; i < 300; i++) {
    const j = await api('GET', `/lists/${list.id}/jobs/${jobId}`);
    if (j.body.status === 'done' || j.body.status === 'failed') return j.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the print job did not finish');
}

describe('card templates', () => {
  it('starts every list with the default staff card, and reports every problem of a bad template at once', async () => {
    const t = await api('GET', `/lists/${list.id}/card-templates`);
    expect(t.body.templates).toHaveLength(1);
    const tpl = t.body.templates[0].template;
    expect(tpl.front.elements.some((e: { type: string }) => e.type === 'photo')).toBe(true);
    const bad = structuredClone(tpl);
    bad.front.elements.push({ type: 'text', id: 'oops', x: 80, y: 2, width: 30, height: 5, text: '{shoe_size}' });
    bad.back.elements.push({ type: 'hologram', id: 'h' });
    const r = await api('POST', `/lists/${list.id}/card-templates`, bad);
    expect(r.status).toBe(422);
    expect(r.body.error).toBe('invalid_template');
    const paths = r.body.problems.map((p: { path: string }) => p.path).join(' ');
    expect(paths).toMatch(/front\.elements\[\d+\]/);
    expect(paths).toMatch(/back\.elements\[\d+\]/);
    expect(JSON.stringify(r.body.problems)).toMatch(/shoe_size/);
    const renamed = await api('PUT', `/lists/${list.id}/card-templates/${t.body.templates[0].id}`, { ...tpl, name: 'Staff card 2027' });
    expect(renamed.body.name).toBe('Staff card 2027');
    // Two first requests at once still give one default; the last template cannot be deleted.
    const other = await srv.newList({ name: 'Race' });
    const both = await Promise.all([api('GET', `/lists/${other.id}/card-templates`), api('GET', `/lists/${other.id}/card-templates`)]);
    expect(both.map((r) => r.body.templates.length)).toEqual([1, 1]);
    const only = await api('DELETE', `/lists/${other.id}/card-templates/${both[0]!.body.templates[0].id}`);
    expect(only.status).toBe(409);
    expect(only.body.error).toBe('last_template');
  });

  it('previews a card on a real person: two CR80 pages, nothing issued', async () => {
    const id = await person('preview', 'Łukasz', 'Nguyễn', true);
    const templateId = (await api('GET', `/lists/${list.id}/card-templates`)).body.templates[0].id;
    const pdf = await bytes(`/lists/${list.id}/card-templates/preview`, { templateId, personId: id });
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    const doc = await PDFDocument.load(pdf.data);
    expect(doc.getPageCount()).toBe(2);
    const { width, height } = doc.getPage(0).getSize();
    expect([width.toFixed(2), height.toFixed(2)]).toEqual(['242.65', '153.01']);
    expect((await api('GET', `/lists/${list.id}/people/${id}/credentials`)).body.credentials).toEqual([]);
  });
});

describe('printing', () => {
  it('prints everyone with an approved photo as a job with progress, issues their cards, and the PDF shows photo and name', async () => {
    const a = await person('ada', 'Ada', 'Lovelace', true);
    const b = await person('grace', 'Grace', 'Hopper', true);
    const none = await person('nophoto', 'No', 'Photo', false);
    const gone = await person('leaver', 'Lea', 'Ver', true);
    await list.req('PATCH', `/Users/${gone}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    const templateId = (await api('GET', `/lists/${list.id}/card-templates`)).body.templates[0].id;

    const job = await api('POST', `/lists/${list.id}/print-jobs`, { templateId, layout: 'card', sides: 'both' });
    expect(job.status, job.text).toBe(202);
    const done = await waitForJob(job.body.id);
    expect(done.status, JSON.stringify(done)).toBe('done');
    expect(done.result.printed).toBe(3); // ada, grace and the preview person
    expect(done.percent).toBe(100);

    const pdf = await bytes(`/lists/${list.id}/print-jobs/${job.body.id}/pdf`, undefined);
    const doc = await PDFDocument.load(pdf.data);
    expect(doc.getPageCount()).toBe(6);
    // The photo box of the first front (4 mm, 14 mm; 25 × 32 mm) holds the photo, not the grey placeholder.
    const page = await rasterise(pdf.data, 0, 3);
    const mm = 72 / 25.4;
    const photo = page.region(5 * mm, 15 * mm, 23 * mm, 30 * mm);
    const distinct = new Set(photo.map((p) => p.map((v) => v >> 4).join(',')));
    expect(distinct.size).toBeGreaterThan(40);
    const name = page.region(32 * mm, 15 * mm, 50 * mm, 10 * mm);
    expect(name.filter(isDark).length).toBeGreaterThan(50);

    for (const id of [a, b]) {
      const creds = (await api('GET', `/lists/${list.id}/people/${id}/credentials`)).body.credentials;
      expect(creds).toEqual([expect.objectContaining({ kind: 'card', status: 'valid' })]);
    }
    expect((await api('GET', `/lists/${list.id}/people/${none}/credentials`)).body.credentials).toEqual([]);
    const printed = (await api('GET', `/lists/${list.id}/audit/events?action=cards.printed`)).body.events[0];
    expect(printed.detail).toMatchObject({ jobId: job.body.id, printed: 3, layout: 'card' });
  });

  it('reports named people it cannot print, with reasons, and reissues cards on request', async () => {
    const a = await person('hedy', 'Hedy', 'Lamarr', true);
    const none = await person('nophoto2', 'No', 'Photo', false);
    const waiting = await person('waiting', 'Wai', 'Ting', false);
    expect((await api('POST', `/lists/${list.id}/people/${waiting}/photo`, portrait, { 'content-type': 'image/jpeg' })).status).toBe(201);
    const templateId = (await api('GET', `/lists/${list.id}/card-templates`)).body.templates[0].id;
    const first = await waitForJob((await api('POST', `/lists/${list.id}/print-jobs`, { templateId, layout: 'a4', personIds: [a, none, waiting, 'nobody'] })).body.id);
    expect(first.result.printed).toBe(1);
    const label = (id: string) => (id === a ? 'a' : id === none ? 'none' : id === waiting ? 'waiting' : id);
    expect(first.result.skipped.map((s: { id: string; reason: string }) => `${label(s.id)}:${s.reason}`).sort()).toEqual(['nobody:not_found', 'none:no_photo', 'waiting:photo_not_approved'].sort());
    const before = (await api('GET', `/lists/${list.id}/people/${a}/credentials`)).body.credentials;
    await waitForJob((await api('POST', `/lists/${list.id}/print-jobs`, { templateId, layout: 'card', personIds: [a], reissue: true })).body.id);
    const after = (await api('GET', `/lists/${list.id}/people/${a}/credentials`)).body.credentials;
    expect(after).toHaveLength(2);
    expect(after.find((c: { id: string }) => c.id === before[0].id).status).toBe('revoked');
    expect((await api('POST', `/lists/${list.id}/print-jobs`, { templateId, layout: 'poster' })).status).toBe(400);
  });
});
