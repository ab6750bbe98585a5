import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';
import { userNameKey } from '../../scim/user-name.js';

/**
 * `users.user_name_lc` becomes userNameKey(user_name): lower case and NFC (RFC 7613 §3.3.2), so
 * that an NFC and an NFD spelling of one userName are one user for uniqueness and `userName eq`
 * (issue 12, defect 3). Rows are rewritten in batches by seq; the key is computed here because
 * SQLite cannot normalise Unicode. Two existing users of one list whose names only now collide
 * cannot both have the new key (the unique index): the one met second keeps its old key rather
 * than failing start-up, and its next write is refused as a uniqueness conflict (409) until one
 * of the two is renamed or deleted in the IdP (docs/scim.md#usernames).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  const d = db as Kysely<{ users: { seq: number; list_id: string; user_name: string; user_name_lc: string } }>;
  let after = 0;
  for (;;) {
    const rows = await d.selectFrom('users').select(['seq', 'list_id', 'user_name', 'user_name_lc']).where('seq', '>', after).orderBy('seq').limit(500).execute();
    if (rows.length === 0) return;
    for (const r of rows) {
      const key = userNameKey(r.user_name);
      if (key === r.user_name_lc) continue;
      const taken = await d.selectFrom('users').select('seq').where('list_id', '=', r.list_id).where('user_name_lc', '=', key).executeTakeFirst();
      if (!taken) await d.updateTable('users').set({ user_name_lc: key }).where('seq', '=', r.seq).execute();
    }
    after = Number(rows[rows.length - 1]!.seq);
  }
}
