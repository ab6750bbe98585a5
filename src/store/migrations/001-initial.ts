import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * The first schema. Every index here serves a lookup an IdP makes (RFC 7644 filters on id,
 * userName, externalId, emails.value, displayName, employeeNumber) or a paging order.
 */
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const seqType = engine === 'postgres' ? 'bigserial' : 'integer';
  const json = engine === 'postgres' ? 'jsonb' : 'text';

  await db.schema.createTable('organisations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('uid_attribute', 'text', (c) => c.notNull())
    .addColumn('sync_method', 'text', (c) => c.notNull())
    .addColumn('strict', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('external_id_unique', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('lists_org').on('lists').columns(['org_id', 'name']).execute();

  await db.schema.createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('tokens_list').on('tokens').column('list_id').execute();

  await db.schema.createTable('users')
    .addColumn('seq', sql.raw(seqType), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id'))
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('user_name_lc', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    // external_id again, only when the list enforces externalId uniqueness (else NULL): the unique
    // index below then enforces it per list, in the database, race-free on every engine.
    .addColumn('external_id_key', 'text')
    .addColumn('display_name', 'text')
    .addColumn('display_name_lc', 'text')
    .addColumn('employee_number_lc', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('data', sql.raw(json), (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_list_user_name').on('users').columns(['list_id', 'user_name_lc']).unique().execute();
  await db.schema.createIndex('users_list_external_id').on('users').columns(['list_id', 'external_id']).execute();
  await db.schema.createIndex('users_list_external_id_key').on('users').columns(['list_id', 'external_id_key']).unique().execute();
  await db.schema.createIndex('users_list_display_name').on('users').columns(['list_id', 'display_name_lc']).execute();
  await db.schema.createIndex('users_list_employee_number').on('users').columns(['list_id', 'employee_number_lc']).execute();
  await db.schema.createIndex('users_list_seq').on('users').columns(['list_id', 'seq']).execute();
  await db.schema.createIndex('users_list_modified').on('users').columns(['list_id', 'last_modified']).execute();

  await db.schema.createTable('user_emails')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('value_lc', 'text', (c) => c.notNull())
    .addColumn('type_lc', 'text')
    .addColumn('is_primary', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('user_emails_value').on('user_emails').columns(['list_id', 'value_lc']).execute();
  await db.schema.createIndex('user_emails_user').on('user_emails').column('user_id').execute();

  await db.schema.createTable('groups')
    .addColumn('seq', sql.raw(seqType), (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('list_id', 'text', (c) => c.notNull().references('lists.id'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('display_name_lc', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('external_id_key', 'text')
    .addColumn('data', sql.raw(json), (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('last_modified', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('groups_list_display_name').on('groups').columns(['list_id', 'display_name_lc']).execute();
  await db.schema.createIndex('groups_list_external_id').on('groups').columns(['list_id', 'external_id']).execute();
  await db.schema.createIndex('groups_list_external_id_key').on('groups').columns(['list_id', 'external_id_key']).unique().execute();
  await db.schema.createIndex('groups_list_seq').on('groups').columns(['list_id', 'seq']).execute();

  await db.schema.createTable('group_members')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('member_type', 'text', (c) => c.notNull())
    .addColumn('display', 'text')
    .addColumn('created', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'member_id'])
    .execute();
  await db.schema.createIndex('group_members_member').on('group_members').column('member_id').execute();
}
