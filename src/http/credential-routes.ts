/**
 * Admin API routes of the credential lifecycle (docs/credentials.md, docs/photos.md): photos
 * and their review, self-upload links, and credentials issued per person. Registered on the
 * admin API's Hono app, behind its authentication and role checks.
 */
import type { Context, Hono } from 'hono';
import type { CredentialRow, MasterList } from '../store/index.js';
import type { GoogleWallet } from '../credentials/google/google-wallet.js';
import type { RequestMeta } from '../audit/audit-trail.js';
import type { CredentialAction, CredentialService } from '../credentials/credential-service.js';
import type { CardService } from '../credentials/card-service.js';
import { jobView } from '../jobs/job-runner.js';
import type { CaptureService } from '../credentials/capture-service.js';
import { issueCapabilities } from '../credentials/wallet-capability.js';
import { MAX_PHOTO_BYTES, photoView, type PhotoService, type PhotoSource } from '../credentials/photo-service.js';
import type { Store, PhotoStatus } from '../store/index.js';
import { ApiError } from './api-error.js';
import type { Env } from './admin-routes.js';
import { readBytes } from './body.js';

export interface CredentialRouteDeps {
  readonly store: Store;
  readonly credentials: CredentialService;
  readonly photos: PhotoService;
  readonly cards: CardService;
  readonly googleWallet: GoogleWallet;
  readonly capture: CaptureService;
}

export interface RouteHelpers {
  listOf(c: Context<Env>): Promise<MasterList>;
  body(c: Context<Env>, maxBytes?: number): Promise<Record<string, unknown>>;
  meta(c: Context<Env>): RequestMeta;
  origin(c: Context<Env>): string;
}

