import type { ExpressionBuilder, Insertable, Kysely, Selectable } from 'kysely';
import type { Engine } from './engine.js';
import type { Database } from './schema.js';

export type EmailMessageRow = Selectable<Database['email_messages']>;
/** A message as queued: its outbox row, rendered. */
export type NewEmailMessageRow = Insertable<Database['email_messages']>;
export type EmailSettingsRow = Selectable<Database['email_settings']>;
export type EmailTemplateRow = Selectable<Database['email_templates']>;
export type EmailState = 'queued' | 'sending' | 'sent' | 'failed';

const INSERT_BATCH = 100;

/** The email outbox, and each organisation's sender settings and templates. */
export class EmailRepo {
  constructor(private readonly db: Kysely<Database>, private readonly engine: Engine, private readonly onEnqueue?: () => void) {}

  /** Queues messages (rows in state `queued`); a campaign passes thousands, inserted in batches. */
  async enqueue(rows: readonly Insertable<Database['email_messages']>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_BATCH) await this.db.insertInto('email_messages').values(rows.slice(i, i + INSERT_BATCH)).execute();
    if (rows.length) this.onEnqueue?.();
  }

  /** Due now: queued and not deferred, or sending under a lease that ran out (its node died mid-send). */
  private static due(now: string) {
    return (eb: ExpressionBuilder<Database, 'email_messages'>) => eb.or([
      eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
      eb.and([eb('state', '=', 'sending'), eb('lease_until', '<', now)]),
    ]);
  }

  async anyDue(now: string): Promise<boolean> {
    return (await this.db.selectFrom('email_messages').select('id').where(EmailRepo.due(now)).limit(1).executeTakeFirst()) !== undefined;
  }

  /**
   * Leases up to `limit` due messages to `worker` in one UPDATE … RETURNING, which re-checks that
   * each is still due: two nodes claiming at once never get the same message. On PostgreSQL the
   * candidates are locked with SKIP LOCKED, so the second node takes the next ones instead of
   * waiting for (and then losing) the first node's; SQLite has one writer at a time.
   *
   * On PostgreSQL the candidates are a MATERIALIZED common table expression: as a plain
   * `IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` the planner may run the subquery more than once
   * (a semi-join rescanned per row), and each run, skipping the rows the one before locked, adds n
   * more: a batch of 10 leased all 40 due messages at once, past MUSTER_SMTP_MAX_PER_SECOND.
   */
  async claim(worker: string, now: string, leaseUntil: string, limit: number): Promise<EmailMessageRow[]> {
    const set = (eb: ExpressionBuilder<Database, 'email_messages'>) => ({ state: 'sending' as const, leased_by: worker, lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now });
    if (this.engine === 'postgres') {
      return this.db.with((w) => w('candidates').materialized(), (db) => db.selectFrom('email_messages').select('id').where(EmailRepo.due(now)).orderBy('next_attempt_at').limit(limit).forUpdate().skipLocked())
        .updateTable('email_messages').set(set)
        .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id')).where(EmailRepo.due(now))
        .returningAll().execute();
    }
    return this.db.updateTable('email_messages').set(set)
      .where('id', 'in', this.db.selectFrom('email_messages').select('id').where(EmailRepo.due(now)).orderBy('next_attempt_at').limit(limit)).where(EmailRepo.due(now))
      .returningAll().execute();
  }

  /** Records an attempt's outcome, if the message is still this worker's; false when it is not. */
  async settle(id: string, worker: string, p: { state: 'sent' | 'failed' | 'queued'; now: string; reply: string; nextAttemptAt?: string }): Promise<boolean> {
    const r = await this.db.updateTable('email_messages').set({
      state: p.state, last_reply: p.reply.slice(0, 1000), updated_at: p.now, leased_by: null, lease_until: null,
      ...(p.state === 'sent' ? { sent_at: p.now } : {}), ...(p.nextAttemptAt ? { next_attempt_at: p.nextAttemptAt } : {}),
    }).where('id', '=', id).where('leased_by', '=', worker).where('state', '=', 'sending').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Messages waiting or being sent, with the oldest's creation time (metrics; the email_messages_due index). */
  async queueStats(): Promise<{ kind: string; state: 'queued' | 'running'; count: number; oldest: string | null }[]> {
    const rows = await this.db.selectFrom('email_messages').select((eb) => ['state', eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('state', 'in', ['queued', 'sending']).groupBy('state').execute();
    return rows.map((r) => ({ kind: 'email', state: r.state === 'sending' ? 'running' as const : 'queued' as const, count: Number(r.n), oldest: r.oldest ?? null }));
  }

  /**
   * Gives back the messages `worker` has leased and not settled (a node shutting down): queued
   * again, due at once, the attempt not counted. A message whose send was cut may go out twice,
   * with the same Message-ID, as after a crash (see the outbox's header).
   */
  async release(worker: string, now: string): Promise<number> {
    const r = await this.db.updateTable('email_messages').set((eb) => ({ state: 'queued', leased_by: null, lease_until: null, next_attempt_at: now, updated_at: now, attempts: eb('attempts', '-', 1) }))
      .where('leased_by', '=', worker).where('state', '=', 'sending').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async get(id: string): Promise<EmailMessageRow | undefined> {
    return this.db.selectFrom('email_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** An organisation's latest messages, newest first; of one person or in one state when asked. */
  async recent(orgId: string, q: { personId?: string; state?: EmailState; limit: number }): Promise<EmailMessageRow[]> {
    let s = this.db.selectFrom('email_messages').selectAll().where('org_id', '=', orgId);
    if (q.personId) s = s.where('person_id', '=', q.personId);
    if (q.state) s = s.where('state', '=', q.state);
    return s.orderBy('created_at', 'desc').orderBy('id').limit(q.limit).execute();
  }

  /** How many of a campaign's messages are in each state. */
  async campaignCounts(campaignId: string): Promise<Record<EmailState, number>> {
    const rows = await this.db.selectFrom('email_messages').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).where('campaign_id', '=', campaignId).groupBy('state').execute();
    const out: Record<EmailState, number> = { queued: 0, sending: 0, sent: 0, failed: 0 };
    for (const r of rows) if (r.state in out) out[r.state as EmailState] = Number(r.n);
    return out;
  }

  async settings(orgId: string): Promise<EmailSettingsRow | undefined> {
    return this.db.selectFrom('email_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  }

  async saveSettings(row: EmailSettingsRow): Promise<void> {
    await this.db.insertInto('email_settings').values(row)
      .onConflict((oc) => oc.column('org_id').doUpdateSet({ sender_name: row.sender_name, reply_to: row.reply_to, updated_at: row.updated_at, updated_by: row.updated_by })).execute();
  }

  async templates(orgId: string): Promise<EmailTemplateRow[]> {
    return this.db.selectFrom('email_templates').selectAll().where('org_id', '=', orgId).execute();
  }

  async template(orgId: string, kind: string): Promise<EmailTemplateRow | undefined> {
    return this.db.selectFrom('email_templates').selectAll().where('org_id', '=', orgId).where('kind', '=', kind).executeTakeFirst();
  }

  async saveTemplate(row: EmailTemplateRow): Promise<void> {
    await this.db.insertInto('email_templates').values(row)
      .onConflict((oc) => oc.columns(['org_id', 'kind']).doUpdateSet({ subject: row.subject, text_body: row.text_body, html_body: row.html_body, updated_at: row.updated_at, updated_by: row.updated_by })).execute();
  }

  async deleteTemplate(orgId: string, kind: string): Promise<boolean> {
    const r = await this.db.deleteFrom('email_templates').where('org_id', '=', orgId).where('kind', '=', kind).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
