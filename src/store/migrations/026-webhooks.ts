import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Webhooks (issue 15, item 3; docs/webhooks.md):
 * - `webhook_endpoints`: an organisation's receivers: URL, the event types wanted (JSON array, or
 *   NULL for all), on/off by an admin (`enabled`), paused by Muster after failing for too long
 *   (`paused_at`, resumed by hand), and `start_id`: only events with a larger id are sent to it
 *   (an endpoint added today does not receive the retained history).
 * - `webhook_secrets`: the signing secrets, sealed with the installation's key (SEALED_COLUMNS).
 *   The current one has no `expires_at`; after a rotation the old one signs too until it expires,
 *   so receivers can switch without losing a delivery.
 * - `webhook_deliveries`: one row per event per endpoint (unique: fanned out at most once), or per
 *   test ping (`event_id` NULL, `body` kept). `pending` → `delivered` or `failed`; leased to one
 *   node at a time (`locked_by`/`locked_until`); `order_key` (the event's subject) orders them per
 *   person and endpoint: a pending delivery holds back later ones with the same key.
 * - `webhook_attempts`: every attempt with its status, duration, response excerpt and error.
 * - `webhook_cursor`: the last outbox id fanned out (one row; its row lock serialises fan-out).
 *   It starts at the outbox's current head.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('event_types', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('paused_at', 'text')
    .addColumn('paused_reason', 'text')
    .addColumn('failing_since', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('start_id', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoints_org').on('webhook_endpoints').column('org_id').execute();

  await db.schema.createTable('webhook_secrets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .execute();
  await db.schema.createIndex('webhook_secrets_endpoint').on('webhook_secrets').column('endpoint_id').execute();

  await db.schema.createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'bigint')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('first_attempt_at', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'text')
    .execute();
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').columns(['endpoint_id', 'event_id']).unique().execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_order').on('webhook_deliveries').columns(['endpoint_id', 'order_key', 'state', 'event_id']).execute();
  await db.schema.createIndex('webhook_deliveries_recent').on('webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();

  await db.schema.createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_excerpt', 'text')
    .execute();
  await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempt']).execute();

  await db.schema.createTable('webhook_cursor')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO webhook_cursor (id, last_id) SELECT 1, last_id FROM outbox_head WHERE id = 1`.execute(db);
}