/** Card templates carry their artwork (logos, backgrounds) as base64 images: more room than other admin JSON. */
const TEMPLATE_BYTES = 8 * 1_048_576;
const STATUSES: readonly PhotoStatus[] = ['pending', 'approved', 'rejected', 'superseded'];
const jpeg = (bytes: Buffer) => new Response(bytes, { headers: { 'content-type': 'image/jpeg', 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff' } });

export function credentialRoutes(api: Hono<Env>, deps: CredentialRouteDeps, h: RouteHelpers): void {
  // ---- credentials: issued per person, revoked with the person
  /** A credential as the API shows it; a Google Wallet pass adds its object, state at Google and save link. */
  const credentialView = async (c: Context<Env>, row: CredentialRow) => {
    const v = deps.credentials.view(row, h.origin(c));
    if (row.kind !== 'google_pass') return v;
    const info = await deps.googleWallet.passInfo(row, h.origin(c));
    // A save link adds the pass to whoever opens it: not for read-only accounts.
    return { ...v, google: info ? (c.get('role') === 'viewer' ? { ...info, saveUrl: null } : info) : null };
  };
  api.get('/lists/:listId/people/:personId/credentials', async (c) => {
    const list = await h.listOf(c);
    const rows = await deps.credentials.forPerson(list, c.req.param('personId'));
    const out = [];
    for (const r of rows) out.push(await credentialView(c, r));
    return c.json({ credentials: out, issue: await issueCapabilities(deps.store, list.orgId) });
  });
  api.post('/lists/:listId/people/:personId/credentials', async (c) => {
    const list = await h.listOf(c);
    const b = await h.body(c);
    const row = await deps.credentials.issue(list, c.req.param('personId'), b.kind ?? 'card', h.meta(c), h.origin(c));
    // The job queued with the credential would create the Google object too; doing it now means
    // the answer carries a save link that works at once.
    if (row.kind === 'google_pass') await deps.googleWallet.syncNow(row.id, h.meta(c));
    return c.json(await credentialView(c, row), 201);
  });
  api.post('/lists/:listId/credentials/:credentialId/:action', async (c) => {
    const list = await h.listOf(c);
    const action = c.req.param('action');
    if (action !== 'suspend' && action !== 'revoke' && action !== 'reinstate') throw new ApiError(404, 'not_found', 'the action must be suspend, revoke or reinstate');
    const b = c.req.header('content-type')?.includes('json') ? await h.body(c) : {};
    const row = await deps.credentials.act(list, c.req.param('credentialId'), action as CredentialAction, h.meta(c), typeof b.reason === 'string' ? b.reason : undefined);
    return c.json(await credentialView(c, row));
  });

  // ---- card templates, previews and print batches (docs/cards.md)
  const pdf = (bytes: Uint8Array, name: string) => new Response(bytes, { headers: { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${name}"`, 'cache-control': 'private, no-store' } });
  api.get('/lists/:listId/card-templates', async (c) => c.json({ templates: await deps.cards.templates(await h.listOf(c), h.meta(c)) }));
  api.post('/lists/:listId/card-templates', async (c) => c.json(await deps.cards.save(await h.listOf(c), undefined, await h.body(c, TEMPLATE_BYTES), h.meta(c)), 201));
  api.post('/lists/:listId/card-templates/preview', async (c) => {
    const list = await h.listOf(c);
    const b = await h.body(c, TEMPLATE_BYTES);
    return pdf(await deps.cards.preview(list, { templateId: b.templateId, template: b.template, personId: b.personId }, h.origin(c)), 'card-preview.pdf');
  });
  api.get('/lists/:listId/card-templates/:templateId', async (c) => c.json(await deps.cards.template(await h.listOf(c), c.req.param('templateId'))));
  api.put('/lists/:listId/card-templates/:templateId', async (c) => c.json(await deps.cards.save(await h.listOf(c), c.req.param('templateId'), await h.body(c, TEMPLATE_BYTES), h.meta(c))));
  api.delete('/lists/:listId/card-templates/:templateId', async (c) => {
    await deps.cards.remove(await h.listOf(c), c.req.param('templateId'));
    return c.body(null, 204);
  });
  api.post('/lists/:listId/print-jobs', async (c) => {
    const list = await h.listOf(c);
    const id = await deps.cards.print(list, await h.body(c), h.meta(c), h.origin(c));
    return c.json(jobView((await deps.store.roster.job(id))!), 202);
  });
  api.get('/lists/:listId/print-jobs/:jobId/pdf', async (c) => {
    const list = await h.listOf(c);
    const job = await deps.store.roster.job(c.req.param('jobId'));
    if (!job || job.list_id !== list.id) throw new ApiError(404, 'not_found', `no print job "${c.req.param('jobId')}" on this list`);
    const out = await deps.store.cards.output(job.id);
    if (!out) throw new ApiError(409, 'not_ready', `the print job is ${job.status}; download its PDF when it is done`);
    if (!out.pdf) throw new ApiError(409, 'nothing_printed', 'nobody in this batch could be printed (see the job\'s skipped people and reasons)');
    return pdf(out.pdf, `cards-${job.id}.pdf`);
  });

  // ---- photos
  /** An admin's upload or a capture-session shot: the image as the body (image/jpeg, image/png…). */
  api.post('/lists/:listId/people/:personId/photo', async (c) => {
    const list = await h.listOf(c);
    const source = (c.req.query('source') ?? 'admin') as PhotoSource;
    if (source !== 'admin' && source !== 'capture') throw new ApiError(400, 'invalid_parameter', 'source must be admin or capture');
    const approve = c.req.query('approve');
    if (approve !== undefined && approve !== 'true' && approve !== 'false') throw new ApiError(400, 'invalid_parameter', 'approve must be true or false');
    if (!/^image\//i.test(c.req.header('content-type') ?? '')) throw new ApiError(400, 'invalid_body', 'send the photo itself as the body, with Content-Type image/jpeg, image/png, image/webp or image/avif');
    const bytes = await readBytes(c.req.raw, MAX_PHOTO_BYTES);
    return c.json(await deps.photos.upload(list, c.req.param('personId'), bytes, source, h.meta(c), approve === 'true'), 201);
  });
  api.get('/lists/:listId/people/:personId/photo', async (c) => {
    const list = await h.listOf(c);
    const person = await deps.store.users.get(list.id, c.req.param('personId'));
    const img = person ? await deps.store.photos.approvedImage(person.id) : undefined;
    if (!img) throw new ApiError(404, 'not_found', 'this person has no approved photo');
    return jpeg(img);
  });
  api.get('/lists/:listId/people/:personId/photos', async (c) => {
    const list = await h.listOf(c);
    const person = await deps.store.users.get(list.id, c.req.param('personId'));
    if (!person) throw new ApiError(404, 'not_found', `no person "${c.req.param('personId')}" on this list`);
    return c.json({ photos: (await deps.store.photos.ofPerson(person.id, STATUSES)).map(photoView) });
  });
  api.post('/lists/:listId/people/:personId/photo-link', async (c) => {
    const list = await h.listOf(c);
    const b = await h.body(c);
    return c.json(await deps.photos.createLink(list, c.req.param('personId'), { hours: b.hours, attempts: b.attempts, consentText: b.consentText }, h.meta(c), h.origin(c)), 201);
  });
  // ---- capture sessions for whoever walks up (docs/photos.md)
  api.get('/lists/:listId/capture/people', async (c) => c.json(await deps.capture.search(await h.listOf(c), c.req.query('q'))));
  api.get('/capture-settings', async (c) => c.json(await deps.capture.settings(c.get('orgId'))));
  api.put('/capture-settings', async (c) => c.json(await deps.capture.configure(c.get('orgId'), await h.body(c), h.meta(c))));
  /** The review queue (oldest first), or photos in another status; never the image bytes. */
  api.get('/lists/:listId/photos', async (c) => {
    const list = await h.listOf(c);
    const status = (c.req.query('status') ?? 'pending') as PhotoStatus;
    if (!STATUSES.includes(status)) throw new ApiError(400, 'invalid_parameter', `status must be one of ${STATUSES.join(', ')}`);
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ApiError(400, 'invalid_parameter', 'limit must be an integer from 1 to 200');
    // `after`: the `next` of the previous page ("createdAt|id"); a bare createdAt is accepted too.
    const afterRaw = c.req.query('after') || undefined;
    const [afterAt, afterId] = afterRaw ? afterRaw.split('|') : [];
    const fetched = await deps.store.photos.queue(list.id, status, limit + 1, afterAt ? { createdAt: afterAt, ...(afterId ? { id: afterId } : {}) } : undefined);
    const rows = fetched.slice(0, limit);
    const names = new Map<string, string | null>();
    for (const r of rows) {
      if (!names.has(r.person_id)) {
        const p = await deps.store.users.get(list.id, r.person_id);
        names.set(r.person_id, p ? String(p.data.displayName ?? p.data.userName ?? '') : null);
      }
    }
    return c.json({
      photos: rows.map((r) => ({ ...photoView(r), personName: names.get(r.person_id) ?? null })),
      counts: await deps.store.photos.countByStatus(list.id),
      // One row more than asked tells whether another page exists: no `next` that leads to an empty page.
      next: fetched.length > limit ? `${rows[rows.length - 1]!.created_at}|${rows[rows.length - 1]!.id}` : null,
    });
  });
  api.get('/lists/:listId/photos/:photoId/image', async (c) => {
    const list = await h.listOf(c);
    const meta = await deps.store.photos.meta(c.req.param('photoId'));
    if (!meta || meta.list_id !== list.id) throw new ApiError(404, 'not_found', `no photo "${c.req.param('photoId')}" on this list`);
    return jpeg((await deps.store.photos.image(meta.id))!);
  });
  api.post('/lists/:listId/photos/approve', async (c) => c.json(await deps.photos.approveMany(await h.listOf(c), (await h.body(c)).ids, h.meta(c))));
  api.post('/lists/:listId/photos/:photoId/:decision', async (c) => {
    const list = await h.listOf(c);
    const decision = c.req.param('decision');
    if (decision !== 'approve' && decision !== 'reject') throw new ApiError(404, 'not_found', 'the decision must be approve or reject');
    const b = c.req.header('content-type')?.includes('json') ? await h.body(c) : {};
    return c.json(await deps.photos.decide(list, c.req.param('photoId'), decision, h.meta(c), b.reason));
  });
}
