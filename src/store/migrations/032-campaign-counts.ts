import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * A campaign's totals as counters (issue 14 item 2; bench/RESULTS.md, "A photo campaign").
 *
 * Before this, the campaign page's totals were counted on every poll over every person of the
 * campaign, with a subquery into their links and photos each: 37 ms (p99 185 ms) of one SQLite
 * connection at 10,000 people, polled every few seconds while the campaign runs.
 *
 * - `campaign_people` gains what the totals count, kept per person: `email_state` (the latest
 *   message's state, `queued` also while it is being sent), `opened` (a link created since the
 *   invitation was opened), `uploaded` (a photo created since the invitation), `approved` (the
 *   person has an approved photo). They mean exactly what the old subqueries meant.
 * - `campaign_counts`: one row per campaign, the totals of its people.
 *
 * Both are kept by triggers in the same transaction as the change, as `list_counts` is (027):
 * every path that changes a message, a link, a photo or a campaign person (the outbox, the upload
 * page, approval, a capture session, list deletion, code written later) is counted, and a counter
 * only ever moves by the difference between a row's old and new state, so concurrent
 * transactions add up (on PostgreSQL they serialise on the counts row, under the list lock that
 * campaign writers already hold). CampaignsRepo.recount is the old query, kept for tests that
 * compare the two.
 */

/** Each counter, and when a campaign_people row (`r` is NEW or OLD) counts towards it. */
const COUNTERS: readonly (readonly [string, (r: string) => string])[] = [
  ['people', () => '1 = 1'],
  ['pending', (r) => `${r}.state = 'pending'`],
  ['no_email', (r) => `${r}.state = 'no_email'`],
  ['skipped', (r) => `${r}.state = 'skipped'`],
  ['queued', (r) => `${r}.email_state = 'queued'`],
  ['sent', (r) => `${r}.email_state = 'sent'`],
  ['failed', (r) => `${r}.email_state = 'failed'`],
  ['opened', (r) => `${r}.invited_at IS NOT NULL AND ${r}.opened = 1`],
  ['uploaded', (r) => `${r}.invited_at IS NOT NULL AND ${r}.uploaded = 1`],
  ['approved', (r) => `${r}.state <> 'pending' AND ${r}.approved = 1`],
  ['reminded', (r) => `${r}.reminders > 0`],
];
const one = (cond: string) => `(CASE WHEN ${cond} THEN 1 ELSE 0 END)`;
const countsUpdate = (op: 'INSERT' | 'UPDATE' | 'DELETE') => {
  const key = op === 'DELETE' ? 'OLD' : 'NEW';
  const set = COUNTERS.map(([c, cond]) => `${c} = ${c}${op === 'DELETE' ? '' : ` + ${one(cond('NEW'))}`}${op === 'INSERT' ? '' : ` - ${one(cond('OLD'))}`}`);
  return `UPDATE campaign_counts SET ${set.join(', ')} WHERE campaign_id = ${key}.campaign_id`;
};

