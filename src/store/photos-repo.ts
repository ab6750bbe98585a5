import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import { chunked } from './chunks.js';

export type PhotoStatus = 'pending' | 'approved' | 'rejected' | 'superseded';
export type PhotoRow = Selectable<Database['photos']>;
/** A photo without its bytes: what queues and histories list. */
export type PhotoMeta = Omit<PhotoRow, 'image'>;
export type PhotoLinkRow = Selectable<Database['photo_links']>;

const META = ['id', 'list_id', 'person_id', 'status', 'source', 'width', 'height', 'metrics', 'reject_reason', 'uploaded_by', 'created_at', 'decided_at', 'decided_by'] as const;

export class PhotosRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<Database['photos']>): Promise<void> {
    await this.db.insertInto('photos').values(row).execute();
  }

  async meta(id: string): Promise<PhotoMeta | undefined> {
    return this.db.selectFrom('photos').select(META).where('id', '=', id).executeTakeFirst();
  }

  async image(id: string): Promise<Buffer | undefined> {
    const r = await this.db.selectFrom('photos').select('image').where('id', '=', id).executeTakeFirst();
    return r ? Buffer.from(r.image) : undefined;
  }

  /** The person's photos in one status (newest first). */
  async ofPerson(personId: string, statuses: readonly PhotoStatus[]): Promise<PhotoMeta[]> {
    return this.db.selectFrom('photos').select(META).where('person_id', '=', personId).where('status', 'in', [...statuses]).orderBy('created_at', 'desc').execute();
  }

  async approvedImage(personId: string): Promise<Buffer | undefined> {
    const r = await this.db.selectFrom('photos').select('image').where('person_id', '=', personId).where('status', '=', 'approved').executeTakeFirst();
    return r ? Buffer.from(r.image) : undefined;
  }

  /** Which of these people have an approved photo (for print batches). */
  async approvedAmong(personIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunked(personIds)) {
      const rows = await this.db.selectFrom('photos').select('person_id').where('person_id', 'in', part).where('status', '=', 'approved').execute();
      for (const r of rows) out.add(r.person_id);
    }
    return out;
  }

  /** Which of these people have an approved or a pending photo (approved wins), for the capture session's search. */
  async currentAmong(personIds: readonly string[]): Promise<Map<string, 'approved' | 'pending'>> {
    const out = new Map<string, 'approved' | 'pending'>();
    for (const part of chunked(personIds)) {
      const rows = await this.db.selectFrom('photos').select(['person_id', 'status']).where('person_id', 'in', part).where('status', 'in', ['approved', 'pending']).execute();
      for (const r of rows) if (r.status === 'approved' || !out.has(r.person_id)) out.set(r.person_id, r.status as 'approved' | 'pending');
    }
    return out;
  }

  async setStatus(id: string, status: PhotoStatus, decided: { at: string; by: string; reason?: string | null }): Promise<void> {
    await this.db.updateTable('photos').set({ status, decided_at: decided.at, decided_by: decided.by, reject_reason: decided.reason ?? null }).where('id', '=', id).execute();
  }

  /** Marks the person's other photos in `from` superseded. */
  async supersede(personId: string, exceptId: string, from: PhotoStatus, at: string): Promise<void> {
    await this.db.updateTable('photos').set({ status: 'superseded', decided_at: at }).where('person_id', '=', personId).where('status', '=', from).where('id', '!=', exceptId).execute();
  }

  /**
   * A page of the list's photos in one status, oldest first (a review queue is worked in arrival
   * order), after the keyset (created_at, id) of the previous page's last photo: photos uploaded
   * in the same millisecond are neither skipped nor repeated at a page boundary.
   */
  async queue(listId: string, status: PhotoStatus, limit: number, after?: { createdAt: string; id?: string }): Promise<PhotoMeta[]> {
    let q = this.db.selectFrom('photos').select(META).where('list_id', '=', listId).where('status', '=', status);
    if (after) {
      const { createdAt, id } = after;
      q = id === undefined
        ? q.where('created_at', '>', createdAt)
        : q.where((eb) => eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]));
    }
    return q.orderBy('created_at').orderBy('id').limit(limit).execute();
  }

  /** Active people of the list with an approved photo: who an "everyone" print batch prints. */
  async countApprovedActive(listId: string): Promise<number> {
    const r = await this.db.selectFrom('photos').innerJoin('users', 'users.id', 'photos.person_id')
      .where('photos.list_id', '=', listId).where('photos.status', '=', 'approved').where('users.active', '=', 1)
      .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async countByStatus(listId: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('photos').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('list_id', '=', listId).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  // ---- self-upload links

  async insertLink(row: Insertable<Database['photo_links']>): Promise<void> {
    await this.db.insertInto('photo_links').values(row).execute();
  }

  /** Many links in one statement per 50 (a campaign's batch). */
  async insertLinks(rows: readonly Insertable<Database['photo_links']>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 50) await this.db.insertInto('photo_links').values(rows.slice(i, i + 50)).execute();
  }

  async linkByHash(hash: string): Promise<PhotoLinkRow | undefined> {
    return this.db.selectFrom('photo_links').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  }

  /** Notes the first time the link's page was opened. */
  async linkOpened(id: string, at: string): Promise<void> {
    await this.db.updateTable('photo_links').set({ opened_at: at }).where('id', '=', id).where('opened_at', 'is', null).execute();
  }

  /** Takes one try, atomically: false when the link has none left, is used or has expired (parallel posts cannot overdraw it). */
  async useAttempt(id: string, now: string): Promise<boolean> {
    const r = await this.db.updateTable('photo_links').set((eb) => ({ attempts_left: eb('attempts_left', '-', 1) }))
      .where('id', '=', id).where('attempts_left', '>', 0).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Gives a try back (the check could not run: Muster was busy). */
  async returnAttempt(id: string): Promise<void> {
    await this.db.updateTable('photo_links').set((eb) => ({ attempts_left: eb('attempts_left', '+', 1) })).where('id', '=', id).execute();
  }

  /** Marks the link used, once: false when a parallel upload used it first. */
  async linkUsed(id: string, at: string, consentAt: string | null): Promise<boolean> {
    const r = await this.db.updateTable('photo_links').set({ used_at: at, consent_given_at: consentAt }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
