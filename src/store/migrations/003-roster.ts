import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Roster schema and field mapping: typed fields per list, the mapping from SCIM paths to them,
 * each person's derived fields and sync problems, every attribute path a list has received, and
 * background jobs (a row per job, claimed by any node).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable('lists').addColumn('mapping_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema.createTable('roster_fields')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('options', 'text')
    .addColumn('required', 'integer', (c) => c.notNull())
    .addColumn('is_unique', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('roster_fields_pk', ['list_id', 'key'])
    .execute();

  await db.schema.createTable('field_mappings')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('field_key', 'text', (c) => c.notNull())
    .addColumn('transform', 'text', (c) => c.notNull())
    .addColumn('template', 'text')
    .addPrimaryKeyConstraint('field_mappings_pk', ['list_id', 'position'])
    .execute();

  await db.schema.alterTable('users').addColumn('fields', 'text').execute();
  await db.schema.alterTable('users').addColumn('problems', 'text').execute();
  await db.schema.alterTable('users').addColumn('problem_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('search', 'text').execute();
  await db.schema.alterTable('users').addColumn('mapping_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('last_op', 'text').execute();
  await db.schema.createIndex('users_list_problems').on('users').columns(['list_id', 'problem_count']).execute();
  await db.schema.createIndex('users_list_active').on('users').columns(['list_id', 'active']).execute();

  await db.schema.createTable('seen_attributes')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('sample', 'text')
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('seen_attributes_pk', ['list_id', 'path'])
    .execute();

  await db.schema.createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cursor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('jobs_list').on('jobs').columns(['list_id', 'created_at']).execute();
}
