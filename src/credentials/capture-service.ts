/**
 * The on-site capture session for whoever walks up (issue 14, item 3): find the person on the
 * roster by name, email, identifier or by scanning their card, and — when the organisation allows
 * it — approve the photo an admin takes there in the same step.
 *
 * A scanned barcode holds what the card template bound it to (docs/cards.md): usually the
 * credential's verification URL (`{verifyUrl}`, …/v/{code}), otherwise a roster field such as
 * `{employee_number}`. A verification URL or bare code is looked up by its credential; anything
 * else is a roster search, with exact matches of a field value or userName first.
 */
import type { MasterList, PersonRow, Store } from '../store/index.js';
import { lockListsOf, type AuditTrail, type RequestMeta } from '../audit/audit-trail.js';
import { PhotoError } from './photo-service.js';

export type CaptureMatch = 'barcode' | 'exact' | 'search';

export interface CapturePerson {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  readonly fields: Readonly<Record<string, unknown>>;
  /** The person's current photo: approved, waiting for review, or none. */
  readonly photo: 'approved' | 'pending' | null;
  readonly matchedBy: CaptureMatch;
}

export interface CaptureSettings {
  /** A photo an admin takes in a capture session is approved in the same step. Off by default. */
  readonly approveOnCapture: boolean;
}

const MAX_RESULTS = 20;
/** Verification codes are 32 random bytes in base64url (credential-service.ts); a URL's /v/ segment is one. */
const VERIFY_PATH = /\/v\/([A-Za-z0-9_-]{43})\/?(?:[?#].*)?$/;
const BARE_CODE = /^[A-Za-z0-9_-]{43}$/;

export class CaptureService {
  constructor(private readonly store: Store, private readonly audit: AuditTrail) {}

  async search(list: MasterList, query: unknown): Promise<{ people: CapturePerson[] }> {
    if (typeof query !== 'string' || !query.trim()) throw new PhotoError(400, 'invalid_parameter', 'send q: a name, email, identifier or the value a card\'s barcode holds');
    const q = query.trim().slice(0, 500);
    const code = VERIFY_PATH.exec(q)?.[1] ?? (BARE_CODE.test(q) ? q : undefined);
    if (code) {
      const cred = await this.store.credentials.byCode(code);
      if (cred && cred.list_id === list.id) {
        const rows = await this.store.roster.people({ listId: list.id, offset: 0, limit: 1, personId: cred.person_id });
        if (rows.length) return { people: await this.withPhotos(rows.map((r) => [r, 'barcode'] as const)) };
      }
      if (VERIFY_PATH.test(q)) return { people: [] };
    }
    const rows = await this.store.roster.people({ listId: list.id, search: q, offset: 0, limit: MAX_RESULTS });
    const lc = q.toLowerCase();
    const exact = (r: PersonRow) => r.userName.toLowerCase() === lc || Object.values(r.fields).some((v) => v !== null && v !== undefined && String(v).toLowerCase() === lc);
    const ranked = rows.map((r) => [r, exact(r) ? 'exact' : 'search'] as const).sort((a, b) => Number(b[1] === 'exact') - Number(a[1] === 'exact'));
    return { people: await this.withPhotos(ranked) };
  }

  private async withPhotos(rows: ReadonlyArray<readonly [PersonRow, CaptureMatch]>): Promise<CapturePerson[]> {
    const photos = await this.store.photos.currentAmong(rows.map(([r]) => r.id));
    return rows.map(([r, matchedBy]) => ({ id: r.id, userName: r.userName, active: r.active, fields: r.fields, photo: photos.get(r.id) ?? null, matchedBy }));
  }

  async settings(orgId: string): Promise<CaptureSettings> {
    return { approveOnCapture: await this.store.lists.captureApproves(orgId) };
  }

  async configure(orgId: string, b: Readonly<Record<string, unknown>>, meta: RequestMeta): Promise<CaptureSettings> {
    const unknown = Object.keys(b).filter((k) => k !== 'approveOnCapture');
    if (unknown.length || typeof b.approveOnCapture !== 'boolean') throw new PhotoError(400, 'invalid_body', 'send {"approveOnCapture": true|false}');
    const on = b.approveOnCapture;
    await this.store.transaction(async (tx) => {
      await lockListsOf(tx, orgId);
      const before = await tx.lists.captureApproves(orgId);
      if (before === on) return;
      await tx.lists.setCaptureApproves(orgId, on);
      for (const l of await tx.lists.all(orgId)) {
        await this.audit.record(tx, l.id, {
          action: 'photo.capture_settings_changed', target: { type: 'organisation', id: orgId },
          changes: [{ field: 'capture.approveOnCapture', before, after: on }], detail: { approveOnCapture: on },
        }, meta);
      }
    });
    return this.settings(orgId);
  }
}
