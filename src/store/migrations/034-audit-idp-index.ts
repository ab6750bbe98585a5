import { type Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * Drops `audit_list_idp` (list_id, idp, seq). Since migration 017 the audit trail's IdP filter
 * matches case-insensitively on `audit_list_idp_lc` (list_id, lower(idp), seq), and no query reads
 * the case-sensitive index any more; it only cost every audited change one more index entry
 * (issue 16, item 3: indexes that earn their keep).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.dropIndex('audit_list_idp').ifExists().execute();
}
