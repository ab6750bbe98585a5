import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Email (docs/email.md):
 * - `email_messages`: the outbox. One row per message to one person, rendered when queued (what
 *   was sent is what the row says), sent by any node's job runner: `queued` → `sending` (leased to
 *   one node) → `sent` with the server's reply, or back to `queued` with a later `next_attempt_at`
 *   after a temporary (4xx) failure, or `failed` with the reply of a permanent (5xx) one. `kind`
 *   and `person_id` tie it to what it was about; `campaign_id` groups the thousands a campaign
 *   queues, so its progress is a count by state.
 * - `email_settings`: an organisation's sender name and reply-to address.
 * - `email_templates`: an organisation's own wording of a kind of message (defaults live in code).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('email_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text')
    .addColumn('person_id', 'text')
    .addColumn('campaign_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('from_name', 'text')
    .addColumn('reply_to', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('leased_by', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_reply', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  // The runner's question, "what is due?", and the screens': an organisation's latest, a person's, a campaign's by state.
  await db.schema.createIndex('email_messages_due').on('email_messages').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('email_messages_org').on('email_messages').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('email_messages_person').on('email_messages').columns(['person_id', 'created_at']).execute();
  await db.schema.createIndex('email_messages_campaign').on('email_messages').columns(['campaign_id', 'state']).execute();
  await db.schema.createTable('email_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organisations.id'))
    .addColumn('sender_name', 'text')
    .addColumn('reply_to', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('email_templates')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_templates_pk', ['org_id', 'kind'])
    .execute();
}
