import { sql, type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * The next people a campaign invites, in the order they were added, without sorting every
 * pending one: a partial index over pending rows only (both engines support them; it shrinks as
 * the campaign goes on). The campaign's batch query names `state = 'pending'` as a literal so
 * that SQLite can use it (a bound parameter cannot prove the index's predicate). Before it, each
 * batch of 10 read and sorted all pending people of the campaign (1 ms a batch at 10,000 people,
 * growing with the campaign: bench/RESULTS.md, "A photo campaign").
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.createIndex('campaign_people_pending').on('campaign_people').columns(['campaign_id', 'added_at', 'person_id'])
    .where(sql.ref('state'), '=', sql.lit('pending')).execute();
}
