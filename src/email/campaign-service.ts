/**
 * Photo campaigns (issue 14, item 2; docs/campaigns.md): "invite everyone without an approved
 * photo" on a list or a filter of it, as a background job. Each person gets their own self-upload
 * link by email (today's link rules), reminders after N days go to those who have not uploaded,
 * and the list's automatic campaign invites new people the IdP provisions.
 *
 * Who is invited is a row per person (campaign_people) that one transaction moves from `pending`
 * to `invited` with a conditional UPDATE, together with the link and the queued email: a person is
 * invited once per campaign, whichever node works it and however often a batch is retried. The
 * job saves nothing else to resume: a restarted node carries on with the rows still pending.
 */
import { randomUUID } from 'node:crypto';
import type { AuditTrail, RequestMeta } from '../audit/audit-trail.js';
import { holderName } from '../credentials/credential-service.js';
import { linkRules, type LinkRules, type PhotoService } from '../credentials/photo-service.js';
import { backgroundTurn } from '../runtime/turns.js';
import type { EventConsumer } from '../events/consumers.js';
import type { CampaignFilter, CampaignPeopleFilter, CampaignPersonView, CampaignRow, JobRow, MasterList, Repos, Store } from '../store/index.js';
import { EmailError, personEmail, when, type EmailService, type NewMessage } from './email-service.js';
import { newId } from '../runtime/ids.js';

export const CAMPAIGN_JOB = 'photo_campaign';
/** People invited per transaction: short enough that SCIM writes to the list wait little for its lock. */
const BATCH = 10;
/**
 * After each batch the job rests this many times as long as the batch took: a campaign uses at
 * most a fifth of the node, so that provisioning carries on at its usual latency while thousands
 * of invitations are queued (bench/RESULTS.md, "A photo campaign").
 */
const REST = 4;
const SELECT_BATCH = 500;
/**
 * Invitations queued and not yet sent beyond which the job waits for the outbox before making the
 * next batch: links are made and emails rendered about as fast as they go out
 * (MUSTER_SMTP_MAX_PER_SECOND), spread over the campaign instead of all in its first minute, when
 * they competed with provisioning for the node (bench/RESULTS.md, "A photo campaign"); a link's
 * validity also starts nearer the time its email arrives.
 */
const QUEUE_AHEAD = 100;
/** The longest the job waits for the outbox per batch: with the relay down, queueing carries on, slowly. */
const QUEUE_AHEAD_WAIT_MS = 10_000;
const PEOPLE_FILTERS: readonly CampaignPeopleFilter[] = ['all', 'no_email', 'failed', 'waiting', 'uploaded', 'approved', 'skipped'];
const DAY_MS = 86_400_000;

/** The id of a list's automatic campaign: one per list, found without a query by name. */
export const autoCampaignId = (listId: string) => `auto-${listId}`;

type Body = Readonly<Record<string, unknown>>;

function unknownKeys(b: Body, allowed: readonly string[]): void {
  const extra = Object.keys(b).filter((k) => !allowed.includes(k));
  if (extra.length) throw new EmailError(400, 'invalid_body', `unknown properties: ${extra.join(', ')}; send ${allowed.join(', ')}`);
}

function reminderSettings(b: Body): { reminderDays: number | null; maxReminders: number } {
  const days = b.reminderDays ?? null;
  if (days !== null && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 60)) throw new EmailError(400, 'invalid_body', 'reminderDays must be a whole number of days from 1 to 60, or null for no reminders');
  const max = b.maxReminders ?? 1;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 5) throw new EmailError(400, 'invalid_body', 'maxReminders must be a whole number from 1 to 5');
  return { reminderDays: days as number | null, maxReminders: max };
}

const rulesOf = (c: CampaignRow): LinkRules => ({ hours: Number(c.link_hours), attempts: Number(c.link_attempts), consentText: c.consent_text });

