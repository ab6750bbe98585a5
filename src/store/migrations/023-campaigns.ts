import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Photo campaigns (docs/campaigns.md):
 * - `campaigns`: "invite everyone without an approved photo" on a list or a filter of it, with
 *   the links' rules and the reminder setting. `selected_through` is the last users.seq the
 *   selection has walked (resumable after a restart); `job_id` is the one job that works the
 *   campaign now, set and cleared by compare-and-set so that two nodes never both enqueue one.
 *   A list's automatic invitations of new people (issue 14, item 2) are the campaign whose `kind`
 *   is `auto`, one per list (id `auto-<listId>`); its `status` `off` turns them off, and its
 *   `selected_through` is the list's last users.seq when it was last turned on (who is new).
 * - `campaign_people`: one row per person per campaign, the key (campaign_id, person_id). A row is
 *   `pending` until one transaction moves it on with a conditional UPDATE and queues its email, so
 *   a person is invited once per campaign however many nodes work it. `message_id` and `link_id`
 *   are the latest invitation or reminder; the page derives opened, uploaded and approved from the
 *   person's links and photos since `invited_at`.
 * - `photo_links.opened_at`: when the link's page was first opened ("opened the link").
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('filter', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('link_hours', 'integer', (c) => c.notNull())
    .addColumn('link_attempts', 'integer', (c) => c.notNull())
    .addColumn('consent_text', 'text')
    .addColumn('reminder_days', 'integer')
    .addColumn('max_reminders', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('selected_through', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('selection_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('job_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('campaigns_list').on('campaigns').columns(['list_id', 'created_at']).execute();
  await db.schema.createIndex('campaigns_status').on('campaigns').columns(['status']).execute();
  await db.schema.createTable('campaign_people')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('message_id', 'text')
    .addColumn('link_id', 'text')
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addColumn('invited_at', 'text')
    .addColumn('last_sent_at', 'text')
    .addColumn('sends', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reminders', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('campaign_people_pk', ['campaign_id', 'person_id'])
    .execute();
  await db.schema.createIndex('campaign_people_state').on('campaign_people').columns(['campaign_id', 'state', 'last_sent_at']).execute();
  await db.schema.createIndex('campaign_people_person').on('campaign_people').columns(['person_id']).execute();
  await db.schema.alterTable('photo_links').addColumn('opened_at', 'text').execute();
}
