import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * The provisioning audit trail (a hash chain per list) and the request log for troubleshooting.
 * `lists` keeps each chain's head (last seq and hash) and its anchor (where retention cut it), so
 * removing an event at the start, in the middle or at the end is detected.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const seqType = engine === 'postgres' ? 'bigserial' : 'integer';
  await db.schema.alterTable('lists').addColumn('audit_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('lists').addColumn('audit_head', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('lists').addColumn('audit_anchor_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('lists').addColumn('audit_anchor_hash', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('tokens').addColumn('idp', 'text').execute();

  await db.schema.createTable('audit_events')
    .addColumn('id', sql.raw(seqType), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('target_name', 'text')
    // JSON text, not jsonb: the hash covers these exact bytes on both engines.
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('request_id', 'text')
    .addColumn('actor', 'text')
    .addColumn('token_id', 'text')
    .addColumn('token_label', 'text')
    .addColumn('idp', 'text')
    .addColumn('idp_evidence', 'text')
    .addColumn('normalisations', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_list_seq').on('audit_events').columns(['list_id', 'seq']).unique().execute();
  await db.schema.createIndex('audit_list_time').on('audit_events').columns(['list_id', 'time']).execute();
  await db.schema.createIndex('audit_list_action').on('audit_events').columns(['list_id', 'action', 'seq']).execute();
  await db.schema.createIndex('audit_list_target').on('audit_events').columns(['list_id', 'target_id', 'seq']).execute();
  await db.schema.createIndex('audit_list_idp').on('audit_events').columns(['list_id', 'idp', 'seq']).execute();

  await db.schema.createTable('request_log')
    .addColumn('id', sql.raw(seqType), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'real', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('token_label', 'text')
    .addColumn('idp', 'text')
    .addColumn('request_body', 'text')
    .addColumn('response_body', 'text')
    .execute();
  await db.schema.createIndex('request_log_list').on('request_log').columns(['list_id', 'id']).execute();
  await db.schema.createIndex('request_log_time').on('request_log').column('time').execute();
  await db.schema.createIndex('request_log_request').on('request_log').column('request_id').execute();

  await db.schema.createTable('admin_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
}