export interface CampaignView {
  readonly id: string;
  readonly listId: string;
  readonly kind: string;
  readonly name: string;
  readonly filter: CampaignFilter | null;
  readonly status: string;
  readonly link: { readonly hours: number; readonly attempts: number; readonly consentText: string | null };
  readonly reminderDays: number | null;
  readonly maxReminders: number;
  /** A job is working the campaign now (selecting, inviting or reminding). */
  readonly running: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly finishedAt: string | null;
  readonly totals: Awaited<ReturnType<Store['campaigns']['totals']>> & { readonly selected: number };
}

/** Where a person is, furthest step first: what the campaign page shows in one word. */
function personState(r: CampaignPersonView): string {
  if (r.state === 'pending' || r.state === 'no_email' || r.state === 'skipped') return r.state;
  if (r.approved) return 'approved';
  if (r.uploaded_at) return 'uploaded';
  if (r.opened_at) return 'opened';
  if (r.email_state === 'failed') return 'failed';
  if (r.email_state === 'sent') return 'sent';
  return 'queued';
}

export class CampaignService {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditTrail,
    private readonly photos: PhotoService,
    private readonly email: EmailService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private requireSmtp(): void {
    if (!this.email.configured) throw new EmailError(409, 'email_not_configured', 'this Muster sends no email: its operator has not set MUSTER_SMTP_URL. Create self-upload links on each person\'s page and pass them on yourself.');
  }

  private async parseFilter(list: MasterList, raw: unknown): Promise<CampaignFilter | null> {
    if (raw === undefined || raw === null) return null;
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new EmailError(400, 'invalid_body', 'filter must be an object: {"field": "department", "value": "Nursing", "since": "2026-09-01"}');
    const f = raw as Body;
    unknownKeys(f, ['field', 'value', 'since']);
    const out: { field?: string; value?: string; since?: string } = {};
    if (f.field !== undefined && f.field !== null && f.field !== '') {
      const keys = (await this.store.roster.fields(list.id)).map((x) => x.key);
      if (typeof f.field !== 'string' || !keys.includes(f.field)) throw new EmailError(400, 'invalid_body', `filter.field must be one of the list's fields: ${keys.join(', ')}`);
      if (typeof f.value !== 'string' || !f.value.trim() || f.value.length > 200) throw new EmailError(400, 'invalid_body', 'filter.value must be the field\'s value to match (up to 200 characters)');
      out.field = f.field;
      out.value = f.value.trim();
    } else if (f.value !== undefined && f.value !== null && f.value !== '') {
      throw new EmailError(400, 'invalid_body', 'filter.value needs filter.field: which field should have this value?');
    }
    if (f.since !== undefined && f.since !== null && f.since !== '') {
      const t = typeof f.since === 'string' && /^\d{4}-\d{2}-\d{2}/.test(f.since) ? Date.parse(f.since) : NaN;
      if (Number.isNaN(t)) throw new EmailError(400, 'invalid_body', 'filter.since must be a date, such as 2026-09-01');
      out.since = new Date(t).toISOString();
    }
    return Object.keys(out).length ? out : null;
  }

  private static describe(f: CampaignFilter | null, labels: ReadonlyMap<string, string>): string {
    const parts = [];
    if (f?.field) parts.push(`${labels.get(f.field) ?? f.field} is ${f.value}`);
    if (f?.since) parts.push(`new since ${f.since.slice(0, 10)}`);
    return parts.length ? `Photo invitations: ${parts.join(', ')}` : 'Photo invitations: everyone without a photo';
  }

  /** How many people a campaign with this filter would invite now. */
  async preview(list: MasterList, b: Body): Promise<{ people: number }> {
    return { people: await this.store.campaigns.countCandidates(list.id, await this.parseFilter(list, b.filter)) };
  }

