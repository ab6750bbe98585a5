import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Whether the unique identifier's field is required only because it is the unique identifier
 * (1), or was already required when it became one, so the admin wants it required (0). Changing
 * the identifier drops the old field's "required" only in the first case (issue 13: a field the
 * admin made required stays required). Lists before this column had their identifier field made
 * required by the identifier choice, so they start at 1.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable('lists').addColumn('uid_required_implied', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}
