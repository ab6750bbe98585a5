import { createHash, randomBytes } from 'node:crypto';
import type { PhotoCheck, PhotoProblem } from './photo-check.js';
import { PhotoChecksBusyError } from './photo-checks-busy.js';

/** sharp loads on the first photo check, not at start. */
const checkPhoto = async (bytes: Uint8Array): Promise<PhotoCheck> => (await import('./photo-check.js')).checkPhoto(bytes);
import type { MasterList, PhotoLinkRow, PhotoMeta, Repos, Store } from '../store/index.js';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';
import { holderName } from './credential-service.js';
import { newId } from '../runtime/ids.js';

/** A self-upload link's row as stored (PhotoService.prepareLinks). */
type NewLinkRow = Parameters<Repos['photos']['insertLinks']>[0][number];

/**
 * ID photos: three ways in (an admin's upload, the person's own upload through a link, an
 * operator's capture session), every one checked and normalised by checkPhoto, then a review:
 * approve or reject with a reason. One approved photo per person; each step in the audit trail
 * under the person, so their page shows it.
 */
/** `entra`: fetched from the person's Entra ID profile by Entra pull sync (src/sync/entra-photos.ts). */
export type PhotoSource = 'admin' | 'self' | 'capture' | 'entra';
export const PHOTO_SOURCES: readonly PhotoSource[] = ['admin', 'self', 'capture', 'entra'];
export const MAX_PHOTO_BYTES = 15 * 1_048_576;

export interface LinkOptions {
  readonly hours?: unknown;
  readonly attempts?: unknown;
  readonly consentText?: unknown;
}

/** A link's rules, checked: how long it works, how many tries, the consent sentence to agree to. */
export interface LinkRules {
  readonly hours: number;
  readonly attempts: number;
  readonly consentText: string | null;
}

/** Today's rules for a self-upload link: 72 hours and 5 tries by default, up to 720 hours and 20 tries. */
export function linkRules(opts: LinkOptions): LinkRules {
  const hours = opts.hours === undefined ? 72 : opts.hours;
  const attempts = opts.attempts === undefined ? 5 : opts.attempts;
  if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > 24 * 30) throw new PhotoError(400, 'invalid_body', 'hours must be a whole number from 1 to 720');
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new PhotoError(400, 'invalid_body', 'attempts must be a whole number from 1 to 20');
  if (opts.consentText !== undefined && opts.consentText !== null && (typeof opts.consentText !== 'string' || opts.consentText.length > 2000)) throw new PhotoError(400, 'invalid_body', 'consentText must be text of up to 2000 characters');
  return { hours, attempts, consentText: typeof opts.consentText === 'string' && opts.consentText.trim() ? opts.consentText.trim() : null };
}

export class PhotoError extends Error {
  constructor(readonly status: 400 | 403 | 404 | 409 | 410 | 422 | 429, readonly code: string, message: string, readonly problems: readonly PhotoProblem[] = []) {
    super(message);
    this.name = 'PhotoError';
  }
}

export interface PhotoView {
  readonly id: string;
  readonly personId: string;
  readonly status: string;
  readonly source: string;
  readonly width: number;
  readonly height: number;
  readonly metrics: unknown;
  readonly rejectReason: string | null;
  readonly uploadedBy: string;
  readonly createdAt: string;
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
}