/** The email states as the totals count them: `sending` is still `queued` (leased, not yet settled). */
const bucket = (state: string) => `CASE WHEN ${state} IN ('queued', 'sending') THEN 'queued' ELSE ${state} END`;
// The same definitions as the totals query before this migration (campaigns-repo.ts, recount).
const openedNow = (cp: string, int: string) => `(${cp}.invited_at IS NOT NULL AND EXISTS (SELECT 1 FROM photo_links pl WHERE pl.person_id = ${cp}.person_id AND pl.created_at >= ${cp}.invited_at AND pl.opened_at IS NOT NULL))${int}`;
const uploadedNow = (cp: string, int: string) => `(${cp}.invited_at IS NOT NULL AND EXISTS (SELECT 1 FROM photos p WHERE p.person_id = ${cp}.person_id AND p.created_at >= ${cp}.invited_at))${int}`;
const approvedNow = (person: string, int: string) => `(EXISTS (SELECT 1 FROM photos p WHERE p.person_id = ${person} AND p.status = 'approved'))${int}`;

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const run = (s: string) => sql.raw(s).execute(db);
  const int = engine === 'postgres' ? '::int' : '';
  await db.schema.alterTable('campaign_people').addColumn('email_state', 'text').execute();
  for (const c of ['opened', 'uploaded', 'approved']) await db.schema.alterTable('campaign_people').addColumn(c, 'integer', (col) => col.notNull().defaultTo(0)).execute();
  // The outbox settles a message by id; its campaign person is found by the key, then the message.
  await db.schema.createIndex('campaign_people_message').on('campaign_people').columns(['message_id']).execute();
  let t = db.schema.createTable('campaign_counts').addColumn('campaign_id', 'text', (c) => c.primaryKey());
  for (const [c] of COUNTERS) t = t.addColumn(c, 'bigint', (col) => col.notNull().defaultTo(0));
  await t.execute();

  // Existing campaigns: each person's state, then the totals, before the triggers take over.
  await run(`UPDATE campaign_people SET email_state = (SELECT ${bucket('em.state')} FROM email_messages em WHERE em.id = campaign_people.message_id),
    opened = ${openedNow('campaign_people', int)}, uploaded = ${uploadedNow('campaign_people', int)}, approved = ${approvedNow('campaign_people.person_id', int)}`);
  await run(`INSERT INTO campaign_counts (campaign_id, ${COUNTERS.map(([c]) => c).join(', ')})
    SELECT c.id, ${COUNTERS.map(([, cond]) => `coalesce(sum(CASE WHEN cp.person_id IS NULL THEN 0 ELSE ${one(cond('cp'))} END), 0)`).join(', ')}
    FROM campaigns c LEFT JOIN campaign_people cp ON cp.campaign_id = c.id GROUP BY c.id`);

  if (engine === 'sqlite') {
    // SQLite cannot assign NEW in a BEFORE trigger: a person's derived columns are set by a second
    // UPDATE of the row (recursive_triggers is off, so it does not fire the trigger that runs it;
    // the counts trigger counts it as its own change).
    const pk = 'WHERE campaign_id = NEW.campaign_id AND person_id = NEW.person_id';
    await run(`CREATE TRIGGER campaign_counts_campaign_ins AFTER INSERT ON campaigns BEGIN
      INSERT OR IGNORE INTO campaign_counts (campaign_id) VALUES (NEW.id); END`);
    await run(`CREATE TRIGGER campaign_counts_campaign_del AFTER DELETE ON campaigns BEGIN
      DELETE FROM campaign_counts WHERE campaign_id = OLD.id; END`);
    await run(`CREATE TRIGGER campaign_counts_ins AFTER INSERT ON campaign_people BEGIN ${countsUpdate('INSERT')}; END`);
    await run(`CREATE TRIGGER campaign_counts_upd AFTER UPDATE ON campaign_people BEGIN ${countsUpdate('UPDATE')}; END`);
    await run(`CREATE TRIGGER campaign_counts_del AFTER DELETE ON campaign_people BEGIN ${countsUpdate('DELETE')}; END`);
    await run(`CREATE TRIGGER campaign_people_fill_ins AFTER INSERT ON campaign_people
      WHEN NEW.message_id IS NOT NULL OR NEW.invited_at IS NOT NULL OR ${approvedNow('NEW.person_id', '')} BEGIN
      UPDATE campaign_people SET email_state = (SELECT ${bucket('em.state')} FROM email_messages em WHERE em.id = NEW.message_id),
        opened = ${openedNow('NEW', '')}, uploaded = ${uploadedNow('NEW', '')}, approved = ${approvedNow('NEW.person_id', '')} ${pk}; END`);
    await run(`CREATE TRIGGER campaign_people_fill_message AFTER UPDATE OF message_id ON campaign_people WHEN NEW.message_id IS NOT OLD.message_id BEGIN
      UPDATE campaign_people SET email_state = (SELECT ${bucket('em.state')} FROM email_messages em WHERE em.id = NEW.message_id) ${pk}; END`);
    await run(`CREATE TRIGGER campaign_people_fill_invited AFTER UPDATE OF invited_at ON campaign_people WHEN NEW.invited_at IS NOT OLD.invited_at BEGIN
      UPDATE campaign_people SET opened = ${openedNow('NEW', '')}, uploaded = ${uploadedNow('NEW', '')} ${pk}; END`);
    await run(`CREATE TRIGGER campaign_people_email_state AFTER UPDATE OF state ON email_messages
      WHEN NEW.campaign_id IS NOT NULL AND (${bucket('NEW.state')}) IS NOT (${bucket('OLD.state')}) BEGIN
      UPDATE campaign_people SET email_state = ${bucket('NEW.state')} WHERE campaign_id = NEW.campaign_id AND person_id = NEW.person_id AND message_id = NEW.id; END`);
    await run(`CREATE TRIGGER campaign_people_email_del AFTER DELETE ON email_messages WHEN OLD.campaign_id IS NOT NULL BEGIN
      UPDATE campaign_people SET email_state = NULL WHERE campaign_id = OLD.campaign_id AND person_id = OLD.person_id AND message_id = OLD.id; END`);
    await run(`CREATE TRIGGER campaign_people_link_opened AFTER UPDATE OF opened_at ON photo_links WHEN OLD.opened_at IS NULL AND NEW.opened_at IS NOT NULL BEGIN
      UPDATE campaign_people SET opened = 1 WHERE person_id = NEW.person_id AND opened = 0 AND invited_at IS NOT NULL AND invited_at <= NEW.created_at; END`);
    await run(`CREATE TRIGGER campaign_people_link_del AFTER DELETE ON photo_links WHEN OLD.opened_at IS NOT NULL BEGIN
      UPDATE campaign_people SET opened = ${openedNow('campaign_people', '')} WHERE person_id = OLD.person_id AND opened = 1; END`);
    await run(`CREATE TRIGGER campaign_people_photo_ins AFTER INSERT ON photos BEGIN
      UPDATE campaign_people SET uploaded = 1 WHERE person_id = NEW.person_id AND uploaded = 0 AND invited_at IS NOT NULL AND invited_at <= NEW.created_at;
      UPDATE campaign_people SET approved = 1 WHERE NEW.status = 'approved' AND person_id = NEW.person_id AND approved = 0; END`);
    await run(`CREATE TRIGGER campaign_people_photo_status AFTER UPDATE OF status ON photos WHEN NEW.status IS NOT OLD.status AND (NEW.status = 'approved' OR OLD.status = 'approved') BEGIN
      UPDATE campaign_people SET approved = ${approvedNow('NEW.person_id', '')} WHERE person_id = NEW.person_id AND approved <> ${approvedNow('NEW.person_id', '')}; END`);
    await run(`CREATE TRIGGER campaign_people_photo_del AFTER DELETE ON photos BEGIN
      UPDATE campaign_people SET uploaded = ${uploadedNow('campaign_people', '')}, approved = ${approvedNow('OLD.person_id', '')} WHERE person_id = OLD.person_id; END`);
    return;
  }

  // PostgreSQL: a BEFORE trigger sets a person's derived columns on the row being written, and an
  // AFTER trigger moves the counters by the difference between the old and the new row.
  await run(`CREATE FUNCTION muster_campaign_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'campaigns' THEN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO campaign_counts (campaign_id) VALUES (NEW.id) ON CONFLICT (campaign_id) DO NOTHING;
        ELSE
          DELETE FROM campaign_counts WHERE campaign_id = OLD.id;
        END IF;
      ELSIF TG_OP = 'INSERT' THEN ${countsUpdate('INSERT')};
      ELSIF TG_OP = 'UPDATE' THEN ${countsUpdate('UPDATE')};
      ELSE ${countsUpdate('DELETE')};
      END IF;
      RETURN NULL;
    END $$`);
  await run('CREATE TRIGGER campaign_counts_campaigns AFTER INSERT OR DELETE ON campaigns FOR EACH ROW EXECUTE FUNCTION muster_campaign_counts()');
  await run('CREATE TRIGGER campaign_counts_people AFTER INSERT OR UPDATE OR DELETE ON campaign_people FOR EACH ROW EXECUTE FUNCTION muster_campaign_counts()');
  await run(`CREATE FUNCTION muster_campaign_person_fill() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR NEW.message_id IS DISTINCT FROM OLD.message_id THEN
        NEW.email_state := (SELECT ${bucket('em.state')} FROM email_messages em WHERE em.id = NEW.message_id);
      END IF;
      IF TG_OP = 'INSERT' OR NEW.invited_at IS DISTINCT FROM OLD.invited_at THEN
        NEW.opened := ${openedNow('NEW', int)};
        NEW.uploaded := ${uploadedNow('NEW', int)};
      END IF;
      IF TG_OP = 'INSERT' THEN
        NEW.approved := ${approvedNow('NEW.person_id', int)};
      END IF;
      RETURN NEW;
    END $$`);
  await run('CREATE TRIGGER campaign_people_fill BEFORE INSERT OR UPDATE ON campaign_people FOR EACH ROW EXECUTE FUNCTION muster_campaign_person_fill()');
  await run(`CREATE FUNCTION muster_campaign_people_sources() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'email_messages' THEN
        IF TG_OP = 'UPDATE' THEN
          IF NEW.campaign_id IS NOT NULL AND (${bucket('NEW.state')}) IS DISTINCT FROM (${bucket('OLD.state')}) THEN
            UPDATE campaign_people SET email_state = ${bucket('NEW.state')} WHERE campaign_id = NEW.campaign_id AND person_id = NEW.person_id AND message_id = NEW.id;
          END IF;
        ELSIF OLD.campaign_id IS NOT NULL THEN
          UPDATE campaign_people SET email_state = NULL WHERE campaign_id = OLD.campaign_id AND person_id = OLD.person_id AND message_id = OLD.id;
        END IF;
      ELSIF TG_TABLE_NAME = 'photo_links' THEN
        IF TG_OP = 'UPDATE' THEN
          IF OLD.opened_at IS NULL AND NEW.opened_at IS NOT NULL THEN
            UPDATE campaign_people SET opened = 1 WHERE person_id = NEW.person_id AND opened = 0 AND invited_at IS NOT NULL AND invited_at <= NEW.created_at;
          END IF;
        ELSIF OLD.opened_at IS NOT NULL THEN
          UPDATE campaign_people SET opened = ${openedNow('campaign_people', int)} WHERE person_id = OLD.person_id AND opened = 1;
        END IF;
      ELSE
        IF TG_OP = 'INSERT' THEN
          UPDATE campaign_people SET uploaded = 1 WHERE person_id = NEW.person_id AND uploaded = 0 AND invited_at IS NOT NULL AND invited_at <= NEW.created_at;
          IF NEW.status = 'approved' THEN
            UPDATE campaign_people SET approved = 1 WHERE person_id = NEW.person_id AND approved = 0;
          END IF;
        ELSIF TG_OP = 'UPDATE' THEN
          IF NEW.status IS DISTINCT FROM OLD.status AND (NEW.status = 'approved' OR OLD.status = 'approved') THEN
            UPDATE campaign_people SET approved = ${approvedNow('NEW.person_id', int)} WHERE person_id = NEW.person_id AND approved <> ${approvedNow('NEW.person_id', int)};
          END IF;
        ELSE
          UPDATE campaign_people SET uploaded = ${uploadedNow('campaign_people', int)}, approved = ${approvedNow('OLD.person_id', int)} WHERE person_id = OLD.person_id;
        END IF;
      END IF;
      RETURN NULL;
    END $$`);
  await run('CREATE TRIGGER campaign_people_email AFTER UPDATE OF state OR DELETE ON email_messages FOR EACH ROW EXECUTE FUNCTION muster_campaign_people_sources()');
  await run('CREATE TRIGGER campaign_people_links AFTER UPDATE OF opened_at OR DELETE ON photo_links FOR EACH ROW EXECUTE FUNCTION muster_campaign_people_sources()');
  await run('CREATE TRIGGER campaign_people_photos AFTER INSERT OR UPDATE OF status OR DELETE ON photos FOR EACH ROW EXECUTE FUNCTION muster_campaign_people_sources()');
}
