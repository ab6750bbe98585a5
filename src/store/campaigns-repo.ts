import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Engine } from './engine.js';
import type { Database } from './schema.js';
import { rosterFieldText } from './roster-search.js';
import { userNameOf } from './users-repo.js';
import { userDocOf } from '../scim/schemas-code.js';

export type CampaignRow = Selectable<Database['campaigns']>;
export type CampaignPersonRow = Selectable<Database['campaign_people']>;

/** The part of a list a campaign invites: a roster field's value (a department), people created since a date. */
export interface CampaignFilter {
  readonly field?: string;
  readonly value?: string;
  /** ISO date or time: people created at or after it. */
  readonly since?: string;
}

/** What the campaign page filters its people by. */
export type CampaignPeopleFilter = 'all' | 'no_email' | 'failed' | 'waiting' | 'uploaded' | 'approved' | 'skipped';

export interface CampaignTotals {
  readonly people: number;
  readonly pending: number;
  readonly noEmail: number;
  readonly skipped: number;
  readonly queued: number;
  readonly sent: number;
  readonly failed: number;
  readonly opened: number;
  readonly uploaded: number;
  readonly approved: number;
  readonly reminded: number;
}

export interface CampaignPersonView extends Omit<CampaignPersonRow, 'email_state' | 'opened' | 'uploaded' | 'approved'> {
  readonly user_name: string;
  readonly data: unknown;
  readonly email_state: string | null;
  readonly last_reply: string | null;
  readonly opened_at: string | null;
  readonly uploaded_at: string | null;
  readonly approved: boolean;
}

/*
 * Opened, uploaded and approved are read from the person's own links and photos, each an index
 * seek (photo_links_person, photos_person): a link opened or a photo sent since the invitation
 * counts, however it was sent (the emailed link, a capture session, an admin's upload).
 */
const openedAt = sql<string | null>`(SELECT min(pl.opened_at) FROM photo_links pl WHERE pl.person_id = cp.person_id AND pl.created_at >= cp.invited_at AND pl.opened_at IS NOT NULL)`;
const uploadedAt = sql<string | null>`(SELECT min(p.created_at) FROM photos p WHERE p.person_id = cp.person_id AND p.created_at >= cp.invited_at)`;
const approved = sql<boolean>`EXISTS (SELECT 1 FROM photos p WHERE p.person_id = cp.person_id AND p.status = 'approved')`;
const hasPhoto = sql<boolean>`EXISTS (SELECT 1 FROM photos p WHERE p.person_id = users.id AND p.status IN ('approved', 'pending'))`;

/** Photo campaigns and the people in them (migration 023). */
export class CampaignsRepo {
  constructor(private readonly db: Kysely<Database>, private readonly engine: Engine) {}

  async insert(row: Insertable<Database['campaigns']>): Promise<void> {
    await this.db.insertInto('campaigns').values(row).execute();
  }

  /**
   * Inserts the list's automatic campaign, or changes its settings. `selected_through` (the list's
   * last users.seq, see lastSeq) is taken only when the campaign is turned on: while it stays on,
   * a change of its settings keeps the bound it was turned on with.
   */
  async upsertAuto(row: Insertable<Database['campaigns']>): Promise<void> {
    await this.db.insertInto('campaigns').values(row).onConflict((oc) => oc.column('id').doUpdateSet({
      status: row.status, link_hours: row.link_hours, link_attempts: row.link_attempts, consent_text: row.consent_text ?? null,
      reminder_days: row.reminder_days ?? null, max_reminders: row.max_reminders ?? 1, origin: row.origin, updated_at: row.updated_at,
      selected_through: sql<number>`CASE WHEN campaigns.status = 'on' THEN campaigns.selected_through ELSE excluded.selected_through END`,
    })).execute();
  }