export const photoView = (p: PhotoMeta): PhotoView => ({
  id: p.id, personId: p.person_id, status: p.status, source: p.source, width: p.width, height: p.height, metrics: JSON.parse(p.metrics) as unknown,
  rejectReason: p.reject_reason, uploadedBy: p.uploaded_by, createdAt: p.created_at, decidedAt: p.decided_at, decidedBy: p.decided_by,
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function refused(check: PhotoCheck & { ok: false }): PhotoError {
  return new PhotoError(422, 'photo_rejected', check.problems.map((p) => p.message).join(' '), check.problems);
}

export class PhotoService {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly check: (bytes: Uint8Array) => Promise<PhotoCheck> = checkPhoto,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async person(tx: Repos, listId: string, personId: string) {
    const p = await tx.users.get(listId, personId);
    if (!p) throw new PhotoError(404, 'not_found', `no person "${personId}" on this list`);
    return p;
  }

  /** An admin's upload or a capture-session shot: checked, stored as pending review. */
  private async runCheck(bytes: Uint8Array): Promise<PhotoCheck> {
    try {
      return await this.check(bytes);
    } catch (err) {
      if (err instanceof PhotoChecksBusyError) throw new PhotoError(429, 'busy', err.message);
      throw err;
    }
  }

  /**
   * `approve`: a capture-session shot approved in the same step by the admin who took it (issue
   * 14, item 3), when the organisation allows it; the trail records the upload and the approval,
   * both by that admin, in one transaction.
   */
  async upload(list: MasterList, personId: string, bytes: Uint8Array, source: PhotoSource, meta: RequestMeta, approve = false): Promise<PhotoView> {
    if (approve && source !== 'capture') throw new PhotoError(400, 'invalid_parameter', 'only a photo taken in a capture session can be approved as it is uploaded');
    if (approve && !(await this.store.lists.captureApproves(list.orgId))) {
      throw new PhotoError(409, 'capture_approval_off', 'your organisation reviews capture-session photos separately: turn on "approve photos taken in a capture session" in the capture session settings first');
    }
    await this.person(this.store, list.id, personId);
    const check = await this.runCheck(bytes);
    if (!check.ok) {
      // The person's history says a photo was tried and why it was not kept, whoever sent it.
      await this.recordRefused(list.id, personId, check.problems, meta, { source });
      throw refused(check);
    }
    return this.store.transaction(async (tx) => {
      const saved = await this.save(tx, list.id, personId, check, source, meta);
      return approve ? this.decideIn(tx, list, saved.id, 'approve', meta, undefined, { inCaptureSession: true }) : saved;
    });
  }

  private async save(tx: Repos, listId: string, personId: string, check: PhotoCheck & { ok: true }, source: PhotoSource, meta: RequestMeta): Promise<PhotoView> {
    await tx.audit.chain(listId, true);
    const person = await this.person(tx, listId, personId);
    const at = this.now().toISOString();
    const id = newId();
    await tx.photos.insert({
      id, list_id: listId, person_id: personId, status: 'pending', source, image: check.jpeg, width: check.width, height: check.height,
      metrics: JSON.stringify(check.metrics), reject_reason: null, uploaded_by: meta.actor, created_at: at, decided_at: null, decided_by: null,
    });
    // A newer photo waiting for review replaces an older one: reviewers see only the latest.
    await tx.photos.supersede(personId, id, 'pending', at);
    await this.audit.record(tx, listId, {
      action: 'photo.uploaded', target: { type: 'person', id: personId, name: holderName(person.data) },
      detail: { photoId: id, source, brightness: check.metrics.brightness, sharpness: check.metrics.sharpness },
    }, meta);
    return photoView((await tx.photos.meta(id))!);
  }

  async decide(list: MasterList, photoId: string, decision: 'approve' | 'reject', meta: RequestMeta, reason?: unknown): Promise<PhotoView> {
    if (decision === 'reject' && (typeof reason !== 'string' || !reason.trim())) throw new PhotoError(400, 'invalid_body', 'say why the photo is rejected: the person sees the reason when they upload again');
    return this.store.transaction(async (tx) => this.decideIn(tx, list, photoId, decision, meta, reason));
  }

  private async decideIn(tx: Repos, list: MasterList, photoId: string, decision: 'approve' | 'reject', meta: RequestMeta, reason?: unknown, extra: Record<string, unknown> = {}): Promise<PhotoView> {
    await tx.audit.chain(list.id, true);
    const p = await tx.photos.meta(photoId);
    if (!p || p.list_id !== list.id) throw new PhotoError(404, 'not_found', `no photo "${photoId}" on this list`);
    if (p.status !== 'pending') throw new PhotoError(409, 'already_decided', `this photo is ${p.status}; only a photo waiting for review can be ${decision === 'approve' ? 'approved' : 'rejected'}`);
    const at = this.now().toISOString();
    const why = decision === 'reject' ? (reason as string).trim().slice(0, 500) : null;
    if (decision === 'approve') await tx.photos.supersede(p.person_id, p.id, 'approved', at);
    await tx.photos.setStatus(p.id, decision === 'approve' ? 'approved' : 'rejected', { at, by: meta.actor, reason: why });
    const person = await tx.users.get(list.id, p.person_id);
    await this.audit.record(tx, list.id, {
      action: decision === 'approve' ? 'photo.approved' : 'photo.rejected', target: { type: 'person', id: p.person_id, name: person ? holderName(person.data) : null },
      changes: [{ field: 'photo.status', before: 'pending', after: decision === 'approve' ? 'approved' : 'rejected' }],
      detail: { photoId: p.id, ...(why ? { reason: why } : {}), ...extra },
    }, meta);
    return photoView((await tx.photos.meta(p.id))!);
  }

  /** Approves many at once; photos no longer pending are reported, not failed. */
  async approveMany(list: MasterList, ids: unknown, meta: RequestMeta): Promise<{ approved: string[]; skipped: { id: string; reason: string }[] }> {
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 500 || !ids.every((x) => typeof x === 'string')) throw new PhotoError(400, 'invalid_body', 'send {"ids": [...]} with 1 to 500 photo ids');
    const approved: string[] = [], skipped: { id: string; reason: string }[] = [];
    for (const id of ids as string[]) {
      try {
        await this.decide(list, id, 'approve', meta);
        approved.push(id);
      } catch (err) {
        if (err instanceof PhotoError) skipped.push({ id, reason: err.message });
        else throw err;
      }
    }
    return { approved, skipped };
  }

  // ---- self-upload links

  /** A link the person opens on their phone: 72 hours and 5 attempts by default. The URL is shown once. */
  async createLink(list: MasterList, personId: string, opts: LinkOptions, meta: RequestMeta, origin: string): Promise<{ url: string; expiresAt: string; attemptsLeft: number }> {
    const rules = linkRules(opts);
    return this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      return this.createLinkIn(tx, list, personId, rules, meta, origin);
    });
  }

  /**
   * The same link in the caller's transaction, which has taken the list's lock (a campaign queues
   * the link and its email together). `record: false` leaves the audit event to the caller, which
   * records one for a batch of people (a campaign's "invitations sent").
   */
  async createLinkIn(tx: Repos, list: MasterList, personId: string, rules: LinkRules, meta: RequestMeta, origin: string, record = true): Promise<{ id: string; url: string; expiresAt: string; attemptsLeft: number }> {
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.now().getTime() + rules.hours * 3_600_000).toISOString();
    const person = await this.person(tx, list.id, personId);
    const id = newId();
    await tx.photos.insertLink({
      id, list_id: list.id, person_id: personId, token_hash: sha256(secret), expires_at: expiresAt, attempts_left: rules.attempts,
      consent_text: rules.consentText, consent_given_at: null, created_at: this.now().toISOString(), created_by: meta.actor, used_at: null,
    });
    if (record) await this.audit.record(tx, list.id, { action: 'photo.link_created', target: { type: 'person', id: personId, name: holderName(person.data) }, detail: { expiresAt, attempts: rules.attempts, consent: rules.consentText !== null } }, meta);
    return { id, url: `${origin}/p/${secret}`, expiresAt, attemptsLeft: rules.attempts };
  }

  /**
   * Links for many people at once in the caller's transaction (a campaign's batch, which checked
   * they are on the list and records one audit event for them all): one insert, same rules.
   */
  async createLinksIn(tx: Repos, list: MasterList, personIds: readonly string[], rules: LinkRules, meta: RequestMeta, origin: string): Promise<Map<string, { id: string; url: string; expiresAt: string }>> {
    const prepared = this.prepareLinks(list, personIds, rules, meta, origin);
    await tx.photos.insertLinks([...prepared.values()].map((p) => p.row));
    return new Map([...prepared].map(([personId, p]) => [personId, p.link]));
  }

  /**
   * The same links made but not stored (secrets drawn, hashes computed): a campaign makes them
   * before its transaction and inserts those of the people it then claims (`row`), so that the
   * transaction holds the connection only for its writes.
   */
  prepareLinks(list: MasterList, personIds: readonly string[], rules: LinkRules, meta: RequestMeta, origin: string): Map<string, { link: { id: string; url: string; expiresAt: string }; row: NewLinkRow }> {
    const at = this.now();
    const expiresAt = new Date(at.getTime() + rules.hours * 3_600_000).toISOString();
    const out = new Map<string, { link: { id: string; url: string; expiresAt: string }; row: NewLinkRow }>();
    for (const personId of personIds) {
      const secret = randomBytes(32).toString('base64url');
      const id = newId();
      out.set(personId, {
        link: { id, url: `${origin}/p/${secret}`, expiresAt },
        row: {
          id, list_id: list.id, person_id: personId, token_hash: sha256(secret), expires_at: expiresAt, attempts_left: rules.attempts,
          consent_text: rules.consentText, consent_given_at: null, created_at: at.toISOString(), created_by: meta.actor, used_at: null,
        },
      });
    }
    return out;
  }

  /** The link behind a secret, or why it cannot be used. */
  async openLink(secret: string): Promise<{ link: PhotoLinkRow; name: string; organisation: string; lastRejection: string | null }> {
    const link = /^[\w-]{43}$/.test(secret) ? await this.store.photos.linkByHash(sha256(secret)) : undefined;
    if (!link) throw new PhotoError(404, 'not_found', 'This link is not valid. Ask your administrator for a new one.');
    if (link.used_at) throw new PhotoError(410, 'link_used', 'A photo was already sent with this link. If it is rejected, your administrator will send you a new link.');
    if (link.expires_at <= this.now().toISOString()) throw new PhotoError(410, 'link_expired', 'This link has expired. Ask your administrator for a new one.');
    if (link.attempts_left <= 0) throw new PhotoError(410, 'no_attempts_left', 'This link has been used for too many attempts. Ask your administrator for a new one.');
    const [person, list] = await Promise.all([this.store.users.get(link.list_id, link.person_id), this.store.lists.get(link.list_id)]);
    if (!person || !list) throw new PhotoError(404, 'not_found', 'This link is not valid any more. Ask your administrator for a new one.');
    const org = await this.store.lists.organisation(list.orgId);
    // "Opened the link" on a campaign's page: the first time only, and never a reason to refuse the page.
    if (!link.opened_at) await this.store.photos.linkOpened(link.id, this.now().toISOString());
    const rejected = (await this.store.photos.ofPerson(link.person_id, ['rejected']))[0];
    return { link, name: holderName(person.data), organisation: org?.name ?? '', lastRejection: rejected?.reject_reason ?? null };
  }

  /** Records in the audit trail that a photo failed the checks (a self-upload try, an Entra photo). */
  async recordRefused(listId: string, personId: string, problems: readonly PhotoProblem[], meta: RequestMeta, detail: Record<string, unknown> = {}): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.audit.chain(listId, true);
      const person = await tx.users.get(listId, personId);
      await this.audit.record(tx, listId, {
        action: 'photo.upload_refused', target: { type: 'person', id: personId, name: person ? holderName(person.data) : null }, detail: { problems: problems.map((p) => p.code), ...detail },
      }, meta);
    });
  }

  /** The person's own upload: each try, good or bad, uses an attempt; a good one uses up the link. */
  async selfUpload(secret: string, bytes: Uint8Array, consent: boolean): Promise<PhotoView> {
    const { link } = await this.openLink(secret);
    if (link.consent_text && !consent) throw new PhotoError(400, 'consent_required', 'Please tick the box to agree to how your photo is used, then send it again.');
    if (!(await this.store.photos.useAttempt(link.id, this.now().toISOString()))) {
      throw new PhotoError(410, 'no_attempts_left', 'This link has no tries left, or was just used. Ask your administrator for a new one.');
    }
    const meta: RequestMeta = { actor: 'self-upload' };
    let check: PhotoCheck;
    try {
      check = await this.runCheck(bytes);
    } catch (err) {
      if (err instanceof PhotoError && err.code === 'busy') await this.store.photos.returnAttempt(link.id);
      throw err;
    }
    if (!check.ok) {
      await this.recordRefused(link.list_id, link.person_id, check.problems, meta, { source: 'self', attemptsLeft: link.attempts_left - 1 });
      const err = refused(check);
      throw new PhotoError(422, err.code, `${err.message} ${link.attempts_left - 1 > 0 ? `You have ${link.attempts_left - 1} more ${link.attempts_left - 1 === 1 ? 'try' : 'tries'}.` : 'That was the last try with this link: ask your administrator for a new one.'}`, check.problems);
    }
    return this.store.transaction(async (tx) => {
      await tx.audit.chain(link.list_id, true);
      if (!(await tx.photos.linkUsed(link.id, this.now().toISOString(), link.consent_text ? this.now().toISOString() : null))) {
        throw new PhotoError(410, 'link_used', 'A photo was already sent with this link. If it is rejected, your administrator will send you a new link.');
      }
      return this.save(tx, link.list_id, link.person_id, check, 'self', meta);
    });
  }
}
