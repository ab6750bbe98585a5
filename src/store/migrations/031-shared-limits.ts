import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Limits that hold across nodes (issue 17, item 5):
 * - `rate_buckets`: one token bucket per (scope, key), e.g. ('scim', token id) or
 *   ('public', client address). Tokens are kept in integer units (1 request = 60,000 units, so a
 *   limit per minute or per second refills a whole number of units per millisecond) and `at` is
 *   the bucket's clock in epoch milliseconds. Nodes take small leases of tokens from it in one
 *   statement (src/store/limits-repo.ts) and spend them in memory.
 * - `sign_in_backoff`: failed password sign-ins per (account email, client address), with the
 *   time before which that pair may not try again (exponential backoff). It replaces the account
 *   lock-out of `admins.failed_attempts`/`locked_until` (left in place, no longer written), which
 *   let anyone who knew an address lock its owner out from everywhere.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createTable('rate_buckets')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('tokens', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('granted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('rate_buckets_pk', ['scope', 'key'])
    .execute();
  await db.schema.createIndex('rate_buckets_at').on('rate_buckets').columns(['scope', 'at']).execute();
  await db.schema.createTable('sign_in_backoff')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sign_in_backoff_pk', ['email', 'address'])
    .execute();
  await db.schema.createIndex('sign_in_backoff_updated').on('sign_in_backoff').column('updated_at').execute();
}