  /**
   * The list's last person by users.seq (0 for none): one seek of users_list_seq. Read under the
   * list's lock, which every creation of a person takes before its INSERT, it bounds exactly the
   * people created before: seq is allocated increasing (bigserial, AUTOINCREMENT) and never reused.
   */
  async lastSeq(listId: string): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.max('seq').as('seq')).where('list_id', '=', listId).executeTakeFirst();
    return Number(r?.seq ?? 0);
  }

  /** Those of these people of the list created after `afterSeq` (users.seq). */
  async createdAfter(listId: string, personIds: readonly string[], afterSeq: number): Promise<string[]> {
    if (!personIds.length) return [];
    const rows = await this.db.selectFrom('users').select('id').where('id', 'in', [...personIds]).where('list_id', '=', listId).where('seq', '>', afterSeq).execute();
    return rows.map((r) => r.id);
  }

  async get(id: string): Promise<CampaignRow | undefined> {
    return this.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async forList(listId: string, limit: number): Promise<CampaignRow[]> {
    return this.db.selectFrom('campaigns').selectAll().where('list_id', '=', listId).orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  }

  async update(id: string, patch: Updateable<Database['campaigns']>, where: { status?: string } = {}): Promise<boolean> {
    let q = this.db.updateTable('campaigns').set(patch).where('id', '=', id);
    if (where.status) q = q.where('status', '=', where.status);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  /**
   * Makes `jobId` the campaign's job if it has none, in one UPDATE that re-checks: two nodes (or a
   * SCIM create and the job finishing) racing for it serialise on the row, and one wins.
   */
  async claimJob(id: string, jobId: string): Promise<boolean> {
    const r = await this.db.updateTable('campaigns').set({ job_id: jobId }).where('id', '=', id).where('job_id', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseJob(id: string, jobId: string): Promise<boolean> {
    const r = await this.db.updateTable('campaigns').set({ job_id: null }).where('id', '=', id).where('job_id', '=', jobId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Campaigns that may have work and no job: still selecting or sending, or with reminders. */
  async idle(): Promise<CampaignRow[]> {
    return this.db.selectFrom('campaigns').selectAll().where('job_id', 'is', null)
      .where((eb) => eb.or([eb('status', 'in', ['selecting', 'sending', 'on']), eb('reminder_days', 'is not', null)]))
      .where('status', '<>', 'off').limit(1000).execute();
  }

  private async candidates(listId: string, f: CampaignFilter | null) {
    let q = this.db.selectFrom('users').where('users.list_id', '=', listId).where('users.active', '=', 1).where(sql<boolean>`NOT ${hasPhoto}`);
    if (f?.field && f.value !== undefined) {
      const slot = (await this.db.selectFrom('field_slots').select('slot').where('list_id', '=', listId).where('key', '=', f.field).executeTakeFirst())?.slot;
      q = q.where(sql<boolean>`lower(${rosterFieldText(this.engine, f.field, slot === undefined ? undefined : Number(slot))}) = ${f.value.toLowerCase()}`);
    }
    if (f?.since) q = q.where('users.created', '>=', f.since);
    return q;
  }

  /** Active people without an approved photo (nor one waiting for review) in the filter, after `afterSeq` (keyset). */
  async candidatesAfter(listId: string, f: CampaignFilter | null, afterSeq: number, limit: number): Promise<{ id: string; seq: number }[]> {
    const rows = await (await this.candidates(listId, f)).select(['users.id', 'users.seq']).where('users.seq', '>', afterSeq).orderBy('users.seq').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, seq: Number(r.seq) }));
  }

  async countCandidates(listId: string, f: CampaignFilter | null): Promise<number> {
    const r = await (await this.candidates(listId, f)).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Adds people as `pending`; someone already in the campaign stays as they are. */
  async addPeople(campaignId: string, listId: string, personIds: readonly string[], at: string): Promise<void> {
    for (let i = 0; i < personIds.length; i += 200) {
      await this.db.insertInto('campaign_people')
        .values(personIds.slice(i, i + 200).map((id) => ({ campaign_id: campaignId, person_id: id, list_id: listId, state: 'pending', added_at: at })))
        .onConflict((oc) => oc.columns(['campaign_id', 'person_id']).doNothing()).execute();
    }
  }

  async countPeople(campaignId: string): Promise<number> {
    const r = await this.db.selectFrom('campaign_people').select(sql<number>`count(*)`.as('n')).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * The next pending people. On PostgreSQL the rows are locked with SKIP LOCKED, so a second node
   * working the same campaign takes the next ones instead of waiting for these.
   */
  async pending(campaignId: string, limit: number): Promise<string[]> {
    // `state = 'pending'` as a literal: it is the predicate of the partial index campaign_people_pending
    // (migration 033), which then yields the first people in order without sorting every pending one.
    let q = this.db.selectFrom('campaign_people').select('person_id').where('campaign_id', '=', campaignId).where('state', '=', sql.lit('pending')).orderBy('added_at').orderBy('person_id').limit(limit);
    if (this.engine === 'postgres') q = q.forUpdate().skipLocked();
    return (await q.execute()).map((r) => r.person_id);
  }

  async anyPending(campaignId: string): Promise<boolean> {
    return (await this.db.selectFrom('campaign_people').select('person_id').where('campaign_id', '=', campaignId).where('state', '=', 'pending').limit(1).executeTakeFirst()) !== undefined;
  }

  /** The documents of these people of the list (one query for a batch). */
  async peopleData(listId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    if (!ids.length) return new Map();
    // By id alone (unique), the list checked here: with `list_id = ?` in the query SQLite, without
    // statistics, picked a (list_id, …) index and read every person of the list for each batch
    // (16 ms a batch at 10,000 people; bench/RESULTS.md, "A photo campaign").
    const rows = await this.db.selectFrom('users').select(['id', 'list_id', 'data']).where('id', 'in', [...ids]).execute();
    return new Map(rows.filter((r) => r.list_id === listId).map((r) => [r.id, userDocOf(r.data)]));
  }

  /**
   * Moves these people on from `pending` in one UPDATE … RETURNING that re-checks their state:
   * answers those this call moved, never one another transaction moved first.
   */
  async claimPending(campaignId: string, ids: readonly string[], patch: Updateable<Database['campaign_people']>): Promise<Set<string>> {
    if (!ids.length) return new Set();
    // `state || ''`, not `state`: the primary key finds these rows; with an indexable `state = ?`
    // SQLite, without statistics, chose campaign_people_state and walked every pending person.
    const rows = await this.db.updateTable('campaign_people').set(patch).where('campaign_id', '=', campaignId).where('person_id', 'in', [...ids])
      .where(sql<string>`state || ''`, '=', 'pending').returning('person_id').execute();
    return new Set(rows.map((r) => r.person_id));
  }

  /** Moves a person on from `from`, once: false when another transaction already did. */
  async transition(campaignId: string, personId: string, from: { state: string; reminders?: number }, patch: Updateable<Database['campaign_people']>): Promise<boolean> {
    let q = this.db.updateTable('campaign_people').set(patch).where('campaign_id', '=', campaignId).where('person_id', '=', personId).where('state', '=', from.state);
    if (from.reminders !== undefined) q = q.where('reminders', '=', from.reminders);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  /** Records, in one statement, each invited person's address, message and link (a batch's). */
  async recordSent(campaignId: string, sent: readonly { personId: string; email: string; messageId: string; linkId: string }[]): Promise<void> {
    if (!sent.length) return;
    const pick = (k: 'email' | 'messageId' | 'linkId') => sql<string>`CASE person_id ${sql.join(sent.map((x) => sql`WHEN ${x.personId} THEN ${x[k]}`), sql` `)} END`;
    await this.db.updateTable('campaign_people').set({ email: pick('email'), message_id: pick('messageId'), link_id: pick('linkId') })
      .where('campaign_id', '=', campaignId).where('person_id', 'in', sent.map((x) => x.personId)).execute();
  }

  /** Everyone still pending is left out (the list's automatic invitations were turned off). */
  async skipPending(campaignId: string, note: string): Promise<void> {
    await this.db.updateTable('campaign_people').set({ state: 'skipped', note }).where('campaign_id', '=', campaignId).where('state', '=', 'pending').execute();
  }

  async setPerson(campaignId: string, personId: string, patch: Updateable<Database['campaign_people']>): Promise<void> {
    await this.db.updateTable('campaign_people').set(patch).where('campaign_id', '=', campaignId).where('person_id', '=', personId).execute();
  }

  async person(campaignId: string, personId: string): Promise<CampaignPersonRow | undefined> {
    return this.db.selectFrom('campaign_people').selectAll().where('campaign_id', '=', campaignId).where('person_id', '=', personId).executeTakeFirst();
  }

  /** Invited people whose last email is older than `before`, with fewer than `max` reminders, and no photo since. */
  async dueReminders(campaignId: string, before: string, max: number, limit: number): Promise<{ person_id: string; reminders: number }[]> {
    let q = this.db.selectFrom('campaign_people as cp').select(['cp.person_id', 'cp.reminders'])
      .where('cp.campaign_id', '=', campaignId).where('cp.state', '=', 'invited').where('cp.last_sent_at', '<=', before).where('cp.reminders', '<', max)
      .where(sql<boolean>`NOT EXISTS (SELECT 1 FROM photos p WHERE p.person_id = cp.person_id AND (p.status IN ('approved', 'pending') OR p.created_at >= cp.invited_at))`)
      .orderBy('cp.last_sent_at').orderBy('cp.person_id').limit(limit);
    if (this.engine === 'postgres') q = q.forUpdate().skipLocked();
    return (await q.execute()).map((r) => ({ person_id: r.person_id, reminders: Number(r.reminders) }));
  }

  /**
   * The campaign's totals: one primary-key read of the counters triggers keep (migration 032), so
   * that a page polling a running campaign of 10,000 people costs nothing like a count.
   */
  async totals(campaignId: string): Promise<CampaignTotals> {
    const r = await this.db.selectFrom('campaign_counts').selectAll().where('campaign_id', '=', campaignId).executeTakeFirst();
    if (!r) return { people: 0, pending: 0, noEmail: 0, skipped: 0, queued: 0, sent: 0, failed: 0, opened: 0, uploaded: 0, approved: 0, reminded: 0 };
    return {
      people: Number(r.people), pending: Number(r.pending), noEmail: Number(r.no_email), skipped: Number(r.skipped), queued: Number(r.queued), sent: Number(r.sent),
      failed: Number(r.failed), opened: Number(r.opened), uploaded: Number(r.uploaded), approved: Number(r.approved), reminded: Number(r.reminded),
    };
  }

  /**
   * The same totals counted from every person's message, links and photos, as they were before the
   * counters: what the counters must always equal (tests compare them). Walks the whole campaign.
   */
  async recount(campaignId: string): Promise<CampaignTotals> {
    const n = (e: ReturnType<typeof sql>) => sql<number>`coalesce(sum(CASE WHEN ${e} THEN 1 ELSE 0 END), 0)`;
    const r = await this.db.selectFrom('campaign_people as cp').leftJoin('email_messages as em', 'em.id', 'cp.message_id').where('cp.campaign_id', '=', campaignId).select([
      sql<number>`count(*)`.as('people'),
      n(sql`cp.state = 'pending'`).as('pending'), n(sql`cp.state = 'no_email'`).as('no_email'), n(sql`cp.state = 'skipped'`).as('skipped'),
      n(sql`em.state IN ('queued', 'sending')`).as('queued'), n(sql`em.state = 'sent'`).as('sent'), n(sql`em.state = 'failed'`).as('failed'),
      n(sql`cp.invited_at IS NOT NULL AND ${openedAt} IS NOT NULL`).as('opened'), n(sql`cp.invited_at IS NOT NULL AND ${uploadedAt} IS NOT NULL`).as('uploaded'),
      n(sql`cp.state <> 'pending' AND ${approved}`).as('approved'), n(sql`cp.reminders > 0`).as('reminded'),
    ]).executeTakeFirstOrThrow();
    return {
      people: Number(r.people), pending: Number(r.pending), noEmail: Number(r.no_email), skipped: Number(r.skipped), queued: Number(r.queued), sent: Number(r.sent),
      failed: Number(r.failed), opened: Number(r.opened), uploaded: Number(r.uploaded), approved: Number(r.approved), reminded: Number(r.reminded),
    };
  }

  private peopleQuery(campaignId: string, filter: CampaignPeopleFilter, personId?: string) {
    let q = this.db.selectFrom('campaign_people as cp').innerJoin('users', 'users.id', 'cp.person_id').leftJoin('email_messages as em', 'em.id', 'cp.message_id')
      .where('cp.campaign_id', '=', campaignId);
    if (personId !== undefined) q = q.where('cp.person_id', '=', personId);
    if (filter === 'no_email') q = q.where('cp.state', '=', 'no_email');
    if (filter === 'skipped') q = q.where('cp.state', '=', 'skipped');
    if (filter === 'failed') q = q.where('em.state', '=', 'failed');
    // The flags the triggers keep (migration 032), not the subqueries: a filtered count walks the campaign.
    if (filter === 'approved') q = q.where('cp.state', '<>', 'pending').where('cp.approved', '=', 1);
    if (filter === 'uploaded') q = q.where('cp.invited_at', 'is not', null).where('cp.uploaded', '=', 1);
    if (filter === 'waiting') q = q.where('cp.state', '=', 'invited').where('cp.uploaded', '=', 0).where('cp.approved', '=', 0);
    return q;
  }

  /** A page of the campaign's people, by username, with their email's state and what they did since. */
  async people(campaignId: string, filter: CampaignPeopleFilter, offset: number, limit: number, personId?: string): Promise<{ rows: CampaignPersonView[]; total: number }> {
    const rows = await this.peopleQuery(campaignId, filter, personId)
      .select(['cp.campaign_id', 'cp.person_id', 'cp.list_id', 'cp.state', 'cp.email', 'cp.message_id', 'cp.link_id', 'cp.added_at', 'cp.invited_at', 'cp.last_sent_at', 'cp.sends', 'cp.reminders', 'cp.note'])
      .select([userNameOf('users').as('user_name'), 'users.data', 'em.state as email_state', 'em.last_reply', openedAt.as('opened_at'), uploadedAt.as('uploaded_at'), 'cp.approved'])
      .orderBy('users.user_name_lc').orderBy('cp.person_id').limit(limit).offset(offset).execute();
    const count = await this.peopleQuery(campaignId, filter, personId).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return {
      rows: rows.map((r) => ({ ...r, data: userDocOf(r.data), approved: Number(r.approved) === 1 } as CampaignPersonView)),
      total: Number(count.n),
    };
  }
}