  /** Starts a campaign: recorded, and queued as a job that selects the people and invites them. */
  async start(list: MasterList, b: Body, meta: RequestMeta, origin: string): Promise<CampaignView> {
    this.requireSmtp();
    unknownKeys(b, ['name', 'filter', 'hours', 'attempts', 'consentText', 'reminderDays', 'maxReminders']);
    const filter = await this.parseFilter(list, b.filter);
    const rules = linkRules({ hours: b.hours, attempts: b.attempts, consentText: b.consentText });
    const { reminderDays, maxReminders } = reminderSettings(b);
    if (b.name !== undefined && (typeof b.name !== 'string' || b.name.length > 200)) throw new EmailError(400, 'invalid_body', 'name must be text of up to 200 characters');
    const labels = new Map((await this.store.roster.fields(list.id)).map((f) => [f.key, f.label]));
    const name = typeof b.name === 'string' && b.name.trim() ? b.name.trim() : CampaignService.describe(filter, labels);
    const at = this.now().toISOString();
    const id = randomUUID();
    await this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      await tx.campaigns.insert({
        id, org_id: list.orgId, list_id: list.id, kind: 'campaign', name, filter: filter ? JSON.stringify(filter) : null, status: 'selecting',
        link_hours: rules.hours, link_attempts: rules.attempts, consent_text: rules.consentText, reminder_days: reminderDays, max_reminders: maxReminders,
        origin, created_at: at, created_by: meta.actor, updated_at: at, job_id: null, finished_at: null,
      });
      await this.audit.record(tx, list.id, {
        action: 'campaign.started', target: { type: 'list', id: list.id, name: list.name },
        detail: { campaign: name, campaignId: id, who: CampaignService.describe(filter, labels).replace(/^Photo invitations: /, ''), linkHours: rules.hours, attempts: rules.attempts, ...(reminderDays ? { reminderDays, maxReminders } : {}) },
      }, meta);
      await this.wake(tx, id, list.id);
    });
    return this.get(list, id);
  }

  /** Queues a job for the campaign unless one already works it (compare-and-set on campaigns.job_id). */
  private async wake(tx: Repos, campaignId: string, listId: string): Promise<void> {
    const jobId = randomUUID();
    if (await tx.campaigns.claimJob(campaignId, jobId)) {
      await tx.roster.enqueue({ id: jobId, listId, kind: CAMPAIGN_JOB, params: { campaignId }, total: 0, now: this.now().toISOString() });
    }
  }

  private async view(c: CampaignRow): Promise<CampaignView> {
    // Counters kept by triggers (migration 032): a primary-key read, however large the campaign.
    const totals = await this.store.campaigns.totals(c.id);
    return {
      id: c.id, listId: c.list_id, kind: c.kind, name: c.name, filter: c.filter ? JSON.parse(c.filter) as CampaignFilter : null, status: c.status,
      link: { hours: Number(c.link_hours), attempts: Number(c.link_attempts), consentText: c.consent_text },
      reminderDays: c.reminder_days === null ? null : Number(c.reminder_days), maxReminders: Number(c.max_reminders), running: c.job_id !== null,
      createdAt: c.created_at, createdBy: c.created_by, finishedAt: c.finished_at, totals: { ...totals, selected: Number(c.total) },
    };
  }

  private async campaign(list: MasterList, id: string): Promise<CampaignRow> {
    const c = await this.store.campaigns.get(id);
    if (!c || c.list_id !== list.id) throw new EmailError(404, 'not_found', `no campaign "${id}" on this list`);
    return c;
  }

  async get(list: MasterList, id: string): Promise<CampaignView> {
    return this.view(await this.campaign(list, id));
  }

  /** The list's campaigns, newest first, its automatic invitations, and whether email works here. */
  async all(list: MasterList) {
    const rows = await this.store.campaigns.forList(list.id, 50);
    const campaigns = [];
    for (const c of rows) campaigns.push(await this.view(c));
    return { configured: this.email.configured, campaigns, automatic: await this.autoSettings(list) };
  }

  async people(list: MasterList, id: string, q: { filter?: string; offset?: number; limit?: number; personId?: string }) {
    const c = await this.campaign(list, id);
    const filter = (q.filter ?? 'all') as CampaignPeopleFilter;
    if (!PEOPLE_FILTERS.includes(filter)) throw new EmailError(400, 'invalid_parameter', `filter must be one of ${PEOPLE_FILTERS.join(', ')}`);
    const offset = q.offset ?? 0, limit = q.limit ?? 50;
    const page = await this.store.campaigns.people(c.id, filter, offset, limit, q.personId);
    return {
      total: page.total, offset, limit,
      people: page.rows.map((r) => ({
        personId: r.person_id, name: holderName((r.data ?? {}) as Record<string, unknown>), userName: r.user_name, email: r.email, state: personState(r),
        emailState: r.email_state, lastReply: r.last_reply, invitedAt: r.invited_at, lastSentAt: r.last_sent_at, sends: Number(r.sends), reminders: Number(r.reminders),
        openedAt: r.opened_at, uploadedAt: r.uploaded_at, approved: r.approved, note: r.note,
      })),
    };
  }

  /** A new link and invitation for one person of the campaign (a bounced address corrected, a link lost). */
  async resend(list: MasterList, id: string, personId: string, meta: RequestMeta) {
    this.requireSmtp();
    const c = await this.campaign(list, id);
    await this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      const row = await tx.campaigns.person(c.id, personId);
      if (!row) throw new EmailError(404, 'not_found', `no person "${personId}" in this campaign`);
      const person = await tx.users.get(list.id, personId);
      if (!person) throw new EmailError(404, 'not_found', `no person "${personId}" on this list`);
      const to = personEmail(person.data);
      if (!to) throw new EmailError(422, 'no_email_address', 'this person has no email address on the list: copy a link on their page and pass it on yourself');
      const at = this.now().toISOString();
      const link = await this.photos.createLinkIn(tx, list, personId, rulesOf(c), meta, c.origin, false);
      const [messageId] = await this.email.enqueue(tx, [this.message(c, list, personId, person.data, to, 'photo_invitation', link)], meta);
      await tx.campaigns.setPerson(c.id, personId, { state: 'invited', email: to, message_id: messageId!, link_id: link.id, invited_at: row.invited_at ?? at, last_sent_at: at, sends: Number(row.sends) + 1, note: null });
      await this.audit.record(tx, list.id, {
        action: 'campaign.invitation_resent', target: { type: 'person', id: personId, name: holderName(person.data) },
        detail: { campaign: c.name, campaignId: c.id, to, messageId: messageId!, expiresAt: link.expiresAt },
      }, meta);
    });
    return (await this.people(list, id, { personId })).people[0]!;
  }

  private message(c: CampaignRow, list: MasterList, personId: string, data: Readonly<Record<string, unknown>>, to: string, kind: 'photo_invitation' | 'photo_reminder', link: { url: string; expiresAt: string }): NewMessage {
    return { orgId: list.orgId, listId: list.id, personId, kind, to, campaignId: c.id, values: { name: holderName(data), link: link.url, expires: when(link.expiresAt) } };
  }

  // ---- automatic invitations of new people

  async autoSettings(list: MasterList) {
    const c = await this.store.campaigns.get(autoCampaignId(list.id));
    return {
      enabled: c?.status === 'on', campaignId: c ? c.id : null, hours: c ? Number(c.link_hours) : 72, attempts: c ? Number(c.link_attempts) : 5,
      consentText: c?.consent_text ?? null, reminderDays: c?.reminder_days === null || !c ? null : Number(c.reminder_days), maxReminders: c ? Number(c.max_reminders) : 1,
    };
  }

  /** Turns the list's automatic invitations on or off, with their link rules and reminders. */
  async saveAutoSettings(list: MasterList, b: Body, meta: RequestMeta, origin: string) {
    unknownKeys(b, ['enabled', 'hours', 'attempts', 'consentText', 'reminderDays', 'maxReminders']);
    if (typeof b.enabled !== 'boolean') throw new EmailError(400, 'invalid_body', 'enabled must be true or false');
    if (b.enabled) this.requireSmtp();
    const rules = linkRules({ hours: b.hours, attempts: b.attempts, consentText: b.consentText });
    const { reminderDays, maxReminders } = reminderSettings(b);
    const before = await this.autoSettings(list);
    const at = this.now().toISOString();
    const id = autoCampaignId(list.id);
    await this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      await tx.campaigns.upsertAuto({
        id, org_id: list.orgId, list_id: list.id, kind: 'auto', name: 'New people from the IdP', filter: null, status: b.enabled ? 'on' : 'off',
        link_hours: rules.hours, link_attempts: rules.attempts, consent_text: rules.consentText, reminder_days: reminderDays, max_reminders: maxReminders,
        origin, created_at: at, created_by: meta.actor, updated_at: at, job_id: null, finished_at: null,
        // Turned on: who is on the list now (read under its lock) is not new (see inviteNewPeople).
        selected_through: await tx.campaigns.lastSeq(list.id),
      });
      // Turned off: nobody waiting is invited later, when it is turned on again.
      if (!b.enabled) await tx.campaigns.skipPending(id, 'automatic invitations were turned off');
      if (before.enabled !== b.enabled) {
        await this.audit.record(tx, list.id, {
          action: 'campaign.automatic_changed', target: { type: 'list', id: list.id, name: list.name },
          changes: [{ field: 'autoInvite', before: before.enabled, after: b.enabled }], detail: b.enabled ? { linkHours: rules.hours, attempts: rules.attempts, ...(reminderDays ? { reminderDays } : {}) } : {},
        }, meta);
      }
    });
    return this.autoSettings(list);
  }

  /** A cheap read outside any transaction: whether the list's automatic campaign is on (and email can be sent). */
  async invitesAutomatically(listId: string): Promise<boolean> {
    if (!this.email.configured) return false;
    return (await this.store.campaigns.get(autoCampaignId(listId)))?.status === 'on';
  }

  /**
   * The one narrow way in for people just created on a list (campaignInviteConsumer, on their
   * `person.created` event): when the list invites new people automatically, they join its
   * automatic campaign as pending and a job is queued to invite them.
   *
   * Only people created since the automatic invitations were last turned on: an event can be
   * handled long after its commit (by the consumers' safety net, on the node that holds the
   * consumer's cursor: events other nodes committed, and those whose own node stopped first or
   * failed to handle them), and whether the campaign is on *now* would then invite everyone created
   * while it was off. The campaign's `selected_through`
   * is the list's last users.seq when it was turned on (saveAutoSettings, under the list's lock,
   * as every creation of a person is): exactly the people created before.
   */
  async inviteNewPeople(tx: Repos, listId: string, personIds: readonly string[]): Promise<void> {
    if (!this.email.configured || personIds.length === 0) return;
    const c = await tx.campaigns.get(autoCampaignId(listId));
    if (c?.status !== 'on') return;
    const ids = await tx.campaigns.createdAfter(listId, personIds, Number(c.selected_through));
    if (!ids.length) return;
    await tx.campaigns.addPeople(c.id, listId, ids, this.now().toISOString());
    await this.wake(tx, c.id, listId);
  }

  /**
   * Run by every node's scheduler: a job for each campaign that has work and no job (reminders that
   * fell due, people added while its job was finishing, a campaign whose job was lost).
   */
  async tick(): Promise<number> {
    if (!this.email.configured) return 0;
    let woken = 0;
    for (const c of await this.store.campaigns.idle()) {
      const due = c.status === 'selecting' || c.status === 'sending' || (await this.store.campaigns.anyPending(c.id)) || (await this.remindersDue(c));
      if (!due) continue;
      await this.store.transaction(async (tx) => {
        await tx.audit.chain(c.list_id, true);
        await this.wake(tx, c.id, c.list_id);
      });
      woken++;
    }
    return woken;
  }

  private async remindersDue(c: CampaignRow): Promise<boolean> {
    if (c.reminder_days === null || c.status === 'off' || c.status === 'selecting') return false;
    const before = new Date(this.now().getTime() - Number(c.reminder_days) * DAY_MS).toISOString();
    return (await this.store.transaction((tx) => tx.campaigns.dueReminders(c.id, before, Number(c.max_reminders), 1))).length > 0;
  }

  // ---- the job

  /** The campaign job's handler: select (once), invite the pending, remind the due, then let go of the campaign. */
  async run(job: JobRow, save: (params: unknown, done: number) => Promise<boolean>): Promise<unknown> {
    const params = JSON.parse(job.params) as { campaignId: string };
    let c = await this.store.campaigns.get(params.campaignId);
    const list = c ? await this.store.lists.get(c.list_id) : undefined;
    if (!c || !list) return { skipped: 'the campaign or its list no longer exists' };
    if (!this.email.configured) {
      await this.store.campaigns.releaseJob(c.id, job.id);
      return { skipped: 'this Muster sends no email (MUSTER_SMTP_URL is not set)' };
    }
    const meta: RequestMeta = { actor: c.kind === 'auto' ? 'system' : c.created_by, requestId: job.id };
    const counts = { invited: 0, withoutEmail: 0, skipped: 0, reminded: 0 };
    let done = 0;
    let since = performance.now();
    const step = async () => {
      const took = performance.now() - since;
      await backgroundTurn();
      if (!(await save(params, done))) throw new EmailError(409, 'superseded', 'the campaign job was taken over by another node');
      await new Promise((r) => setTimeout(r, Math.min(1000, took * REST)));
      since = performance.now();
    };
    for (;;) {
      if (c.status === 'selecting') {
        await this.select(c, step);
        c = (await this.store.campaigns.get(c.id))!;
      }
      for (;;) {
        if (c.status === 'off') break;
        await this.waitForOutbox(c.id);
        const n = await this.inviteBatch(c, list, meta, counts);
        if (n === 0) break;
        done += n;
        await step();
      }
      if (c.status === 'sending' && !(await this.store.campaigns.anyPending(c.id))) await this.finish(c, list, meta);
      for (;;) {
        const n = await this.remindBatch(c, list, meta, counts);
        if (n === 0) break;
        done += n;
        await step();
      }
      // Let go; then look once more, since people may have been added while this job held it.
      await this.store.campaigns.releaseJob(c.id, job.id);
      c = (await this.store.campaigns.get(c.id))!;
      if (c.status === 'off' || !((await this.store.campaigns.anyPending(c.id)) || (await this.remindersDue(c)))) break;
      if (!(await this.store.campaigns.claimJob(c.id, job.id))) break;
    }
    return { ...counts, totals: await this.store.campaigns.totals(c.id) };
  }

  /** Waits while QUEUE_AHEAD of the campaign's messages wait to be sent, at most QUEUE_AHEAD_WAIT_MS. */
  private async waitForOutbox(campaignId: string): Promise<void> {
    const since = performance.now();
    while (performance.now() - since < QUEUE_AHEAD_WAIT_MS && (await this.store.campaigns.totals(campaignId)).queued >= QUEUE_AHEAD) {
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Walks the list once, in keyset batches that each commit with the cursor: a restart resumes after the last one. */
  private async select(c: CampaignRow, step: () => Promise<void>): Promise<void> {
    const filter = c.filter ? JSON.parse(c.filter) as CampaignFilter : null;
    let after = Number(c.selected_through);
    for (;;) {
      const batch = await this.store.campaigns.candidatesAfter(c.list_id, filter, after, SELECT_BATCH);
      const at = this.now().toISOString();
      await this.store.transaction(async (tx) => {
        if (batch.length) await tx.campaigns.addPeople(c.id, c.list_id, batch.map((b) => b.id), at);
        const total = await tx.campaigns.countPeople(c.id);
        await tx.campaigns.update(c.id, batch.length
          ? { selected_through: batch[batch.length - 1]!.seq, total, updated_at: at }
          : { selection_done: 1, status: 'sending', total, updated_at: at }, { status: 'selecting' });
      });
      if (!batch.length) return;
      after = batch[batch.length - 1]!.seq;
      await step();
    }
  }

  private async finish(c: CampaignRow, list: MasterList, meta: RequestMeta): Promise<void> {
    const at = this.now().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      if (!(await tx.campaigns.update(c.id, { status: 'finished', finished_at: at, updated_at: at }, { status: 'sending' }))) return;
      const t = await tx.campaigns.totals(c.id);
      await this.audit.record(tx, list.id, {
        action: 'campaign.finished', target: { type: 'list', id: list.id, name: list.name },
        detail: { campaign: c.name, campaignId: c.id, invited: t.people - t.noEmail - t.skipped - t.pending, withoutEmail: t.noEmail, skipped: t.skipped },
      }, meta);
    });
  }

  /**
   * Invites the next pending people, each once, with their links and emails. Everything that only
   * reads or computes (who is pending, their documents and photos, the links' secrets and hashes,
   * the rendered emails) is done before the transaction, which then only writes: SQLite has one
   * connection, and a SCIM request that arrives while a transaction holds it waits for it
   * (bench/RESULTS.md, "A photo campaign"). In the transaction one UPDATE … RETURNING moves the
   * people from `pending` (another node's transaction cannot move the same people), and only
   * those it moved get their link and email stored; their photos are read again there, so that
   * someone whose photo came in meanwhile is skipped, not invited.
   */
  private async inviteBatch(c: CampaignRow, list: MasterList, meta: RequestMeta, counts: { invited: number; withoutEmail: number; skipped: number }): Promise<number> {
    const ids = await this.store.campaigns.pending(c.id, BATCH);
    if (!ids.length) return 0;
    const [docs, current] = await Promise.all([this.store.campaigns.peopleData(list.id, ids), this.store.photos.currentAmong(ids)]);
    const skip = new Map<string, string[]>();
    const noAddress: string[] = [];
    const addresses = new Map<string, string>();
    const skipWhy = (photo: string | undefined) => `has a photo ${photo === 'approved' ? 'approved' : 'waiting for review'}`;
    for (const id of ids) {
      const doc = docs.get(id);
      const why = !doc ? 'no longer on the list' : doc.active === false ? 'deactivated' : current.has(id) ? skipWhy(current.get(id)) : null;
      if (why) skip.set(why, [...(skip.get(why) ?? []), id]);
      else {
        const to = personEmail(doc!);
        if (to) addresses.set(id, to);
        else noAddress.push(id);
      }
    }
    // Invited no later than the links are made: "opened" counts links created since the invitation.
    const at = this.now().toISOString();
    const links = this.photos.prepareLinks(list, [...addresses.keys()], rulesOf(c), meta, c.origin);
    const messages = await this.email.render(this.store, [...addresses].map(([id, to]) => ({
      ...this.message(c, list, id, docs.get(id)!, to, 'photo_invitation', links.get(id)!.link), id: newId(),
    })), meta);
    const messageOf = new Map(messages.map((m) => [m.person_id!, m]));
    await backgroundTurn();
    await this.store.transaction(async (tx) => {
      // The list's lock first, as every writer of the list takes it (the audit chain's order).
      await tx.audit.chain(list.id, true);
      const now = addresses.size ? await tx.photos.currentAmong([...addresses.keys()]) : new Map<string, string>();
      for (const id of now.keys()) {
        addresses.delete(id);
        const why = skipWhy(now.get(id));
        skip.set(why, [...(skip.get(why) ?? []), id]);
      }
      let skipped = 0;
      for (const [why, group] of skip) skipped += (await tx.campaigns.claimPending(c.id, group, { state: 'skipped', note: why })).size;
      const withoutEmail = [...(await tx.campaigns.claimPending(c.id, noAddress, { state: 'no_email', note: 'no email address on the list' }))];
      const claimed = [...(await tx.campaigns.claimPending(c.id, [...addresses.keys()], { state: 'invited', invited_at: at, last_sent_at: at, sends: 1 }))];
      if (claimed.length) await tx.photos.insertLinks(claimed.map((id) => links.get(id)!.row));
      await this.email.enqueueRendered(tx, claimed.map((id) => messageOf.get(id)!));
      await tx.campaigns.recordSent(c.id, claimed.map((id) => ({ personId: id, email: addresses.get(id)!, messageId: messageOf.get(id)!.id, linkId: links.get(id)!.link.id })));
      if (claimed.length || withoutEmail.length) {
        await this.audit.record(tx, list.id, {
          action: 'campaign.invitations_sent', target: { type: 'list', id: list.id, name: list.name },
          // Who was invited, so each person's history shows it (audit_people files it under them).
          detail: { campaign: c.name, campaignId: c.id, invited: claimed.length, withoutEmail: withoutEmail.length, people: claimed, peopleWithoutEmail: withoutEmail },
        }, meta);
      }
      counts.invited += claimed.length;
      counts.withoutEmail += withoutEmail.length;
      counts.skipped += skipped;
    });
    return ids.length;
  }

  /** Reminds the next people whose last email is N days old and who have sent no photo since, each once per reminder. */
  private async remindBatch(c: CampaignRow, list: MasterList, meta: RequestMeta, counts: { reminded: number; skipped: number }): Promise<number> {
    if (c.reminder_days === null || c.status === 'off') return 0;
    const before = new Date(this.now().getTime() - Number(c.reminder_days) * DAY_MS).toISOString();
    return this.store.transaction(async (tx) => {
      await tx.audit.chain(list.id, true);
      const due = await tx.campaigns.dueReminders(c.id, before, Number(c.max_reminders), BATCH);
      if (!due.length) return 0;
      const at = this.now().toISOString();
      const reminded: { id: string; linkId: string; message: NewMessage }[] = [];
      for (const d of due) {
        const person = await tx.users.get(list.id, d.person_id);
        const to = person && person.data.active !== false ? personEmail(person.data) : undefined;
        if (!to) {
          if (await tx.campaigns.transition(c.id, d.person_id, { state: 'invited', reminders: d.reminders }, { state: 'skipped', note: person ? (person.data.active === false ? 'deactivated' : 'no email address on the list') : 'no longer on the list' })) counts.skipped++;
          continue;
        }
        if (!(await tx.campaigns.transition(c.id, d.person_id, { state: 'invited', reminders: d.reminders }, { reminders: d.reminders + 1, last_sent_at: at, email: to }))) continue;
        // A new link: the first has usually expired by now (72 hours by default), and keeps today's rules.
        const link = await this.photos.createLinkIn(tx, list, d.person_id, rulesOf(c), meta, c.origin, false);
        reminded.push({ id: d.person_id, linkId: link.id, message: this.message(c, list, d.person_id, person!.data, to, 'photo_reminder', link) });
      }
      const messageIds = reminded.length ? await this.email.enqueue(tx, reminded.map((r) => r.message), meta) : [];
      for (let i = 0; i < reminded.length; i++) await tx.campaigns.setPerson(c.id, reminded[i]!.id, { message_id: messageIds[i]!, link_id: reminded[i]!.linkId });
      if (reminded.length) {
        await this.audit.record(tx, list.id, {
          action: 'campaign.reminders_sent', target: { type: 'list', id: list.id, name: list.name },
          detail: { campaign: c.name, campaignId: c.id, reminded: reminded.length, people: reminded.map((r) => r.id) },
        }, meta);
      }
      counts.reminded += reminded.length;
      return due.length;
    });
  }
}

/**
 * New people the identity provider creates (SCIM, Bulk, Entra sync) join the list's automatic
 * campaign: a consumer of `person.created` (issue 15, item 2), so the write that creates them pays
 * nothing for it. Idempotent by event id (OutboxConsumers), and addPeople keeps one row a person.
 */
export function campaignInviteConsumer(campaigns: CampaignService): EventConsumer {
  return {
    name: 'campaigns.invite-new-people',
    types: ['person.created'],
    // The list's setting before the payload: a payload read back from the audit trail is derived
    // when first used (events-repo.ts), and most lists invite nobody automatically.
    relevant: async (e) => e.type === 'person.created' && e.listId !== null && e.subject !== null
      && (await campaigns.invitesAutomatically(e.listId)) && (e.payload.source === 'scim' || e.payload.source === 'entra'),
    handle: async (tx, e) => {
      if (e.listId === null || e.subject === null) return;
      await campaigns.inviteNewPeople(tx, e.listId, [e.subject]);
    },
  };
}
